"""Consistent keyed pseudonyms.

Identity of an entity = ``keys.keyed_hash(key, normalise(value), purpose="pii:<TYPE>")`` (HMAC-SHA256): stable
across partitions and runs for the same key, different under another key, and never stores the raw value.
Placeholders ``<PERSON_1>``, ``<EMAIL_ADDRESS_2>`` are numbered per session in order of first appearance; a later
single-name mention of a full name (``Tamara`` after ``Tamara Jones``) maps to the same person. Surrogate mode
replaces each identity with a realistic fake of the same format seeded from its HMAC (Faker; Luhn-valid cards,
valid-looking emails).
"""

from __future__ import annotations

import random
import re
import string

from ..keys import keyed_hash
from .date_shift import shift_date_text
from .detectors.rules import luhn_check_digit
from .placeholders import PLACEHOLDER_RE, label
from .text_view import plain

_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord|madam|herr|frau|rev)\.?\s+", re.I)


def normalise(value: str, entity_type: str) -> str:
    v = " ".join(plain(str(value)).split())
    if entity_type == "EMAIL_ADDRESS":
        v = v.casefold()
        v = re.sub(r"\s*(?:\[at\]|\(at\)|\{at\}|\bat\b)\s*", "@", v)
        v = re.sub(r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\bdot\b)\s*", ".", v)
        return v.replace(" ", "")
    if entity_type == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", v.split("x")[0].split("ext")[0])
        return digits[-10:] if len(digits) > 10 else digits  # +1 415... == 415...
    if entity_type in ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "MAC_ADDRESS", "US_DRIVER_LICENSE", "US_PASSPORT"):
        return re.sub(r"[^0-9A-Za-z]", "", v).upper()
    if entity_type == "PERSON":
        v = _TITLE.sub("", v).strip(" .,;:'\"")
        return v.casefold()
    return v.casefold().strip(" .,;:'\"")


class SessionPseudonymizer:
    """One per session. ``replace(value, type)`` returns the placeholder (or surrogate) for the entity."""

    def __init__(self, key: bytes, mode: str = "placeholder", date_shift_days: int = 0):
        """``date_shift_days`` (``date_shift.session_shift_days``): a DATE_TIME value that reads as a calendar day
        is replaced by that day shifted, not by a placeholder; 0 -> placeholders / surrogates."""
        if mode not in ("placeholder", "surrogate"):
            raise ValueError(f"unknown pseudonym mode {mode!r}")
        self.key = key
        self.mode = mode
        self.date_shift_days = date_shift_days
        self._num: dict[tuple[str, str], int] = {}  # (type, identity hmac) -> number
        self._count: dict[str, int] = {}
        self._person_part: dict[str, str] = {}  # hmac(name part) -> identity hmac of the full name
        self._surrogate: dict[tuple[str, str], str] = {}
        self.last_digest: str | None = None  # keyed digest of the value last replaced (see :func:`digest`)

    def identity(self, value: str, entity_type: str) -> str:
        norm = normalise(value, entity_type)
        ident = keyed_hash(self.key, norm, purpose=f"pii:{entity_type}")
        if entity_type == "PERSON":
            parts = norm.split()
            if len(parts) == 1:
                alias = self._person_part.get(keyed_hash(self.key, parts[0], purpose="pii:PERSON_PART"))
                if alias is not None:
                    return alias
            elif len(parts) > 1:
                for p in parts:
                    self._person_part.setdefault(keyed_hash(self.key, p, purpose="pii:PERSON_PART"), ident)
        return ident

    def replace(self, value: str, entity_type: str) -> str:
        self.last_digest = None
        if entity_type == "DATE_TIME" and self.date_shift_days:
            shifted = shift_date_text(value, self.date_shift_days)
            if shifted is not None:
                return shifted
        ident = self.identity(value, entity_type)
        self.last_digest = digest(ident)
        k = (entity_type, ident)
        if k not in self._num:
            self._count[entity_type] = self._count.get(entity_type, 0) + 1
            self._num[k] = self._count[entity_type]
        if self.mode == "placeholder":
            return f"<{label(entity_type)}_{self._num[k]}>"
        if k not in self._surrogate:
            self._surrogate[k] = surrogate(value, entity_type, ident)
        fake = self._surrogate[k]
        if entity_type == "PERSON" and len(normalise(value, "PERSON").split()) == 1 and " " in fake:
            return fake.split()[0]
        return fake

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(self._count.items()))


