"""The canonical schemas: one place for every table's columns.

Versioned by ``SCHEMA_VERSION`` (documented in docs/schema.md). Every event and unit carries lineage back to its
source file, line and byte offset. Domain code builds rows with :func:`new_event` / :func:`new_quarantine` and
turns lists of rows into frames with :func:`events_frame` / :func:`units_frame`, so the column set and dtypes are
identical everywhere (parsers, tests, DuckDB tables).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Iterable

import polars as pl

SCHEMA_VERSION = "1.0"

KINDS = ("system", "user", "assistant", "tool_call", "tool_result", "error", "feedback")
UNIT_TYPES = ("qa", "thread", "trajectory")
THUMBS = ("up", "down", "neutral")
OUTCOMES = ("success", "failure", "unknown")

UTC_US = pl.Datetime("us", "UTC")

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "schema_version": pl.Utf8,
    "event_id": pl.Utf8,  # deterministic: hash(source_file, source_line, seq)
    "source_file": pl.Utf8,  # path relative to the log drop root
    "source_line": pl.Int64,  # 1-based line of the record start (record index for whole-document formats)
    "source_offset": pl.Int64,  # byte offset of the record start in the (decompressed) file
    "source_format": pl.Utf8,  # chatlog | api_records | otlp | langfuse | transcript | applog | oasst | toolbench
    "session_id": pl.Utf8,  # from the log (session/trace/conversation id); null -> stitched in segmentation
    "seq": pl.Int64,  # order of the event inside its source record
    "timestamp": UTC_US,  # UTC; null when the log has none
    "event_date": pl.Date,  # partition key (see ingest.pipeline for the fallback chain)
    "kind": pl.Utf8,  # one of KINDS
    "content": pl.Utf8,  # text (assistant/user/system/tool_result/error text; edited answer for feedback)
    "tool_name": pl.Utf8,
    "tool_call_id": pl.Utf8,
    "tool_arguments": pl.Utf8,  # JSON string (tool_call)
    "tools": pl.Utf8,  # JSON list of declared tool schemas (OpenAI function format), on the record's first event
    "parent_event_id": pl.Utf8,  # tool_result -> tool_call, feedback -> rated assistant event, retry -> original
    "model": pl.Utf8,
    "latency_ms": pl.Float64,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
    "status": pl.Utf8,  # ok | error | truncated | retried | cancelled ...
    "user_hash": pl.Utf8,  # HMAC-SHA256(user id) under FLYWHEEL_PII_KEY; the raw id is never stored
    "consent_training": pl.Boolean,  # null when the log says nothing
    "purposes": pl.List(pl.Utf8),  # consent purposes when the log carries them
    "feedback_thumbs": pl.Utf8,  # up | down | neutral (feedback events)
    "feedback_rating": pl.Float64,
    "outcome": pl.Utf8,  # success | failure (feedback events or final status)
    "reward": pl.Float64,
    "attributes": pl.Utf8,  # JSON object of anything else (provider, finish_reason, attempt, span ids, ...)
}

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "schema_version": pl.Utf8,
    "quarantine_id": pl.Utf8,
    "source_file": pl.Utf8,
    "source_line": pl.Int64,
    "source_offset": pl.Int64,
    "source_format": pl.Utf8,
    "reason": pl.Utf8,  # short machine code, e.g. invalid_json, invalid_utf8, missing_field:messages
    "detail": pl.Utf8,  # human-readable detail (truncated)
    "excerpt": pl.Utf8,  # first bytes of the record, escaped (raw zone only)
    "record_bytes": pl.Int64,
    "event_date": pl.Date,  # partition it was found in (file date fallback)
}

# A training unit: one session segment rendered as canonical messages (see docs/schema.md "Messages").
UNIT_SCHEMA: dict[str, pl.DataType] = {
    "schema_version": pl.Utf8,
    "unit_id": pl.Utf8,  # hash of the sorted event ids
    "session_id": pl.Utf8,
    "unit_type": pl.Utf8,  # qa | thread | trajectory
    "event_date": pl.Date,
    "started_at": UTC_US,
    "ended_at": UTC_US,
    "source_format": pl.Utf8,
    "source_files": pl.List(pl.Utf8),
    "event_ids": pl.List(pl.Utf8),  # lineage: every event the unit was built from
    "messages": pl.Utf8,  # JSON list of canonical messages
    "tools": pl.Utf8,  # JSON list of declared tool schemas ("[]" when none)
    "model": pl.Utf8,
    "user_hash": pl.Utf8,
    "consent_training": pl.Boolean,
    "n_user_turns": pl.Int64,
    "n_assistant_turns": pl.Int64,
    "n_tool_calls": pl.Int64,
    "n_errors": pl.Int64,
    "latency_ms": pl.Float64,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
    "feedback_thumbs": pl.Utf8,  # last thumbs in the unit
    "feedback_rating": pl.Float64,
    "edited_response": pl.Utf8,  # the user's corrected answer, when the log has one
    "outcome": pl.Utf8,  # success | failure | unknown
    "reward": pl.Float64,
    "attributes": pl.Utf8,  # JSON: tool graph, retries, per-message feedback, ...
}

MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "event_ids")


def stable_id(*parts: Any, length: int = 24) -> str:
    """Deterministic short id from parts (sha256 hex)."""
    h = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:length]


def to_json(value: Any) -> str:
    """Canonical JSON used for every JSON column: sorted keys, no ASCII escaping, compact."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def new_event(
    *,
    source_file: str,
    source_line: int,
    source_offset: int,
    source_format: str,
    seq: int,
    kind: str,
    session_id: str | None = None,
    timestamp: datetime | None = None,
    content: str | None = None,
    tool_name: str | None = None,
    tool_call_id: str | None = None,
    tool_arguments: Any = None,
    tools: Any = None,
    parent_event_id: str | None = None,
    model: str | None = None,
    latency_ms: float | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    status: str | None = "ok",
    user_hash: str | None = None,
    consent_training: bool | None = None,
    purposes: list[str] | None = None,
    feedback_thumbs: str | None = None,
    feedback_rating: float | None = None,
    outcome: str | None = None,
    reward: float | None = None,
    attributes: dict | None = None,
    event_date: date | None = None,
) -> dict:
    """Build one canonical event row (a dict with exactly EVENT_SCHEMA's keys).

    ``tool_arguments`` may be a JSON string (kept verbatim when it parses, else wrapped as {"_raw": ...}) or any
    JSON-able value; ``tools`` likewise. ``event_date`` is normally filled by the ingest driver.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": stable_id(source_file, source_line, seq),
        "source_file": source_file,
        "source_line": int(source_line),
        "source_offset": int(source_offset),
        "source_format": source_format,
        "session_id": None if session_id is None else str(session_id),
        "seq": int(seq),
        "timestamp": timestamp,
        "event_date": event_date,
        "kind": kind,
        "content": content,
        "tool_name": tool_name,
        "tool_call_id": None if tool_call_id is None else str(tool_call_id),
        "tool_arguments": json_text(tool_arguments),
        "tools": json_text(tools),
        "parent_event_id": parent_event_id,
        "model": model,
        "latency_ms": None if latency_ms is None else float(latency_ms),
        "prompt_tokens": None if prompt_tokens is None else int(prompt_tokens),
        "completion_tokens": None if completion_tokens is None else int(completion_tokens),
        "status": status,
        "user_hash": user_hash,
        "consent_training": consent_training,
        "purposes": purposes,
        "feedback_thumbs": feedback_thumbs,
        "feedback_rating": None if feedback_rating is None else float(feedback_rating),
        "outcome": outcome,
        "reward": None if reward is None else float(reward),
        "attributes": to_json(attributes) if attributes else None,
    }


def json_text(value: Any) -> str | None:
    """Normalise a JSON-ish value to a JSON string (None stays None).

    Strings that parse as JSON are re-serialised canonically; strings that do not are wrapped as {"_raw": s}
    so the column always holds valid JSON.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value.strip() == "":
            return "{}"
        try:
            return to_json(json.loads(value))
        except (ValueError, RecursionError):
            return to_json({"_raw": value})
    return to_json(value)


