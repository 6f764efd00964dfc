"""Canaries: seed known synthetic PII values into a *copy* of a partition's units (prose and JSON), redact the copy,
and measure how many survive. The survival rate is reported with a Wilson 95% upper bound.

Canary values are synthetic (Faker, seeded) and never taken from real data; reports carry only their kind and a
short hash.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import string
from dataclasses import dataclass

import polars as pl

from ..schema import to_json
from .text_view import INVISIBLE, plain


@dataclass(frozen=True)
class Canary:
    kind: str  # name | email | card | api_key | phone | iban | ssn
    entity_type: str
    value: str
    where: str = "prose"  # prose | json
    hidden: bool = False  # planted with a zero-width space inside (pasted from a web page, or to dodge a filter)

    @property
    def tag(self) -> str:
        return hashlib.sha256(self.value.encode()).hexdigest()[:10]

    @property
    def planted(self) -> str:
        """The text planted: the value, with a zero-width space after its third character when ``hidden``."""
        return self.value[:3] + "\u200b" + self.value[3:] if self.hidden else self.value


def _luhn_card(rng: random.Random) -> str:
    from .detectors.rules import luhn_check_digit

    body = [4] + [rng.randrange(10) for _ in range(14)]
    digits = "".join(map(str, body + [luhn_check_digit(body)]))
    return " ".join(digits[i:i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    bban = "NWBK" + "".join(rng.choice(string.digits) for _ in range(14))
    num = int("".join(str(int(c, 36)) for c in bban + "GB00"))
    return f"GB{98 - num % 97:02d}{bban}"


def make_canaries(n: int = 20, seed: int = 0) -> list[Canary]:
    """n synthetic canaries cycling through kinds, alternately in prose and inside JSON; every fifth is planted with
    a zero-width space inside (``Canary.planted``)."""
    from faker import Faker

    fk = Faker("en_US")
    fk.seed_instance(seed)
    rng = random.Random(seed)
    kinds = ["name", "email", "card", "api_key", "phone", "iban", "ssn"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        where = "json" if (i // len(kinds)) % 2 else "prose"
        if kind == "name":
            v, et = f"{fk.first_name()} {fk.last_name()}", "PERSON"
        elif kind == "email":
            v, et = f"{fk.user_name()}{rng.randrange(100, 999)}@{fk.domain_name()}", "EMAIL_ADDRESS"
        elif kind == "card":
            v, et = _luhn_card(rng), "CREDIT_CARD"
        elif kind == "api_key":
            v, et = "sk-proj-" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40)), "SECRET"
        elif kind == "phone":
            v, et = f"+1 {rng.randrange(201, 989)}-{rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}", "PHONE_NUMBER"
        elif kind == "iban":
            v, et = _iban(rng), "IBAN_CODE"
        else:
            v, et = f"{rng.randrange(100, 665):03d}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}", "US_SSN"
        out.append(Canary(kind, et, v, where, hidden=i % 5 == 4))
    return out


_PROSE = {
    "name": "By the way, my name is {v} and I opened this ticket.",
    "email": "You can reach me at {v} if anything changes.",
    "card": "Please charge the card {v} for the upgrade.",
    "api_key": "My OPENAI_API_KEY={v} stopped working today.",
    "phone": "Call me back on {v} after 5pm.",
    "iban": "Refund to my account IBAN {v} please.",
    "ssn": "My SSN is {v} for the tax form.",
}
_JSON_KEY = {"name": "customer_name", "email": "email", "card": "card_number", "api_key": "api_key",
             "phone": "phone", "iban": "iban", "ssn": "ssn"}


def seed_canaries(units: pl.DataFrame, canaries: list[Canary]) -> pl.DataFrame:
    """A copy of ``units`` with each canary planted in one unit (chosen deterministically by unit_id)."""
    if units.height == 0 or not canaries:
        return units.clone()
    rows = units.to_dicts()
    order = sorted(range(len(rows)), key=lambda i: str(rows[i].get("unit_id")))
    for j, c in enumerate(canaries):
        r = rows[order[j % len(order)]]
        try:
            msgs = json.loads(r.get("messages") or "[]")
            if not isinstance(msgs, list):
                msgs = []
        except ValueError:
            msgs = []
        if c.where == "prose":
            msgs.append({"role": "user", "content": _PROSE[c.kind].format(v=c.planted), "name": None,
                         "tool_calls": None, "tool_call_id": None, "event_ids": []})
        else:
            payload = {"status": "ok", "record": {_JSON_KEY[c.kind]: c.planted,
                                                  "note": f"verified {_PROSE[c.kind].format(v=c.planted)}"}}
            msgs.append({"role": "tool", "content": json.dumps(payload), "name": "crm_lookup",
                         "tool_calls": None, "tool_call_id": f"canary-{j}", "event_ids": []})
        r["messages"] = to_json(msgs)
    return pl.DataFrame(rows, schema=units.schema)


def _variants(c: Canary) -> list[str]:
    v = c.value
    out = {v.casefold()}
    if c.kind in ("card", "phone", "ssn", "iban"):
        out.add(re.sub(r"[^0-9A-Za-z]", "", v).casefold())
    if c.kind == "name":
        out = {v.casefold()} | {p.casefold() for p in v.split() if len(p) >= 4}
    return sorted(out)


def _texts_of(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, pl.DataFrame):
        out = []
        for name, dt in obj.schema.items():
            if dt == pl.Utf8:
                out.extend(t for t in obj[name].to_list() if t)
            elif isinstance(dt, pl.List):
                out.extend(str(x) for x in obj[name].to_list() if x)
        return out
    if isinstance(obj, dict):
        return [json.dumps(obj, ensure_ascii=False)]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _texts_of(o)]
    return [str(obj)]


# a hidden character written as a JSON escape inside a serialised message (json.dumps escapes non-ASCII)
_JSON_INVISIBLE = re.compile(r"\\+u(?:" + "|".join(f"{ord(c):04x}" for c in INVISIBLE) + ")", re.IGNORECASE)


def canary_leaks(frames_or_texts, canaries: list[Canary]) -> list[dict]:
    """Canaries (by kind + hash tag, never the value) whose value, or a normalised variant, survives anywhere in
    the given frames / texts. Names count as leaked when the full name or any part of 4+ letters survives; hidden
    characters in the output do not hide a survivor (the text is read as ``text_view.plain``)."""
    texts = _texts_of(frames_or_texts)
    hay = plain(_JSON_INVISIBLE.sub("", "\n".join(texts))).casefold()
    hay_alnum = re.sub(r"[^0-9a-z]", "", hay)
    leaks = []
    for c in canaries:
        for v in _variants(c):
            found = (v in hay) if (c.kind == "name" or not v.isalnum()) else (v in hay_alnum or v in hay)
            if c.kind == "name" and " " not in v:
                found = re.search(r"(?<![a-z])" + re.escape(v) + r"(?![a-z])", hay) is not None
            if found:
                leaks.append({"kind": c.kind, "entity_type": c.entity_type, "where": c.where, "tag": c.tag})
                break
    return leaks


def wilson_upper(k: int, n: int, z: float = 1.959964) -> float:
    """Upper bound of the Wilson score interval for k successes out of n (95% by default)."""
    if n <= 0:
        return 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + half) / denom)


def canary_probe(units: pl.DataFrame, cfg, key: bytes, n: int | None = None, seed: int = 0, cascade=None) -> dict:
    """Seed canaries into a copy of ``units``, redact it, and report survivors with a Wilson 95% upper bound."""
    from .redact import redact_units

    canaries = make_canaries(n if n is not None else cfg.n_canaries, seed)
    if units.height == 0:
        return {"n_canaries": 0, "n_leaked": 0, "leak_rate": 0.0, "leak_rate_upper95": 1.0, "leaks": []}
    seeded = seed_canaries(units, canaries)
    red = redact_units(seeded, cfg, key, cascade=cascade)
    leaks = canary_leaks(red.units, canaries)
    return {"n_canaries": len(canaries), "n_leaked": len(leaks), "leak_rate": len(leaks) / len(canaries),
            "leak_rate_upper95": round(wilson_upper(len(leaks), len(canaries)), 6), "leaks": leaks}
