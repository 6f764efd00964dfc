"""redact_units: the privacy stage's contract with the Dagster layer.

Every text field of a unit is redacted: message ``content`` (tool results that hold JSON are walked as JSON),
``tool_calls[].function.arguments`` (JSON string: keys kept, values redacted, still valid JSON), ``edited_response``
and ``tools``. Values under sensitive JSON keys (``email``, ``phone``, ``password``, ``user_id`` ...) are
replaced whole; ``name`` too inside a person object (``ship_to``, ``customer``, or an object with email/phone/address
fields). Redacted JSON tool results keep the serialisation style they were logged in (:func:`dumps_like`). Units of
one session share one pseudonymizer, so the same entity gets the same placeholder in
every turn, tool argument and tool result; detected values are propagated to their other mentions in the session.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from ..jsontext import json_container
from ..schema import to_json
from .cascade import PLACEHOLDER_RE, Cascade, known_values, propagate, resolve_overlaps, scan_text  # noqa: F401
from .config import PrivacyConfig
from .detectors.base import Span
from .date_shift import session_shift_days
from .pseudonymize import SessionPseudonymizer, consistency_violations

# key tokens (split on _ - . and camelCase) -> entity type of the whole value
_KEY_TYPES = [
    ({"email", "e-mail", "mail", "emailaddress"}, "EMAIL_ADDRESS"),
    ({"phone", "mobile", "telephone", "tel", "cell", "fax", "msisdn", "phonenumber"}, "PHONE_NUMBER"),
    ({"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "authorization", "credential",
      "credentials", "cookie", "otp", "pin"}, "SECRET"),
    ({"ssn", "sin", "nino"}, "US_SSN"),
    ({"iban"}, "IBAN_CODE"),
    ({"card", "cc", "pan", "creditcard", "cardnumber"}, "CREDIT_CARD"),
    ({"address", "street", "addr", "zip", "zipcode", "postcode", "postal"}, "STREET_ADDRESS"),
    ({"dob", "birthday", "birthdate", "birth"}, "DATE_TIME"),
    ({"ip", "ipaddress", "ipv4", "ipv6"}, "IP_ADDRESS"),
    ({"city", "town", "hometown", "birthplace"}, "LOCATION"),
    ({"firstname", "lastname", "fullname", "surname", "username", "customername", "givenname", "familyname",
      "displayname", "contactname", "recipient", "sender", "author", "owner", "assignee"}, "PERSON"),
    ({"userid", "customerid", "accountid", "memberid", "patientid", "employeeid", "clientid", "uid", "sub"},
     "USER_ID"),
]
_NOT_SENSITIVE = {"count", "counts", "limit", "max", "min", "type", "types", "usage", "length", "len", "size",
                  "total", "num", "number_of", "budget", "format", "kind", "schema", "required", "description",
                  "enabled", "expires", "expiry", "ttl", "status", "template"}


@lru_cache(maxsize=65_536)
def _key_tokens(key: str) -> tuple[str, ...]:
    """Tokens of a JSON key (cached: a drop repeats a few hundred keys in every tool call / result; this, run per
    string value, was ~a third of the privacy stage's JSON walk)."""
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(key))
    toks = [re.sub(r"(?<=[a-z])\d+$", "", t) for t in re.split(r"[_\-.\s]+", key.lower()) if t]
    return tuple(t for t in toks if t)  # address1 -> address, line2 -> line


# an object under one of these keys (or holding email/phone/address fields) describes a person: its "name" is PII
_PERSON_OBJECT_TOKENS = {"customer", "client", "contact", "recipient", "sender", "user", "owner", "patient", "employee",
                         "member", "holder", "cardholder", "guest", "passenger", "buyer", "requester", "reporter",
                         "assignee", "author", "person", "profile", "shipto", "billto", "ship", "bill", "billing",
                         "shipping", "delivery", "beneficiary", "payee", "payer", "caller", "applicant", "tenant",
                         "student", "driver", "traveler", "traveller", "consignee", "addressee", "emergency"}
