"""Lower-case full names (``nathan oliveira``, ``natalina thomas``) that the small spaCy model cannot see.

A pair of lower-case words ``<first> <last>`` is a PERSON when the first word is a census first name and the second
one of the ``max_last`` most frequent census last names (``lexicons.names.lexicon``). Capitalised names are left to
NER and the other rules. Off when the ``names`` package is missing (``available()``).
"""

from __future__ import annotations

import re

from ..lexicons.names import available, lexicon
from .base import Span

__all__ = ["available", "detect_lowercase_names"]


_WORD = re.compile(r"(?<![\w@.\-/])[a-zà-ÿ][a-zà-ÿ'’]+(?![\w@\-/]|\.\w)")


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
