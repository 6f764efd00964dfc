"""Overlap resolution: one span per character range, the more specific / more sensitive type winning a tie."""

from __future__ import annotations

from .detectors.base import Span

_TYPE_RANK = {  # tie-break when overlapping spans disagree on type: more specific / more sensitive first
    "SECRET": 0, "CREDIT_CARD": 1, "IBAN_CODE": 1, "US_SSN": 1, "NATIONAL_ID": 1, "BANK_ACCOUNT": 1,
    "EMAIL_ADDRESS": 2, "PHONE_NUMBER": 3, "VEHICLE_ID": 3, "ACCOUNT_ID": 5,
    "IP_ADDRESS": 3, "MAC_ADDRESS": 3, "US_DRIVER_LICENSE": 3, "US_PASSPORT": 3, "CRYPTO": 3, "URL": 4,
    "STREET_ADDRESS": 5, "PERSON": 6, "USER_ID": 6, "LOCATION": 7, "ORGANIZATION": 8, "DATE_TIME": 9,
}
def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Union overlapping spans; the merged span takes the type of its best member (score, specificity, length)."""
    if not spans:
        return []
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.entity_type, s.source))
    out: list[Span] = []
    group = [spans[0]]
    end = spans[0].end
    for s in spans[1:]:
        if s.start < end:
            group.append(s)
            end = max(end, s.end)
        else:
            out.append(_merge(group, end))
            group, end = [s], s.end
    out.append(_merge(group, end))
    return out


def _merge(group: list[Span], end: int) -> Span:
    best = min(group, key=lambda s: (-round(s.score, 3), _TYPE_RANK.get(s.entity_type, 10), -(s.end - s.start),
                                     s.entity_type, s.source))
    return Span(group[0].start, end, best.entity_type, max(s.score for s in group), best.source)
