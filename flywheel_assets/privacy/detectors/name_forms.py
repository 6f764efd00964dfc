"""Directory forms of a person's name that other detectors find in pieces: ``Allen, Phillip K.`` (surname, comma,
given name, middle initial) in mail headers, distribution lists and CRM exports. Post-processing over spans already
found: two PERSON spans on one line separated only by a comma become one span, and a PERSON span followed by a
middle initial (``Phillip K.``) takes the initial. The pieces are then pseudonymised as one person.
"""

from __future__ import annotations

import re

from .base import Span

_COMMA_GAP = re.compile(r"[ \t]*,[ \t]*")
_INITIAL_AFTER = re.compile(r"[ \t]+[A-Z]\.(?![\w.])")
# after the given name: the end of the entry (line end, list separator, bracket, quote)
_ENTRY_END = re.compile(r"[ \t]*(?:[A-Z]\.[ \t]*)?(?:$|[\n;<>\"'()\[\]/]|,[ \t]*(?:$|\n))", re.M)


def join_inverted_names(text: str, spans: list[Span]) -> list[Span]:
    """``Surname, Given [I.]`` -> one PERSON span; spans must be sorted and non-overlapping."""
    if not any(s.entity_type == "PERSON" for s in spans):
        return spans
    out: list[Span] = []
    i = 0
    while i < len(spans):
        s = spans[i]
        if s.entity_type == "PERSON":
            nxt = spans[i + 1] if i + 1 < len(spans) else None
            if nxt is not None and nxt.entity_type == "PERSON" and _COMMA_GAP.fullmatch(text, s.end, nxt.start) \
                    and " " not in text[s.start:s.end].strip() and _ENTRY_END.match(text, nxt.end):
                s = Span(s.start, nxt.end, "PERSON", max(s.score, nxt.score), s.source)
                i += 1
            m = _INITIAL_AFTER.match(text, s.end)
            if m and (i + 1 >= len(spans) or spans[i + 1].start >= m.end()):
                s = Span(s.start, m.end(), "PERSON", s.score, s.source)
        out.append(s)
        i += 1
    return out


def detect(text: str) -> list[Span]:
    """No spans of its own: this step reshapes PERSON spans found by other detectors."""
    return []