_PERSONAL_FIELD_TYPES = {"EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "US_SSN", "IBAN_CODE", "CREDIT_CARD"}
_NAME_KEYS = {"name", "nm", "fullname", "displayname", "contact", "attention", "attn", "careof"}


def person_object(parent_key: str | None, obj: dict) -> bool:
    """True when a JSON object describes a person: its key says so (``ship_to``, ``customer``, ``billing``) or it
    carries personal fields (email / phone / address / SSN ...)."""
    if parent_key:
        toks = _key_tokens(parent_key)
        if "".join(toks) in _PERSON_OBJECT_TOKENS or any(t in _PERSON_OBJECT_TOKENS for t in toks):
            return True
    return any(key_entity_type(k) in _PERSONAL_FIELD_TYPES for k in obj if isinstance(k, str))


@lru_cache(maxsize=65_536)
def key_entity_type(key: str | None) -> str | None:
    """Entity type implied by a JSON key (``customer_email`` -> EMAIL_ADDRESS), or None (cached, like the tokens)."""
    if not key:
        return None
    toks = _key_tokens(key)
    if not toks or any(t in _NOT_SENSITIVE for t in toks):
        return None
    joined = "".join(toks)
    for words, et in _KEY_TYPES:
        if joined in words or any(t in words for t in toks):
            if et == "CREDIT_CARD" and not ({"number", "no", "num"} & set(toks) or joined in words):
                continue
            if et == "PERSON" and joined not in words and not {"first", "last", "full"} & set(toks):
                continue
            return et
    if len(toks) >= 2 and toks[-1] in ("id", "no", "number") and toks[-2] in (
            "user", "customer", "account", "member", "patient", "employee", "client", "passport", "license",
            "licence"):
        return "USER_ID"
    return None


# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class _Seg:
    row: int
    field: str  # audit source field: content:<role> | tool_result | tool_arguments | edited_response | tools
    text: str
    forced: str | None = None  # entity type from a sensitive JSON key: the whole value is PII
    spans: list[Span] = field(default_factory=list)
    out: str | None = None
    out_pos: list = field(default_factory=list)


@dataclass
class RedactionResult:
    units: pl.DataFrame
    audit: pl.DataFrame
    review_sample: pl.DataFrame
    summary: dict
    # every replaced span in redaction order (sessions sorted by id): entity_type, field, unit_id, detector, score;
    # read through review_key / review_row (privacy/reuse.py keeps each session's share for the next run)
    entities: list = field(default_factory=list)


class _Holder:
    """A mutable slot in a parsed JSON tree whose string value is replaced after redaction."""

    __slots__ = ("container", "key", "seg", "numeric")

    def __init__(self, container, key, seg, numeric=False):
        self.container, self.key, self.seg, self.numeric = container, key, seg, numeric


def _forced_type(key, personal: bool) -> str | None:
    et = key_entity_type(key)
    if et is None and personal and isinstance(key, str) and "".join(_key_tokens(key)) in _NAME_KEYS:
        return "PERSON"
    return et


def _walk_json(obj: Any, row: int, fld: str, segs: list, holders: list, parent_key: str | None = None) -> None:
    if isinstance(obj, dict):
        personal = person_object(parent_key, obj)
        for k in list(obj.keys()):
            v = obj[k]
            if k == "required" and isinstance(v, list) and isinstance(obj.get("properties"), dict) and \
                    all(isinstance(x, str) for x in v):
                continue  # a JSON schema's required list holds key names, and keys are never redacted
            if isinstance(v, str):
                seg = _Seg(row, fld, v, forced=_forced_type(k, personal))
                segs.append(seg)
                holders.append(_Holder(obj, k, seg))
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and key_entity_type(k) in (
                    "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "USER_ID", "SECRET", "STREET_ADDRESS"):
                seg = _Seg(row, fld, str(v), forced=key_entity_type(k))
                segs.append(seg)
                holders.append(_Holder(obj, k, seg, numeric=True))
            else:
                _walk_json(v, row, fld, segs, holders, k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, str):
                seg = _Seg(row, fld, v, forced=key_entity_type(parent_key))
                segs.append(seg)
                holders.append(_Holder(obj, i, seg))
            else:
                _walk_json(v, row, fld, segs, holders, parent_key)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_style(text: str) -> dict:
    """``json.dumps`` keyword arguments that reproduce how ``text`` (a JSON document) was serialised: compact
    (``{"a":1}``), spaced (``{"a": 1}``) or indented, and whether non-ASCII was escaped."""
    skeleton = _JSON_STRING.sub('""', text.strip())
    ensure_ascii = "\\u" in text and not any(ord(c) > 127 for c in text)
    if "\n" in skeleton:
        m = re.search(r"\n([ \t]+)\S", skeleton)
        indent = (m.group(1) if m.group(1).strip(" ") else len(m.group(1))) if m else 0
        return {"indent": indent, "separators": (",", ": " if re.search(r":\s", skeleton) else ":"),
                "ensure_ascii": ensure_ascii}
    item = ", " if re.search(r",\s", skeleton) else ","
    key = ": " if re.search(r":\s", skeleton) else ":"
    return {"separators": (item, key), "ensure_ascii": ensure_ascii}


def dumps_like(value: Any, original: str) -> str:
    """Serialise ``value`` in the style of ``original`` (separators, indent, ASCII escaping, outer whitespace);
    key order is the parsed order, so a redacted tool result looks like what was logged."""
    body = json.dumps(value, **json_style(original))
    lead = original[:len(original) - len(original.lstrip())]
    trail = original[len(original.rstrip()):]
    return lead + body + trail


class _UnitDoc:
    """A unit's text fields, parsed into segments + a rebuild function."""

    def __init__(self, row: int, rec: dict):
        self.row = row
        self.segs: list[_Seg] = []
        self.holders: list[_Holder] = []
        self.rebuilds: list = []
        self.invalid_messages = False
        self.rec = rec
        msgs = None
        if rec.get("messages") is not None:
            try:
                msgs = json.loads(rec["messages"])
            except (ValueError, RecursionError):
                msgs = None
            if not isinstance(msgs, list):
                self.invalid_messages = True
                seg = _Seg(row, "messages_unparsed", str(rec["messages"]))
                self.segs.append(seg)
                self.messages_seg = seg
                msgs = None
        self.msgs = msgs
        if msgs is not None:
            for m in msgs:
                if not isinstance(m, dict):
                    continue
                role = str(m.get("role") or "unknown")
                content = m.get("content")
                if isinstance(content, str) and content:
                    parsed = json_container(content)
                    fld = "tool_result" if role == "tool" else f"content:{role}"
                    if parsed is not None and isinstance(parsed, (dict, list)):
                        box = {"v": parsed}
                        h0 = len(self.holders)
                        self._json_field(box, fld)
                        self.rebuilds.append(("content_json", m, (box, content, h0, len(self.holders))))
                    else:
                        seg = _Seg(row, fld, content)
                        self.segs.append(seg)
                        self.rebuilds.append(("content", m, seg))
                elif isinstance(content, list):  # multimodal parts: walk as JSON
                    box = {"v": content}
                    self._json_field(box, f"content:{role}")
                    self.rebuilds.append(("content_list", m, box))
                for tc in m.get("tool_calls") or []:
                    fn = tc.get("function") if isinstance(tc, dict) else None
                    if not isinstance(fn, dict):
                        continue
                    args = fn.get("arguments")
                    if isinstance(args, str) and args:
                        try:
                            parsed = json.loads(args)
                        except (ValueError, RecursionError):
                            parsed = None
                        if isinstance(parsed, (dict, list)):
                            box = {"v": parsed}
                            self._json_field(box, "tool_arguments")
                            self.rebuilds.append(("args_json", fn, box))
                        else:
                            seg = _Seg(row, "tool_arguments", args)
                            self.segs.append(seg)
                            self.rebuilds.append(("args_text", fn, seg))
        if rec.get("edited_response"):
            self.edited = _Seg(row, "edited_response", rec["edited_response"])
            self.segs.append(self.edited)
        else:
            self.edited = None
        self.tools_box = None
        if rec.get("tools"):
            try:
                tools = json.loads(rec["tools"])
            except (ValueError, RecursionError):
                tools = None
            if isinstance(tools, (list, dict)):
                self.tools_box = {"v": tools}
                self._json_field(self.tools_box, "tools")
            else:
                self.tools_seg = _Seg(row, "tools", rec["tools"])
                self.segs.append(self.tools_seg)

    def _json_field(self, box: dict, fld: str) -> None:
        _walk_json(box, self.row, fld, self.segs, self.holders)

    def rebuild(self) -> dict:
        for h in self.holders:
            h.container[h.key] = h.seg.out if h.seg.out is not None else h.seg.text
            if h.numeric and h.seg.out == h.seg.text:
                h.container[h.key] = json.loads(h.seg.text)
        for kind, obj, x in self.rebuilds:
            if kind == "content":
                obj["content"] = x.out
            elif kind == "content_json":
                box, original, h0, h1 = x
                if all(h.seg.out is None or h.seg.out == h.seg.text for h in self.holders[h0:h1]):
                    obj["content"] = original  # nothing redacted: byte-identical
                else:
                    obj["content"] = dumps_like(box["v"], original)
            elif kind == "content_list":
                obj["content"] = x["v"]
            elif kind == "args_json":
                obj["arguments"] = to_json(x["v"])
            elif kind == "args_text":
                obj["arguments"] = to_json({"_raw": x.out})
        out = dict(self.rec)
        if self.msgs is not None:
            out["messages"] = to_json(self.msgs)
        elif self.invalid_messages:
            out["messages"] = to_json([{"role": "unknown", "content": self.messages_seg.out, "name": None,
                                        "tool_calls": None, "tool_call_id": None, "event_ids": [],
                                        "_invalid_messages_json": True}])
        if self.edited is not None:
            out["edited_response"] = self.edited.out
        if self.tools_box is not None:
            out["tools"] = to_json(self.tools_box["v"])
        elif rec_tools_seg := getattr(self, "tools_seg", None):
            out["tools"] = to_json({"_raw": rec_tools_seg.out})
        return out


def apply_replacements(text: str, spans: list[Span], pseudo: SessionPseudonymizer, positions: list | None = None,
                       digests: set | None = None) -> str:
    """Replace ``spans`` of ``text``; ``digests`` (when given) collects the keyed digests of the replaced values."""
    parts, pos, n = [], 0, 0
    for s in spans:
        parts.append(text[pos:s.start])
        n += s.start - pos
        rep = pseudo.replace(text[s.start:s.end], s.entity_type)
        if digests is not None and pseudo.last_digest:
            digests.add(pseudo.last_digest)
        if positions is not None:
            positions.append((n, n + len(rep)))
        parts.append(rep)
        n += len(rep)
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def context_snippet(text: str, start: int, end: int, width: int = 60) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a > 0 else "") + text[a:b].replace("\n", " ") + ("…" if b < len(text) else "")


def redact_units(units: pl.DataFrame, cfg: PrivacyConfig | None = None, key: bytes = b"",
                 cascade: Cascade | None = None, *, residual: bool = False) -> RedactionResult:
    """Redact every text field of UNIT_SCHEMA rows. Returns RedactionResult(units + n_pii/pii_types/pii_digests, audit,
    review_sample, summary). ``residual=True`` also runs :func:`residual_scan` and puts it in the summary."""
    cfg = cfg or PrivacyConfig()
    if not key:
        raise ValueError("redact_units needs the PII key (keys.load_key())")
    cascade = cascade or Cascade(cfg)
    recs = units.to_dicts()
    docs = [_UnitDoc(i, r) for i, r in enumerate(recs)]
    segs = [s for d in docs for s in d.segs]
    stats0 = dict(cascade.stats)
    found = cascade.scan_many([s.text for s in segs])
    ner_stats = {k: v - stats0.get(k, 0) for k, v in sorted(cascade.stats.items())}
    for s, spans in zip(segs, found):
        if s.forced and s.text.strip() and not PLACEHOLDER_RE.fullmatch(s.text.strip()):
            lead = len(s.text) - len(s.text.lstrip())
            s.spans = [Span(lead, len(s.text.rstrip()), s.forced, 0.9, "json_key")]
        else:
            s.spans = spans
    # process sessions in a deterministic order; one pseudonymizer per session
    order = sorted(range(len(recs)), key=lambda i: (str(recs[i].get("session_id")), recs[i].get("started_at") is None,
                                                     str(recs[i].get("started_at")), i))
    sessions: dict[str, list[int]] = {}
    for i in order:
        sessions.setdefault(str(recs[i].get("session_id")), []).append(i)
    audit_counts: dict[tuple, int] = {}
    review: list[dict] = []
    by_source: dict[str, int] = {}
    n_pii = [0] * len(recs)
    types_per_unit: list[dict[str, int]] = [{} for _ in recs]
    digests: list[set[str]] = [set() for _ in recs]
    for sid in sorted(sessions):
        rows = sessions[sid]
        ssegs = [s for i in rows for s in docs[i].segs]
        if cfg.propagate:
            known: dict[str, str] = {}
            for s in ssegs:
                for v, et in known_values(s.text, s.spans).items():
                    known.setdefault(v, et)
            if known:
                for s in ssegs:
                    if not s.forced:
                        s.spans = cascade.allow.filter(s.text, propagate(s.text, s.spans, known))
        pseudo = SessionPseudonymizer(key, cfg.mode, session_shift_days(key, sid) if cfg.date_shift else 0)
        for s in ssegs:
            s.spans = resolve_overlaps(s.spans)
            s.out_pos = []
            s.out = apply_replacements(s.text, s.spans, pseudo, s.out_pos, digests[s.row]) if s.spans else s.text
            rec = recs[s.row]
            for j, sp in enumerate(s.spans):
                n_pii[s.row] += 1
                t = types_per_unit[s.row]
                t[sp.entity_type] = t.get(sp.entity_type, 0) + 1
                k = ("" if rec.get("event_date") is None else str(rec.get("event_date")), sp.entity_type, s.field)
                audit_counts[k] = audit_counts.get(k, 0) + 1
                by_source[sp.source] = by_source.get(sp.source, 0) + 1
                review.append({"entity_type": sp.entity_type, "field": s.field, "unit_id": rec.get("unit_id"),
                               "detector": sp.source, "score": float(sp.score), "_seg": s, "_j": j})
    out_rows = []
    for d in docs:
        r = d.rebuild()
        r["n_pii"] = n_pii[d.row]
        r["pii_types"] = to_json(dict(sorted(types_per_unit[d.row].items())))
        # clean zone only (never exported): keyed cross-session digests of the replaced values, for intent matching
        r["pii_digests"] = to_json(sorted(digests[d.row]))
        out_rows.append(r)
    schema = dict(units.schema)
    schema["n_pii"] = pl.Int64
    schema["pii_types"] = pl.Utf8
    schema["pii_digests"] = pl.Utf8
    out = pl.DataFrame(out_rows, schema=schema) if out_rows else pl.DataFrame(schema=schema)
    audit = pl.DataFrame(
        [{"event_date": k[0], "entity_type": k[1], "field": k[2], "count": v} for k, v in sorted(audit_counts.items())],
        schema={"event_date": pl.Utf8, "entity_type": pl.Utf8, "field": pl.Utf8, "count": pl.Int64})
    review_df = _review_sample(review, cfg.review_per_type)
    by_type: dict[str, int] = {}
    for (_, et, _), v in audit_counts.items():
        by_type[et] = by_type.get(et, 0) + v
    summary = {
        "n_units": len(recs), "n_sessions": len(sessions), "n_segments": len(segs),
        "n_entities": int(sum(n_pii)), "units_with_pii": int(sum(1 for n in n_pii if n)),
        "by_type": dict(sorted(by_type.items())), "by_detector": dict(sorted(by_source.items())),
        "invalid_messages_json": int(sum(d.invalid_messages for d in docs)), "mode": cfg.mode,
        "chars_scanned": int(sum(len(s.text) for s in segs)),
        "ner_chars_skipped": int(ner_stats.get("ner_chars_skipped", 0)),
        "ner_texts_truncated": int(ner_stats.get("ner_texts_truncated", 0)),
    }
    viol = consistency_violations(out)
    summary["consistency_violations"] = len(viol)
    summary["consistency_violations_list"] = viol[:20]
    if residual:
        summary["residual"] = residual_scan(out, cfg)
    return RedactionResult(out, audit, review_df, summary, review)


REVIEW_SCHEMA = {"entity_type": pl.Utf8, "field": pl.Utf8, "unit_id": pl.Utf8, "detector": pl.Utf8,
                 "score": pl.Float64, "placeholder_context": pl.Utf8}


def _review_sample(review: list[dict], per_type: int) -> pl.DataFrame:
    schema = REVIEW_SCHEMA
    by_type: dict[str, list[dict]] = {}
    for r in review:
        by_type.setdefault(r["entity_type"], []).append(r)
    rows = []
    for et in sorted(by_type):
        cands = sorted(by_type[et], key=review_key)
        rows.extend(review_row(r) for r in cands[:per_type])
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def review_key(r: dict) -> str:
    """Sort key of one redacted entity (a ``RedactionResult.entities`` item) for the review sample."""
    return hashlib.sha1(f"{r['unit_id']}|{r['field']}|{r['_j']}|{r['_seg'].out[:50]}".encode()).hexdigest()


def review_row(r: dict) -> dict:
    """One review-sample row of a redacted entity: the placeholder in its redacted context."""
    seg = r["_seg"]
    start, end = seg.out_pos[r["_j"]]
    return {"entity_type": r["entity_type"], "field": r["field"], "unit_id": r["unit_id"], "detector": r["detector"],
            "score": r["score"], "placeholder_context": context_snippet(seg.out, start, end)}


# ---------------------------------------------------------------------------------------------------------------------
def redact_text(text: str, state: SessionPseudonymizer | None = None, cfg: PrivacyConfig | None = None,
                key: bytes | None = None) -> str:
    """Redact one text (reports, export validation). Pass a SessionPseudonymizer to keep numbering across calls."""
    from .cascade import default_cascade

    if state is None:
        from ..keys import load_key

        state = SessionPseudonymizer(key or load_key(demo=True), (cfg or PrivacyConfig()).mode)
    spans = default_cascade(cfg).scan(text or "")
    return apply_replacements(text or "", spans, state) if spans else (text or "")


def unit_texts(units: pl.DataFrame) -> list[str]:
    """All text segments of units (content, JSON string values, edited responses, tools) in a stable order."""
    texts = []
    for i, r in enumerate(units.to_dicts()):
        texts.extend(s.text for s in _UnitDoc(i, r).segs)
    return texts
