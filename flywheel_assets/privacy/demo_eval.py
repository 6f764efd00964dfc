"""Recall on planted PII (an independent, non-benchmark eval): did every value a log generator planted disappear
from the redacted units, and how many known non-PII strings did we destroy (false positives)?

``planted_recall(redacted_units, sessions, non_pii=...)`` takes the redacted UNIT_SCHEMA frame and a list of
``{"session_id", "pii": [{"type", "value", "locations"}]}`` dicts (the demo manifest's sessions,
``flywheel_assets.demo.DemoManifest.sessions()``) and returns counts per planted type and per location plus the
survivors (reported as type + location + a short hash, never the raw value). A value "survives" when it still
occurs on word boundaries in any text field of that session's redacted units (messages decoded from JSON, tool
arguments, tool results, edited response, tools).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable

import polars as pl

from ..jsontext import json_leaves

# planted manifest types that are direct identifiers or secrets (floor 100%) vs quasi-identifiers (names, addresses)
DIRECT_PLANTED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "API_KEY",
                  "AWS_ACCESS_KEY", "JWT", "URL_WITH_TOKEN", "URL_WITH_PASSWORD", "PASSWORD", "CUSTOMER_ID",
                  "CANARY")
QUASI_PLANTED = ("PERSON", "PERSON_FIRST_NAME", "STREET_ADDRESS", "ZIP_CODE")

# strings that are not personal data in a support / ops assistant's logs: product and company names, currencies,
# card brands, order ids / SKUs, sizes, durations. Destroying them costs training signal.
DEFAULT_NON_PII = ("Acme", "Acme support", "Acme Plus", "EUR", "USD", "Visa", "Mastercard", "American Express",
                   "PayPal", "XS", "Desk Lamp", "business days", "Monday", "Friday", "UPS", "FedEx", "USPS", "DHL",
                   r"re:\bA-\d{6}\b", r"re:\bSKU-\d{4}\b", r"re:\bRF-\d{6}\b")


def _texts(value) -> Iterable[str]:
    return (v for v in json_leaves(value) if isinstance(v, str))


def unit_plain_texts(row: dict) -> list[str]:
    """Every string in a unit's text fields, JSON-decoded (so escapes do not hide a value)."""
    out: list[str] = []
    for col in ("messages", "tools"):
        raw = row.get(col)
        if not raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            out.append(raw)
            continue
        for t in _texts(obj):
            out.append(t)
            s = t.strip()
            if s[:1] in "[{":  # tool arguments / results: JSON inside a string
                try:
                    out.extend(_texts(json.loads(s)))
                except ValueError:
                    pass
    if row.get("edited_response"):
        out.append(row["edited_response"])
    return out


def _present(value: str, text: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(value) + r"(?![\w])", text) is not None


def _tag(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:8]


def planted_recall(redacted: pl.DataFrame, sessions: list[dict], non_pii: Iterable[str] = DEFAULT_NON_PII) -> dict:
    """Score redaction against planted values. Returns ``{"by_type": {type: {n, removed, recall}}, "by_location":
    {loc: {...}}, "direct_recall", "quasi_recall", "survivors": [{session_id, type, locations, tag}],
    "false_positives": {term: {"raw": occurrences in the raw-side expectation, "kept": occurrences kept}}}``.
    ``non_pii`` terms are counted in the redacted output only (``kept``); compare with the same count on the raw
    units to get the share destroyed (see :func:`non_pii_kept`)."""
    by_session: dict[str, list[str]] = {}
    for r in redacted.select([c for c in ("session_id", "messages", "tools", "edited_response")
                              if c in redacted.columns]).to_dicts():
        by_session.setdefault(str(r.get("session_id")), []).extend(unit_plain_texts(r))
    joined = {sid: "\n".join(ts) for sid, ts in by_session.items()}
    by_type: dict[str, dict] = {}
    by_loc: dict[str, dict] = {}
    survivors = []
    for s in sorted(sessions, key=lambda x: str(x["session_id"])):
        text = joined.get(str(s["session_id"]))
        if text is None:
            continue  # session not ingested (malformed record): nothing to leak
        items = list(s.get("pii") or []) + [{"type": "CANARY", "value": c if isinstance(c, str) else c.get("value"),
                                             "locations": ["canary"]} for c in (s.get("canaries") or [])]
        for p in items:
            v = p.get("value")
            if not v:
                continue
            gone = not _present(v, text)
            for bucket, k in [(by_type, p["type"])] + [(by_loc, loc) for loc in p.get("locations") or []]:
                b = bucket.setdefault(k, {"n": 0, "removed": 0})
                b["n"] += 1
                b["removed"] += int(gone)
            if not gone:
                survivors.append({"session_id": s["session_id"], "type": p["type"],
                                  "locations": list(p.get("locations") or []), "tag": _tag(v)})
    for bucket in (by_type, by_loc):
        for b in bucket.values():
            b["recall"] = round(b["removed"] / b["n"], 4) if b["n"] else 1.0

    def _agg(types):
        n = sum(by_type[t]["n"] for t in types if t in by_type)
        r = sum(by_type[t]["removed"] for t in types if t in by_type)
        return round(r / n, 4) if n else 1.0

    all_text = "\n".join(joined[k] for k in sorted(joined))
    return {"by_type": dict(sorted(by_type.items())), "by_location": dict(sorted(by_loc.items())),
            "direct_recall": _agg(DIRECT_PLANTED), "quasi_recall": _agg(QUASI_PLANTED),
            "n_planted": sum(b["n"] for b in by_type.values()), "survivors": survivors,
            "non_pii_kept": {t: count_term(all_text, t) for t in non_pii}}


def count_term(text: str, term: str) -> int:
    """Occurrences of ``term`` on word boundaries; a term written ``re:PATTERN`` is a regular expression
    (``re:\\bA-\\d{6}\\b`` counts order ids)."""
    if term.startswith("re:"):
        return len(re.findall(term[3:], text))
    return len(re.findall(r"(?<![\w])" + re.escape(term) + r"(?![\w])", text))


def non_pii_kept(raw: pl.DataFrame, redacted: pl.DataFrame, terms: Iterable[str] = DEFAULT_NON_PII) -> dict:
    """Per known non-PII term: occurrences in the raw units vs in the redacted units (kept share)."""
    def _all(frame):
        return "\n".join(t for r in frame.to_dicts() for t in unit_plain_texts(r))

    a, b = _all(raw), _all(redacted)
    out = {}
    for t in terms:
        n_raw, n_red = count_term(a, t), count_term(b, t)
        out[t] = {"raw": n_raw, "kept": n_red, "kept_share": round(n_red / n_raw, 4) if n_raw else None}
    return out
