"""Session propagation: values found once (names, e-mails, addresses) are found again wherever they recur in the
same text or session, and the name parts of an e-mail's local part next to a found name."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from .detectors.base import Span
from .overlaps import resolve_overlaps

_NAME_TOKEN = re.compile(r"[A-ZÀ-Þ][a-zà-ÿ'’\-]{2,}")
_MODEL_SOURCES = ("spacy", "gliner", "hf_ner")
_NOT_NAMES = frozenset("""the and for but not you your our his her its their this that these those with from into
about have has had was were are will would could should can may might must shall please thanks thank hello dear
yes no okay sure mr mrs ms dr prof street road avenue city state country january february march april june july
august september october november december monday tuesday wednesday thursday friday saturday sunday""".split())


def name_parts(value: str) -> list[str]:
    return [t for t in _NAME_TOKEN.findall(value) if t.casefold() not in _NOT_NAMES]


def propagate(text: str, spans: list[Span], known: dict[str, str]) -> list[Span]:
    """Mark further occurrences of known values (value -> entity type) not yet covered. Names match case-sensitive
    on word boundaries (a first name after a full name); other values case-insensitively."""
    if not known:
        return spans
    extra = []
    names = tuple(sorted((v for v, et in known.items() if et == "PERSON"), key=lambda v: (-len(v), v)))
    others = tuple(sorted((v for v, et in known.items() if et != "PERSON"), key=lambda v: (-len(v), v)))
    folded = {v.casefold(): et for v, et in known.items() if et != "PERSON"}
    if names:
        for a, b in find_values(text, names, False):
            extra.append(Span(a, b, "PERSON", 0.45, "propagate"))
    if others:
        for a, b in find_values(text, others, True):
            et = folded.get(text[a:b].casefold())
            if et:
                extra.append(Span(a, b, et, 0.45, "propagate"))
    if not extra:
        return spans
    # a known value explains a model (NER) span around it: keep the known value's extent and type (a model span
    # around a shorter known value is dropped; one overlapping a known value loses the merge). Sorted sweep with
    # bisect, not spans x values: a 5,000-name list must not be quadratic.
    ex = sorted((e.start, e.end) for e in extra)
    starts = [a for a, _ in ex]
    longest = max(b - a for a, b in ex)
    kept = []
    for s in spans:
        if s.source not in _MODEL_SOURCES:
            kept.append(s)
            continue
        near = ex[bisect_left(starts, s.start - longest):bisect_left(starts, s.end)]
        over = [(a, b) for a, b in near if a < s.end and s.start < b]
        if not over:
            kept.append(s)
        elif not any(b - a < s.end - s.start for a, b in over):
            kept.append(Span(s.start, s.end, s.entity_type, min(s.score, 0.44), s.source))
    return resolve_overlaps(kept + extra)


def email_name_spans(text: str, spans: list[Span]) -> list[Span]:
    """Names spelled in an email's local part (ana.lopez@, KosaraReisl@) mark the same capitalised words in the
    text as PERSON (``Ana Lopez wrote from ana.lopez@...``)."""
    toks: set[str] = set()
    for s in spans:
        if s.entity_type != "EMAIL_ADDRESS":
            continue
        local = text[s.start:s.end].split("@")[0]
        local = re.sub(r"([a-z])([A-Z])", r"\1 \2", local)
        for t in re.split(r"[\s._\-+\d]+", local):
            if len(t) >= 3 and t.isalpha() and t.casefold() not in _NOT_NAMES:
                toks.add(t.casefold())
    if not toks:
        return []
    if _plain_case(text, tuple(toks)):  # a match starts with a token in upper case: none -> skip the regex compile
        low = text.lower()
        if not any(text[i].isupper() for t in toks for i in _find_all(low, t)):
            return []
    alt = "|".join(sorted((re.escape(t) for t in toks), key=lambda x: (-len(x), x)))
    word = r"(?i:" + alt + r")"
    out = []
    for m in re.finditer(r"(?<![\w@.])" + word + r"(?:\s+" + word + r")*(?![\w@])", text):
        if m.group(0)[0].isupper():
            out.append(Span(m.start(), m.end(), "PERSON", 0.6, "email_name"))
    return out


def _find_all(hay: str, needle: str):
    i = hay.find(needle)
    while i != -1:
        yield i
        i = hay.find(needle, i + 1)


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


@lru_cache(maxsize=1)
def _special_folds() -> frozenset | None:
    try:  # the characters re.IGNORECASE matches beyond lower() equality (CPython's own table)
        from re._casefix import _EXTRA_CASES

        return frozenset(chr(c) for k, vs in _EXTRA_CASES.items() for c in (k, *vs))
    except Exception:  # pragma: no cover - another Python: be exact, use the regex
        return None


def _plain_case(text: str, values: tuple[str, ...]) -> bool:
    if text.isascii() and all(v.isascii() for v in values):
        return True
    special = _special_folds()
    if special is None:
        return False
    chars = {c for c in text if not c.isascii()}
    for v in values:
        chars.update(c for c in v if not c.isascii())
    return all(len(c.lower()) == 1 and len(c.upper()) == 1 and c not in special for c in chars)


def find_values(text: str, values: tuple[str, ...], ignore_case: bool) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of ``values`` (longest first) on the boundaries of ``_alternation``, found with
    ``str.find`` instead of compiling one regex per text (compiling was ~15% of the cascade's CPU time). Same
    matches as ``_alternation(values, ignore_case).finditer(text)``; case-insensitive input with a character whose
    case folding is not a plain 1:1 ``lower()`` (sigma, dotless i, long s, ...) and empty values take that path."""
    if not all(values) or (ignore_case and not _plain_case(text, values)):
        return [m.span() for m in _alternation(values, ignore_case).finditer(text)]
    hay = text.lower() if ignore_case else text
    n = len(text)
    found = []
    for rank, v in enumerate(values):
        needle = v.lower() if ignore_case else v
        i = hay.find(needle)
        while i != -1:
            j = i + len(needle)
            ok_before = i == 0 or not (_word_char(text[i - 1]) or text[i - 1] in "@.-")
            if ok_before and (j == n or not (_word_char(text[j]) or text[j] in "@-" or (
                    text[j] == "." and j + 1 < n and _word_char(text[j + 1])))):
                found.append((i, rank, j))
            i = hay.find(needle, i + 1)
    found.sort()
    out, last = [], 0
    for i, _, j in found:  # leftmost match, first (longest) alternative at that position, then go on after it
        if i >= last:
            out.append((i, j))
            last = j
    return out


