"""Segmentation: normalized events -> training units (qa | thread | trajectory), one per session.

A session's events are ordered by (record time, source file, source line, seq): the record time is the earliest
timestamp of the event's source record, so the order inside a record (a chat-log line, an API call, a trace) is
the parser's ``seq`` order and records follow each other in time. Units list every event id they were built from.
"""

from __future__ import annotations

import json
from collections import Counter

import polars as pl

from flywheel_assets.schema import new_unit, units_frame
from flywheel_assets.segment.messages import events_to_messages
from flywheel_assets.segment.sessions import stitch_sessions
from flywheel_assets.segment.tool_graph import build_tool_graph


def _session_outcome(summary, events: list[dict]) -> str:
    if summary.outcome in ("success", "failure"):
        return summary.outcome
    if summary.reward is not None:
        return "success" if summary.reward > 0 else "failure"
    last = next((e for e in reversed(events) if e["kind"] != "feedback"), None)
    if last is not None and (last["kind"] == "error" or last.get("status") in ("error", "truncated")):
        return "failure"
    return "unknown"


def _merge_tools(events: list[dict]) -> list:
    tools: list = []
    seen: set[str] = set()
    for e in events:
        if not e.get("tools"):
            continue
        try:
            parsed = json.loads(e["tools"])
        except ValueError:
            continue
        for t in parsed if isinstance(parsed, list) else [parsed]:
            key = json.dumps(t, sort_keys=True)
            if key not in seen:
                seen.add(key)
                tools.append(t)
    return tools


def _consent(values) -> bool | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return all(vals)  # any explicit refusal wins


def build_unit(session_id: str, events: list[dict]) -> dict:
    summary = events_to_messages(events)
    msgs = summary.messages
    attrs_list = [json.loads(e["attributes"]) for e in events if e.get("attributes")]
    intent = next((a.get("intent_id") for a in attrs_list if isinstance(a, dict) and a.get("intent_id")), None)
    comparison = next((a["comparison"] for a in attrs_list if isinstance(a, dict)
                       and isinstance(a.get("comparison"), dict)), None)
    graph = build_tool_graph(msgs)
    models = Counter(e["model"] for e in events if e.get("model") and e["kind"] in ("assistant", "tool_call"))
    timestamps = [e["timestamp"] for e in events if e["timestamp"] is not None]
    lat = [e["latency_ms"] for e in events if e.get("latency_ms") is not None]
    pt = [e["prompt_tokens"] for e in events if e.get("prompt_tokens") is not None]
    ct = [e["completion_tokens"] for e in events if e.get("completion_tokens") is not None]
    attributes = {
        "tool_graph": graph,
        "errors": summary.errors,
        "retries": summary.retries,
        "feedback": summary.feedback,
        "n_events": len(events),
    }
    purposes = sorted({p for e in events for p in (e.get("purposes") or [])})
    if purposes:
        attributes["purposes"] = purposes  # consent purposes, read by the privacy policy gate
    if comparison is not None:
        attributes["comparison"] = comparison  # an A/B pick: {id, choice, label, n} (feedback.comparison pairs it)
    if intent is not None:
        attributes["intent_id"] = intent  # ground truth from demo logs only; never used for matching
    return new_unit(
        msgs,
        session_id=session_id,
        tools=_merge_tools(events),
        event_date=min(e["event_date"] for e in events),
        started_at=min(timestamps) if timestamps else None,
        ended_at=max(timestamps) if timestamps else None,
        source_format=events[0]["source_format"],
        source_files=sorted({e["source_file"] for e in events}),
        event_ids=[e["event_id"] for e in events],
        model=models.most_common(1)[0][0] if models else next((e["model"] for e in events if e.get("model")), None),
        user_hash=next((e["user_hash"] for e in events if e.get("user_hash")), None),
        consent_training=_consent(e.get("consent_training") for e in events),
        n_errors=summary.n_errors,
        latency_ms=sum(lat) if lat else None,
        prompt_tokens=sum(pt) if pt else None,
        completion_tokens=sum(ct) if ct else None,
        feedback_thumbs=summary.thumbs,
        feedback_rating=summary.rating,
        edited_response=summary.edited_response,
        outcome=_session_outcome(summary, events),
        reward=summary.reward,
        attributes=attributes,
    )


def order_session_events(events: pl.DataFrame) -> pl.DataFrame:
    """Sort by session, then record time (earliest timestamp in the event's source record), file, line, seq."""
    return (
        events.with_columns(
            pl.col("timestamp").min().over(["source_file", "source_line"]).alias("_record_ts"),
        )
        .sort(["session_id", "_record_ts", "source_file", "source_line", "seq"], nulls_last=False)
        .drop("_record_ts")
    )


def segment_events(events: pl.DataFrame, gap_minutes: float = 30.0) -> pl.DataFrame:
    """EVENT_SCHEMA frame -> UNIT_SCHEMA frame, one unit per session, sorted by unit_id (deterministic)."""
    if events.is_empty():
        return units_frame([])
    events = order_session_events(stitch_sessions(events, gap_minutes))
    # The frame is sorted by session_id, so each session is one consecutive run of rows: convert to dicts once
    # and cut at session changes (per-group frame slicing + to_dicts cost ~0.3 ms a session).
    rows = []
    part: list[dict] = []
    for e in events.iter_rows(named=True):
        if part and e["session_id"] != part[0]["session_id"]:
            rows.append(build_unit(part[0]["session_id"], part))
            part = []
        part.append(e)
    if part:
        rows.append(build_unit(part[0]["session_id"], part))
    return units_frame(rows).sort("unit_id")