def new_quarantine(
    *,
    source_file: str,
    source_line: int,
    source_offset: int,
    source_format: str | None,
    reason: str,
    detail: str = "",
    raw: bytes | str | None = None,
    event_date: date | None = None,
) -> dict:
    if isinstance(raw, str):
        raw_b = raw.encode("utf-8", "surrogatepass")
    else:
        raw_b = raw or b""
    return {
        "schema_version": SCHEMA_VERSION,
        "quarantine_id": stable_id("q", source_file, source_line, source_offset),
        "source_file": source_file,
        "source_line": int(source_line),
        "source_offset": int(source_offset),
        "source_format": source_format,
        "reason": reason,
        "detail": (detail or "")[:500],
        "excerpt": raw_b[:200].decode("utf-8", "backslashreplace"),
        "record_bytes": len(raw_b),
        "event_date": event_date,
    }


def _frame(rows: Iterable[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    rows = list(rows)
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema, orient="row" if isinstance(rows[0], (list, tuple)) else None)


def events_frame(rows: Iterable[dict]) -> pl.DataFrame:
    return _frame(rows, EVENT_SCHEMA)


def quarantine_frame(rows: Iterable[dict]) -> pl.DataFrame:
    return _frame(rows, QUARANTINE_SCHEMA)


def units_frame(rows: Iterable[dict]) -> pl.DataFrame:
    return _frame(rows, UNIT_SCHEMA)


def message(
    role: str,
    content: str | None = None,
    *,
    name: str | None = None,
    tool_calls: list[dict] | None = None,
    tool_call_id: str | None = None,
    event_ids: list[str] | None = None,
) -> dict:
    """One canonical message. Every message has the same keys (TRL/Arrow need uniform structs).

    tool_calls: [{"id": str, "type": "function", "function": {"name": str, "arguments": <JSON string>}}]
    """
    return {
        "role": role,
        "content": content if content is not None else "",
        "name": name,
        "tool_calls": tool_calls,
        "tool_call_id": tool_call_id,
        "event_ids": event_ids or [],
    }


def tool_call(call_id: str, name: str, arguments: Any) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json_text(arguments) or "{}"}}


