"""Lower-case full names (``gregory barros``, ``natalina thomas``) that the small spaCy model cannot see.

Lexicon: the US Census 1990 name frequency files shipped by the PyPI package ``names`` (MIT; 5,494 first names,
88,799 last names; an independent public source, neither Faker nor presidio-research). A pair of lower-case words
``<first> <last>`` is a PERSON when the first word is a census first name and the second one of the
``max_last`` most frequent census last names, and neither is an English stop word, a common word
(``data/common_words.txt``) or an ambiguous name-word (``will``, ``may``, ``grace`` ...). Capitalised names are left
to NER and the other rules. Off when the package is missing (``available()``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .base import Span

# first names that are everyday English words: a pair starting with one of them is not taken as a name
_AMBIGUOUS = frozenset("""will may june mark rose hope grace bill long young page rich pat sue joy art guy don ray
jack frank sandy dawn summer autumn april august amber crystal ruby pearl iris lily holly ivy faith chance chase chip
gene bud buck rod penny sky star rock stone wade drew carol christian miles major king earl duke lane dale glen
forest clay cliff cole dean heath hunter mason price reed rusty sterling grant bishop baker walker golden an
else less new best sunny honey candy cherry destiny harmony melody misty patience precious charity unique trinity
royal prince princess lord colt jewel gay rusty max bob mike ben al ed tom tim jim kim lee ali van son man
can do go so to by my me he we us it in on at or as if be no yes see merry diamond love min brain""".split())
_WORD = re.compile(r"(?<![\w@.\-/])[a-zà-ÿ][a-zà-ÿ'’]+(?![\w@\-/]|\.\w)")


def _pkg_dir() -> Path | None:
    try:
        import names  # noqa: F401
    except ImportError:
        return None
    import names as pkg

    return Path(pkg.__file__).resolve().parent


def available() -> bool:
    d = _pkg_dir()
    return d is not None and (d / "dist.all.last").exists()


def _read(path: Path, limit: int | None = None) -> list[str]:
    out = []
    for line in path.read_text(encoding="ascii", errors="ignore").splitlines():
        parts = line.split()
        if parts:
            out.append(parts[0].casefold())
            if limit and len(out) >= limit:
                break
    return out


@lru_cache(maxsize=4)
def lexicon(max_last: int = 20_000) -> tuple[frozenset, frozenset]:
    d = _pkg_dir()
    if d is None:
        return frozenset(), frozenset()
    from .presidio_ner import _skip_words

    skip = _skip_words() | _AMBIGUOUS
    first = frozenset(w for w in _read(d / "dist.male.first") + _read(d / "dist.female.first")
                      if len(w) >= 3 and w not in skip)
    last = frozenset(w for w in _read(d / "dist.all.last", max_last) if len(w) >= 3 and w not in skip)
    return first, last


@lru_cache(maxsize=1)
def _all_name_tokens() -> frozenset:
    d = _pkg_dir()
    if d is None:
        return frozenset()
    return frozenset(_read(d / "dist.male.first") + _read(d / "dist.female.first") + _read(d / "dist.all.last"))


def name_support(value: str) -> bool:
    """True when some word of a multi-word ``value`` is a census first name or one of the 88,799 census last names, or
    a one-word ``value`` is a census first name (always True when the lexicon is not installed). Used to decide whether a model-only PERSON may be propagated through a session:
    ``Vacuum Cleaner`` or ``Thermostat`` tagged once by the small NER model must not spread to every mention."""
    toks = _all_name_tokens()
    if not toks:
        return True
    words = re.findall(r"[^\W\d_]+", value)
    if len(words) == 1:  # a lone word must be a first name: "Cotton", "Water" are census surnames only
        return words[0].casefold() in _first_names()
    return any(w.casefold() in toks for w in words)


@lru_cache(maxsize=1)
def _first_names() -> frozenset:
    d = _pkg_dir()
    return frozenset(_read(d / "dist.male.first") + _read(d / "dist.female.first")) if d else frozenset()


def detect_lowercase_names(text: str, max_last: int = 20_000) -> list[Span]:
    """PERSON spans for lower-case ``first last`` pairs (optionally ``first middle last``)."""
    if not text or not any(c.islower() for c in text):
        return []
    first, last = lexicon(max_last)
    if not first:
        return []
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    out: list[Span] = []
    i = 0
    while i < len(words) - 1:
        a, b, w = words[i]
        if w in first:
            for k in (1, 2):  # first last / first middle last
                if i + k >= len(words):
                    break
                gap_ok = all(text[words[j][1]:words[j + 1][0]] in (" ", "  ") for j in range(i, i + k))
                if not gap_ok:
                    break
                lw = words[i + k][2]
                if lw in last and (k == 1 or words[i + 1][2] in first or words[i + 1][2] in last):
                    out.append(Span(a, words[i + k][1], "PERSON", 0.55, "name_lexicon"))
                    i += k
                    break
        i += 1
    return out
