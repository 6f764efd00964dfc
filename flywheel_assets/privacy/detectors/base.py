"""Span: one detected entity (character offsets into the scanned text)."""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    entity_type: str
    score: float = 1.0
    source: str = "rules"

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "entity_type": self.entity_type, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Rule:
    """A regex rule. ``group`` picks the part that is PII (e.g. the value of ``password=...``)."""

    name: str
    entity_type: str
    pattern: re.Pattern
    score: float = 0.85
    group: int | str = 0
    validator: Callable[[str], bool] | None = None
    # required context: a regex that must match in the 40 chars before the match (None -> no requirement)
    context: re.Pattern | None = None

    def find(self, text: str) -> list[Span]:
        out = []
        for m in self.pattern.finditer(text):
            try:
                s, e = m.span(self.group)
            except IndexError:
                s, e = m.span()
            if s < 0 or e <= s:
                continue
            value = text[s:e]
            if self.validator is not None and not self.validator(value):
                continue
            if self.context is not None and not self.context.search(text[max(0, m.start() - 40):m.start()]):
                continue
            out.append(Span(s, e, self.entity_type, self.score, self.name))
        return out


def run_rules(rules: list[Rule], text: str) -> list[Span]:
    out: list[Span] = []
    for r in rules:
        out.extend(r.find(text))
    return out


def merge_overlapping(spans: list[Span]) -> list[Span]:
    """Sorted, de-duplicated spans with overlaps merged into the earlier span (its type, score and source kept)."""
    out: list[Span] = []
    for s in sorted(set(spans)):
        if out and s.start < out[-1].end:
            if s.end > out[-1].end:
                out[-1] = Span(out[-1].start, s.end, s.entity_type, s.score, s.source)
            continue
        out.append(s)
    return out


def first_line_part(text: str, a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` cut to its first line that holds a letter: a model's name / place / firm never runs over a line
    break (``Jane Doe\\nSales Manager``, ``Algorithms\\n    Compiler Design``). ``(a, a)`` when no line has one."""
    pos = a
    while pos < b:
        nl = text.find("\n", pos, b)
        nl = b if nl == -1 else nl
        if any(c.isalpha() for c in text[pos:nl]):
            return pos, nl
        pos = nl + 1
    return a, a


def overlap_test(spans: list[Span]) -> Callable[[int, int], bool]:
    """``hits(a, b)``: does ``[a, b)`` overlap any of ``spans``? Sorted starts plus the running furthest end, one
    bisect per question (built on the first one), so checking many candidates against many spans is not quadratic."""
    index: list[list[int]] = []

    def hits(a: int, b: int) -> bool:
        if not index:
            iv = sorted((s.start, s.end) for s in spans)
            reach, m = [], 0
            for _, e in iv:
                m = max(m, e)
                reach.append(m)
            index.extend(([s for s, _ in iv], reach))
        starts, reach = index
        j = bisect_left(starts, b) - 1  # the spans that start before b
        return j >= 0 and reach[j] > a

    return hits


class DisjointExtents:
    """The extents a detector has taken so far, kept sorted and disjoint: ``free(a, b)`` checks only the two
    neighbours of ``[a, b)`` (a detector adding thousands of spans to one text stays near-linear)."""

    def __init__(self) -> None:
        self._iv: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        iv = self._iv
        k = bisect_left(iv, (a, b))
        return not (k and iv[k - 1][1] > a or k < len(iv) and iv[k][0] < b)

    def add(self, a: int, b: int) -> None:
        insort(self._iv, (a, b))
