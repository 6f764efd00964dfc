"""Shared text folding and the general-vocabulary word lists (the bottom of the privacy import graph).

Two folds, on purpose:

- ``fold`` matches words against the name lists: case-fold, map letters NFKD cannot decompose (``ł`` -> ``l``,
  ``ß`` -> ``ss``, ``æ`` -> ``ae``) and the typographic apostrophe, then strip accents. ``Łukasz`` -> ``lukasz``.
- ``fold_place`` matches place names against the gazetteer's index, which is built with it: strip accents, then
  case-fold; letters without a decomposition (``ł``, ``ø``, ``æ``) are kept. Switching the gazetteer to ``fold``
  would change which places match, so the two stay apart.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_FOLD_EXTRA = str.maketrans({"ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "ð": "d",
                             "þ": "th", "’": "'"})


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def fold(word: str) -> str:
    """Case-fold and strip accents (``András`` -> ``andras``, ``Łukasz`` -> ``lukasz``) like the given-name list."""
    w = word.casefold().translate(_FOLD_EXTRA)
    if w.isascii():
        return w
    return strip_accents(w)


def fold_place(s: str) -> str:
    """The gazetteer's fold (see the module docstring): ASCII lower-case, else accents stripped and case-folded."""
    if s.isascii():
        return s.lower()
    return strip_accents(s).casefold().replace("’", "'")


@lru_cache(maxsize=1)
def common_words() -> frozenset:
    """General vocabulary that is never a name on its own (``data/common_words.txt``)."""
    words = []
    for line in (DATA_DIR / "common_words.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.casefold())
    return frozenset(words)


@lru_cache(maxsize=1)
def skip_words() -> frozenset:
    """spaCy's English stop words and ``common_words()``, case-folded: words never taken as a name alone."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.casefold() for w in STOP_WORDS) | common_words()
