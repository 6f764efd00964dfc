"""The placeholder grammar, owned once: what a redaction placeholder looks like.

The redactor replaces a detected value with ``<LABEL_N>``: ``LABEL`` is the label of one of the redactor's own
entity types (:data:`ENTITY_TYPES`, shortened by :data:`TYPE_LABEL`: ``EMAIL_ADDRESS`` -> ``EMAIL``) and ``N`` the
per-session number (1, 2, ...). Only those strings are placeholders. Everything else in angle brackets is text a
real prompt may carry: chat-template tokens (``<s>``, ``<<SYS>>``, ``[INST]``, ``<|im_start|>``), reasoning tags
(``<think>``), HTML / XML tags, template variables of another vocabulary (``<SYS>``, ``<QUERY>``).

A *malformed* placeholder starts like one of ours (``<LABEL_``) but its number is missing, zero or not closed
(``<PERSON_>``, ``<PERSON_0>``, ``<PERSON_1`` cut off, nested ``<PERSON_<ORG_1>>``): the export validation rejects
rows holding one. Upper-case words such as ``<PERSON>``, ``<PHONE_NUMBER>`` or ``<DATE_TIME>`` (other tools' mask
tokens, template variables) are text.

Every module that finds, counts, normalises or validates placeholders imports from here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

# every entity type a detector of the cascade can emit (rules, secrets, name / place / organisation / title
# detectors, structured-field keys, spaCy and GLiNER label maps); a test checks the detectors against this list
ENTITY_TYPES: tuple[str, ...] = (
    "SECRET", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "MAC_ADDRESS",
    "US_DRIVER_LICENSE", "US_PASSPORT", "CRYPTO", "URL", "STREET_ADDRESS", "PERSON", "USER_ID", "LOCATION",
    "ORGANIZATION", "DATE_TIME", "TITLE", "NRP", "ACCOUNT_ID", "BANK_ACCOUNT", "NATIONAL_ID", "VEHICLE_ID", "MISC",
)
# entity type -> the label written in the placeholder (types not listed keep their name)
TYPE_LABEL: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "STREET_ADDRESS": "ADDRESS", "IBAN_CODE": "IBAN",
    "US_SSN": "SSN", "IP_ADDRESS": "IP", "MAC_ADDRESS": "MAC", "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_PASSPORT": "PASSPORT", "ORGANIZATION": "ORG", "DATE_TIME": "DATE",
}


def label(entity_type: str) -> str:
    """The placeholder label of an entity type (``EMAIL_ADDRESS`` -> ``EMAIL``)."""
    return TYPE_LABEL.get(entity_type, entity_type)


def format_placeholder(entity_type: str, number: int) -> str:
    return f"<{label(entity_type)}_{number}>"


def labels(extra_types: Iterable[str] = ()) -> tuple[str, ...]:
    """Every label a placeholder may carry: the redactor's types, their short labels and ``extra_types`` (entity
    types of a user's dictionaries), longest first so an alternation never stops at a prefix."""
    out = set(ENTITY_TYPES) | {label(t) for t in ENTITY_TYPES}
    out |= {label(str(t)) for t in extra_types if re.fullmatch(r"[A-Z][A-Z0-9_]*", str(t))}
    return tuple(sorted(out, key=lambda s: (-len(s), s)))


@lru_cache(maxsize=32)
def _patterns(extra: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    alt = "|".join(re.escape(x) for x in labels(extra))
    good = re.compile(rf"<(?P<label>{alt})_(?P<n>[1-9][0-9]*)>")
    # starts like one of ours (``<LABEL_``) but the number is missing, zero-padded or not closed by ">"
    bad = re.compile(rf"<(?:{alt})_(?:(?=[\s<>]|$)|0|[0-9]+(?![0-9>]))")
    return good, bad


def placeholder_pattern(extra_types: Iterable[str] = ()) -> re.Pattern:
    """Compiled ``<LABEL_N>`` pattern (groups ``label`` and ``n``); ``extra_types`` adds dictionary types."""
    return _patterns(tuple(sorted(set(extra_types))))[0]


def malformed_pattern(extra_types: Iterable[str] = ()) -> re.Pattern:
    """Compiled pattern of a broken placeholder of our grammar (see the module docstring)."""
    return _patterns(tuple(sorted(set(extra_types))))[1]


PLACEHOLDER_RE: re.Pattern = placeholder_pattern()
MALFORMED_PLACEHOLDER_RE: re.Pattern = malformed_pattern()
MALFORMED_PLACEHOLDER: str = MALFORMED_PLACEHOLDER_RE.pattern  # as a string (Great Expectations takes regex text)


def find_placeholders(text: str) -> list[str]:
    return [m.group(0) for m in PLACEHOLDER_RE.finditer(text or "")]


def has_malformed(text: str) -> bool:
    return MALFORMED_PLACEHOLDER_RE.search(text or "") is not None


def generic(text: str) -> str:
    """Placeholders without their numbers, lower-cased (``<PERSON_2>`` -> ``<person>``): two texts that differ
    only in which person they name compare equal."""
    return PLACEHOLDER_RE.sub(lambda m: f"<{m.group('label').lower()}>", text or "")


__all__ = ["ENTITY_TYPES", "TYPE_LABEL", "label", "format_placeholder", "labels", "placeholder_pattern",
           "malformed_pattern", "PLACEHOLDER_RE", "MALFORMED_PLACEHOLDER_RE", "MALFORMED_PLACEHOLDER",
           "find_placeholders", "has_malformed", "generic"]