@lru_cache(maxsize=4096)
def _alternation(values: tuple[str, ...], ignore_case: bool) -> re.Pattern:
    alt = "|".join(re.escape(v) for v in values)
    return re.compile(r"(?<![\w@.\-])(?:" + alt + r")(?![\w@\-]|\.\w)", re.IGNORECASE if ignore_case else 0)


_NAME_PART = r"[A-ZÀ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-Þ]?[a-zà-ÿ'’]+)*"
_POSTCODE_IN = re.compile(r"(?<![\w\-])\d{5}(?:-\d{4})?(?![\w\-])|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NAME_LIKE = re.compile(r"^" + _NAME_PART + r"(?:[ \t]+" + _NAME_PART + r"){0,3}$")  # a name never spans lines


def _name_support(v: str) -> bool:
    from .lexicons.names import name_support

    return name_support(v)


def known_values(text: str, spans: list[Span]) -> dict[str, str]:
    """Values worth looking for elsewhere: rule/dictionary/JSON-key values, and person names. A name's parts are
    propagated only when a reliable source found it (title, introduction, email, dictionary, first_name/last_name
    key); a spaCy PERSON only when it looks like a name (capitalised words), its parts only for a full name."""
    known: dict[str, str] = {}
    for s in spans:
        v = text[s.start:s.end].strip()
        if s.entity_type == "PERSON":
            if s.source in _MODEL_SOURCES or s.source == "propagate":
                if _NAME_LIKE.match(v) and _name_support(v):
                    known.setdefault(v, "PERSON")
                    if " " in v:  # a full name: its parts are later first-/last-name mentions
                        for p in name_parts(v):
                            known.setdefault(p, "PERSON")
                continue
            for p in name_parts(v):
                known.setdefault(p, "PERSON")
        if len(v) >= 4 and s.entity_type not in ("DATE_TIME", "LOCATION", "ORGANIZATION", "URL") and \
                s.source not in _MODEL_SOURCES:
            known.setdefault(v, s.entity_type)
            if s.entity_type == "STREET_ADDRESS" and v != v.strip("0123456789- "):
                # the postcode of an address is repeated alone ("Sure, it's 78773"): propagate it too
                for m in _POSTCODE_IN.finditer(v):
                    known.setdefault(m.group(0), "STREET_ADDRESS")
    return known