def tool_definition(name: Any, description: Any, parameters: Any) -> dict:
    """One declared tool in the OpenAI function format (``events.tools`` holds a list of these); the values as
    given, each parser normalises its own provider's shape first."""
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


def new_unit(
    messages: list[dict],
    *,
    session_id: str,
    unit_type: str | None = None,
    tools: list | None = None,
    event_date: date | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    source_format: str = "chatlog",
    source_files: list[str] | None = None,
    event_ids: list[str] | None = None,
    model: str | None = None,
    user_hash: str | None = None,
    consent_training: bool | None = None,
    n_errors: int = 0,
    latency_ms: float | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    feedback_thumbs: str | None = None,
    feedback_rating: float | None = None,
    edited_response: str | None = None,
    outcome: str = "unknown",
    reward: float | None = None,
    attributes: dict | None = None,
) -> dict:
    """Build one UNIT_SCHEMA row from canonical messages; counts and unit_type are derived from the messages.
    Used by segmentation and by tests that need realistic units."""
    n_user = sum(1 for m in messages if m["role"] == "user")
    n_asst = sum(1 for m in messages if m["role"] == "assistant")
    n_calls = sum(len(m.get("tool_calls") or []) for m in messages)
    if unit_type is None:
        unit_type = "trajectory" if n_calls or any(m["role"] == "tool" for m in messages) else (
            "thread" if n_user > 1 else "qa")
    ids = list(event_ids) if event_ids is not None else [i for m in messages for i in (m.get("event_ids") or [])]
    return {
        "schema_version": SCHEMA_VERSION,
        "unit_id": stable_id("unit", session_id, *sorted(ids)) if ids else stable_id("unit", session_id, to_json(messages)),
        "session_id": session_id,
        "unit_type": unit_type,
        "event_date": event_date,
        "started_at": started_at,
        "ended_at": ended_at,
        "source_format": source_format,
        "source_files": source_files or [],
        "event_ids": ids,
        "messages": to_json(messages),
        "tools": to_json(tools or []),
        "model": model,
        "user_hash": user_hash,
        "consent_training": consent_training,
        "n_user_turns": n_user,
        "n_assistant_turns": n_asst,
        "n_tool_calls": n_calls,
        "n_errors": int(n_errors),
        "latency_ms": latency_ms,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "feedback_thumbs": feedback_thumbs,
        "feedback_rating": feedback_rating,
        "edited_response": edited_response,
        "outcome": outcome or "unknown",
        "reward": reward,
        "attributes": to_json(attributes or {}),
    }
