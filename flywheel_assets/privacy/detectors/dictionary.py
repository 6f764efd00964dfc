"""Organisation dictionaries (YAML) and allow-lists.

Dictionary YAML: ``{ENTITY_TYPE: [term, ...], ...}`` e.g. ``PERSON: [customer and employee names]``,
``PROJECT_CODENAME: [...]``, ``HOSTNAME: [build-01.corp.internal]``. Matching is case-insensitive on word
boundaries. Allow-list YAML: ``{allow: [term, ...]}`` (or a plain list): spans whose text equals an allowed term
(case-insensitive) or that lie inside an allowed term's occurrence are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .base import Span

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


_TRIMMABLE = ("spacy", "gliner", "propagate", "name_intro", "email_name")


def _norm(s: str) -> str:
    return " ".join(str(s).split()).casefold()


def _load_yaml(path: str | Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


class Dictionary:
    """Compiled org dictionary: one alternation regex per entity type (longest terms first)."""

    def __init__(self, terms: dict[str, list[str]]):
        self.patterns: list[tuple[str, re.Pattern]] = []
        for et in sorted(terms):
            words = sorted({str(w).strip() for w in terms[et] or [] if str(w).strip()}, key=lambda w: (-len(w), w))
            if words:
                alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
                self.patterns.append((str(et).upper(), re.compile(r"(?<![\w.\-])(?:" + alt + r")(?![\w\-]|\.\w)",
                                                                  re.IGNORECASE)))

    @classmethod
    def from_paths(cls, paths: list[str]) -> "Dictionary":
        merged: dict[str, list[str]] = {}
        for p in paths:
            data = _load_yaml(p)
            for et, words in (data.items() if isinstance(data, dict) else []):
                merged.setdefault(str(et).upper(), []).extend(words or [])
        return cls(merged)

    def find(self, text: str) -> list[Span]:
        out = []
        for et, pat in self.patterns:
            for m in pat.finditer(text):
                out.append(Span(m.start(), m.end(), et, 0.95, "dictionary"))
        return out


# the non-ASCII chars that re.IGNORECASE matches to an ASCII char (İ, ı, ſ, Kelvin sign; found by trying every code
# point, re-checked in the tests): a text holding one takes the regex path
_CASE_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


class AllowList:
    def __init__(self, terms: list[str]):
        self.terms = {_norm(t) for t in terms if str(t).strip()}
        words = sorted({str(t).strip() for t in terms if str(t).strip()}, key=lambda w: (-len(w), w))
        self.pattern = (re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w])",
                                   re.IGNORECASE) if words else None)
        # fast path for ASCII texts (all terms ASCII): the same matches as ``pattern`` found from a first-two-chars
        # index at word starts instead of trying every alternative at every position (~70 us -> a few us a text)
        self._ascii = all(w.isascii() for w in words)
        self._by_prefix: dict[str, list[str]] = {}
        for w in words:  # in the pattern's order (longest first): the first term that fits wins, as in the regex
            self._by_prefix.setdefault(w[:2].lower(), []).append(w.lower())
        firsts = sorted({w[0].lower() for w in words})
        self._starts = (re.compile(r"(?<![\w])[" + "".join(re.escape(c) for c in firsts) + "]", re.IGNORECASE)
                        if words else None)
        self._last: tuple[str, list[tuple[int, int]]] | None = None

    @classmethod
    def from_config(cls, extra: list[str], use_default: bool = True, paths: list[str] = ()) -> "AllowList":
        terms = list(extra)
        files = ([DATA_DIR / "allow_list.yaml"] if use_default else []) + [Path(p) for p in paths]
        for p in files:
            if Path(p).exists():
                data = _load_yaml(p)
                terms.extend(data.get("allow", []) if isinstance(data, dict) else data)
        return cls(terms)

    def matches(self, text: str, fast: bool = True) -> list[tuple[int, int]]:
        """(start, end) of the allowed terms in ``text``: exactly ``pattern.finditer`` (``fast=False`` runs that
        reference path). The last text's matches are kept: the cascade filters a text twice."""
        if self.pattern is None:
            return []
        if not fast or not self._ascii or (not text.isascii() and _CASE_TO_ASCII.search(text)):
            return [(m.start(), m.end()) for m in self.pattern.finditer(text)]
        last = self._last
        if last is not None and last[0] == text:
            return list(last[1])
        # ASCII terms: only ASCII chars and the four in _CASE_TO_ASCII match them under re.IGNORECASE, and for the
        # others lower() is that case folding, one char for one (offsets stay aligned)
        lower = text.lower()
        n = len(text)
        out: list[tuple[int, int]] = []
        end = 0
        for m in self._starts.finditer(text):
            p = m.start()
            if p < end:
                continue
            for w in self._by_prefix.get(lower[p:p + 2], ()):
                e = p + len(w)
                if lower.startswith(w, p) and (e == n or not (text[e].isalnum() or text[e] == "_")):
                    out.append((p, e))
                    end = e
                    break
        self._last = (text, out)
        return list(out)

    def filter(self, text: str, spans: list[Span]) -> list[Span]:
        """Drop spans made only of allowed terms; trim allowed terms off the edges of the others."""
        if not self.terms:
            return spans
        covered = self.matches(text)
        keep = []
        for s in spans:
            if _norm(text[s.start:s.end]).strip(" .,;:'\"") in self.terms:
                continue
            inside = [(a, b) for a, b in covered if a < s.end and s.start < b]
            if not inside:
                keep.append(s)
                continue
            if any(a <= s.start and s.end <= b for a, b in inside):
                continue
            if s.source not in _TRIMMABLE:  # a structured rule match (URL, email...) is kept whole
                keep.append(s)
                continue
            rest = [j for j in range(s.start, s.end) if text[j].isalnum() and not any(a <= j < b for a, b in inside)]
            if not rest:
                continue
            if _only_common_words(text, s, inside):
                continue  # "The Acme Desk Lamp" with Acme allowed: the rest is vocabulary, not a name
            a, b = rest[0], rest[-1] + 1
            # extend to whole words of the remainder
            while a > s.start and (text[a - 1].isalnum() or text[a - 1] in "'’-.") and \
                    not any(x <= a - 1 < y for x, y in inside):
                a -= 1
            while b < s.end and (text[b].isalnum() or text[b] in "'’-") and not any(x <= b < y for x, y in inside):
                b += 1
            keep.append(Span(a, b, s.entity_type, s.score, s.source) if (a, b) != (s.start, s.end) else s)
        return keep


def _only_common_words(text: str, s: Span, inside: list[tuple[int, int]]) -> bool:
    from ..lexicons.base import skip_words

    skip = skip_words()
    words = [m for m in re.finditer(r"[^\W_]+", text[s.start:s.end])
             if not any(a <= s.start + m.start() < b for a, b in inside)]
    return all(m.group(0).casefold() in skip or m.group(0).isdigit() for m in words)


@lru_cache(maxsize=8)
def cached_dictionary(paths: tuple[str, ...]) -> Dictionary:
    return Dictionary.from_paths(list(paths))


@lru_cache(maxsize=8)
def cached_allow_list(extra: tuple[str, ...], use_default: bool) -> AllowList:
    return AllowList.from_config(list(extra), use_default)