DIGEST_HEX = 16


def digest(ident: str) -> str:
    """Cross-session digest of a replaced value: its keyed identity (HMAC under the PII key, purpose per entity
    type) truncated to 64 bits. Equal across sessions for the same normalised value and key; it reveals no more than
    the identity behind the placeholders already does, and lives in the clean zone only (``pii_digests``), never
    in an export."""
    return ident[:DIGEST_HEX]


def _shape_like(value: str, rng: random.Random) -> str:
    out = []
    for c in value:
        if c.isdigit():
            out.append(rng.choice(string.digits))
        elif c.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif c.islower():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(c)
    return "".join(out)


def surrogate(value: str, entity_type: str, ident: str) -> str:
    """Realistic fake of the same format, seeded from the entity's HMAC (deterministic per key)."""
    from faker import Faker

    seed = int(ident[:15], 16)
    fk = Faker("en_US")
    fk.seed_instance(seed)
    rng = random.Random(seed)
    if entity_type == "PERSON":
        n = len(normalise(value, "PERSON").split())
        return fk.first_name() if n == 1 else fk.name()
    if entity_type == "EMAIL_ADDRESS":
        return f"{fk.user_name()}@example.{rng.choice(['com', 'org', 'net'])}"
    if entity_type == "CREDIT_CARD":
        n = sum(c.isdigit() for c in value)
        body = [4] + [rng.randrange(10) for _ in range(n - 2)]
        digits = body + [luhn_check_digit(body)]
        it = iter(digits)
        return "".join(str(next(it)) if c.isdigit() else c for c in value)
    if entity_type == "PHONE_NUMBER":
        return _shape_like(value, rng)
    if entity_type == "IP_ADDRESS":
        return fk.ipv6() if ":" in value else fk.ipv4_private()
    if entity_type == "STREET_ADDRESS":
        return fk.street_address()
    if entity_type == "LOCATION":
        return fk.city()
    if entity_type == "ORGANIZATION":
        return fk.company()
    if entity_type == "URL":
        return f"https://example.{rng.choice(['com', 'org'])}/{fk.uri_path()}"
    if entity_type == "DATE_TIME":
        return fk.date(pattern="%Y-%m-%d")
    return _shape_like(value, rng)


def consistency_violations(units) -> list[dict]:
    """Check placeholder numbering in redacted units (Polars frame or list of dicts with ``session_id``,
    ``unit_id``, ``messages``, ``edited_response``): within a session, per type, numbers first appear in order
    1, 2, 3... with no gaps. Returns one dict per violation (empty list = consistent)."""
    rows = units.to_dicts() if hasattr(units, "to_dicts") else list(units)
    rows = sorted(rows, key=lambda r: (str(r.get("session_id")), str(r.get("started_at")), str(r.get("unit_id"))))
    seen: dict[str, dict[str, int]] = {}
    out = []
    for r in rows:
        sid = str(r.get("session_id"))
        texts = [r.get("messages") or "", r.get("edited_response") or ""]
        state = seen.setdefault(sid, {})
        for t in texts:
            for m in PLACEHOLDER_RE.finditer(t):
                typ, n = m.group(1), int(m.group(2))
                top = state.get(typ, 0)
                if n > top + 1:
                    out.append({"session_id": sid, "unit_id": r.get("unit_id"), "placeholder": m.group(0),
                                "reason": f"first appearance of {typ}_{n} before {typ}_{top + 1}"})
                    state[typ] = n
                elif n == top + 1:
                    state[typ] = n
    return out


def placeholder_counts(text: str) -> dict[str, int]:
    c: dict[str, int] = {}
    for m in PLACEHOLDER_RE.finditer(text):
        c[m.group(1)] = c.get(m.group(1), 0) + 1
    return dict(sorted(c.items()))


__all__ = ["SessionPseudonymizer", "digest", "normalise", "surrogate", "consistency_violations", "placeholder_counts"]
