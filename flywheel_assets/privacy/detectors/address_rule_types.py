"""The rule types the address rules need beyond :class:`~flywheel_assets.privacy.detectors.base.Rule`: a cheap
text gate before a costly pattern (:class:`GatedRule`), a multi-line pattern run only before a rare anchor
(:class:`AnchoredRule`), spans that grow into a longer address (:class:`ExtendingRule`), and the gates and
extensions :mod:`flywheel_assets.privacy.detectors.addresses` plugs into them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ..lexicons.address_words import (ANYW, CROSS_WORDS, GLUED_ENDS, NOT_LOC, POST_WORDS, PRE_TYPE_WEAK, PRE_WORDS,
                                      STRONG_SUFFIX_ALT, SUFFIX_WORDS)
from .address_checks import locality_street_ok, unit_tail_ok
from .base import Rule, Span

_STRONG_END = re.compile(r"(?i)\b(?:" + STRONG_SUFFIX_ALT + r")\.?$")
_LOCALITY_BEFORE = re.compile(r"(?:^|\n)[ \t>]*((?:" + NOT_LOC + ANYW + r"[ \t]+){1,3})$|(?:\b(?i:to|at|is|in)[ \t]+|:"
                              r"[ \t]*)((?:" + NOT_LOC + ANYW + r"[ \t]+){1,3})$")


# the town / region / country words after "<street number> <unit>" on one line ("12 Foo 3 Apt. 4 springfield il",
# "... Suite 5 Oberdorf"), up to the clause's end or its next function word; the street + unit before them is
# the address context (the cascade's tail growth takes capitalised towns only)
_TAIL_UNIT_START = re.compile(r"(?i:apt|apartment|suite|ste|unit|flat|app|appt|apto|piso|dpto|depto)\b")
_UNIT_BEFORE = re.compile(r"(?:\d{1,5}[A-Za-z]?\.?|\b(?i:" + STRONG_SUFFIX_ALT + r")\.?)[ \t]*,?[ \t]+$")
_UNIT_TAIL_AFTER = re.compile(r",?(?:[ \t]+" + ANYW + r"){1,4}?(?=[ \t]*(?:$|[\n?!.;,]|(?:for|to|in|on|at|by|please|"
                              r"and|but|so|if|is|was|thanks|thank)\b))")


@dataclass(frozen=True)
class GatedRule(Rule):
    """A rule whose (costlier) pattern runs only on texts that pass a cheap ``gate`` (a word-set lookup)."""

    gate: Callable[[str], bool] | None = None

    def find(self, text: str) -> list[Span]:
        if self.gate is not None and not self.gate(text):
            return []
        return Rule.find(self, text)


@dataclass(frozen=True)
class AnchoredRule(Rule):
    """A multi-line rule that ends at an ``anchor`` (a rare, cheap match): its pattern runs only in the few lines
    before each anchor, so its cost does not grow with the text."""

    anchor: re.Pattern | None = None
    lines_before: int = 4

    def find(self, text: str) -> list[Span]:
        out: list[Span] = []
        for am in self.anchor.finditer(text):
            ws = am.start()
            for _ in range(self.lines_before):
                ws = text.rfind("\n", max(0, am.start() - 240), ws)
                if ws <= 0:
                    ws = max(0, am.start() - 240)
                    break
            for span in Rule.find(self, text[:am.end()]) if ws == 0 else _find_from(self, text, ws, am.end()):
                if span not in out:
                    out.append(span)
        return out


@dataclass(frozen=True)
class ExtendingRule(Rule):
    """A rule whose spans may also grow into a longer address span, found in the same scan: ``extend(text, span)``
    returns the longer span (its own source name) or None."""

    extend: Callable[[str, Span], Span | None] | None = None

    def find(self, text: str) -> list[Span]:
        out = Rule.find(self, text)
        if self.extend is not None and out:
            out.extend([x for x in map(lambda sp: self.extend(text, sp), list(out)) if x is not None])
        return out


def locality_before(text: str, span: Span) -> Span | None:
    """``sent to Eyrarodda 6 Mahler Street``: 1-3 locality / building words between an address cue (or a line
    start, or a colon) and a number-first street with a strong street word."""
    if not _STRONG_END.search(text, span.start, span.end):
        return None
    b = _LOCALITY_BEFORE.search(text, max(0, span.start - 60), span.start)
    if not b:
        return None
    s = b.start(1) if b.group(1) is not None else b.start(2)
    if not locality_street_ok(text[s:span.end]):
        return None
    return Span(s, span.end, span.entity_type, 0.6, "locality_street")


def unit_with_town(text: str, span: Span) -> Span | None:
    """``12 Foo 3 Apt. 4 springfield il``: a unit right after a house number or a street word, then 1-4 place words
    up to the clause end (or its next function word)."""
    if not _TAIL_UNIT_START.match(text, span.start) or not _UNIT_BEFORE.search(text, max(0, span.start - 30),
                                                                                span.start):
        return None
    m = _UNIT_TAIL_AFTER.match(text, span.end)
    if not m or not unit_tail_ok(text[span.start:m.end()]):
        return None
    return Span(span.start, m.end(), span.entity_type, 0.6, "unit_tail")


def _find_from(rule: Rule, text: str, pos: int, end: int) -> list[Span]:
    out = []
    for m in rule.pattern.finditer(text, pos, end):
        s, e = m.span(rule.group)
        if s < 0 or e <= s or rule.validator is not None and not rule.validator(text[s:e]):
            continue
        out.append(Span(s, e, rule.entity_type, rule.score, rule.name))
    return out


_TOKEN = re.compile(r"(?i:\bc/)|(?<![^\W\d_])[^\W\d_][\w'’\-]*\.?")
_WORD_BEFORE_NO = re.compile(r"(?<![^\W\d_])([^\W\d_]{3,})(?=\.?[ \t]*,?[ \t]*(?:[^\s\d]{1,7}[ \t]*)?\d)")


@lru_cache(maxsize=16)
def tokens(text: str) -> frozenset[str]:
    """The text's case-folded tokens, each also without its trailing full stop (a token has at most one)."""
    out = set(map(str.casefold, _TOKEN.findall(text)))
    out.update([t[:-1] for t in out if t.endswith(".")])
    return frozenset(out)


_NUM_TYPE = re.compile(r"\d[ \t]*,?[ \t]+(?i:" + PRE_TYPE_WEAK + r")(?!\w)")


def lower_pre_gate(text: str) -> bool:
    """A weak street word right after a number somewhere in the text (the lower-case rule needs both)."""
    return pre_gate(text) and _NUM_TYPE.search(text) is not None


def pre_gate(text: str) -> bool:
    return not tokens(text).isdisjoint(PRE_WORDS)


def post_gate(text: str) -> bool:
    return not tokens(text).isdisjoint(POST_WORDS)


@lru_cache(maxsize=16)
def glued_gate(text: str) -> bool:
    # a word whose case folding ends in a glued street word needs that ending in the text's case folding
    # (``str.casefold`` maps character by character): most texts have none, and skip the word scan
    low = text.casefold()
    if not any(e in low for e in GLUED_ENDS):
        return False
    return any(w.casefold().endswith(GLUED_ENDS) for w in _WORD_BEFORE_NO.findall(text))


def cross_gate(text: str) -> bool:
    return not tokens(text).isdisjoint(CROSS_WORDS)


def and_gate(text: str) -> bool:
    return ("and" in text or "&" in text or " at " in text) and not tokens(text).isdisjoint(SUFFIX_WORDS)
