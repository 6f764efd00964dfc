"""Langfuse trace export (``{"trace": {...}, "observations": [...]}``) -> canonical events (see spans.py)."""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.ingest.spans_merge import Obs, conversation_events, merge_observations
from flywheel_assets.ingest.spans_messages import maybe_json, merge_tools, plain_message, to_messages, to_tools
from flywheel_assets.schema import new_event
from flywheel_assets.timeutil import parse_timestamp

GENERATION_OPS = ("chat", "text_completion", "generate_content")
_EMPTY = ("", "None", "null", "undefined", "{}", "[]")  # outputs that carry nothing


def _attrs(o: dict) -> dict:
    meta = maybe_json(o.get("metadata"))
    if isinstance(meta, dict) and isinstance(meta.get("attributes"), dict):
        return meta["attributes"]
    return {}


def _int(v: Any) -> int | None:
    try:
        return None if v is None or isinstance(v, bool) else int(v)
    except (TypeError, ValueError):
        return None


def _kind(o: dict, attrs: dict) -> str:
    t = str(o.get("type") or "").upper()
    op = attrs.get("gen_ai.operation.name")
    if t == "GENERATION" or (t in ("SPAN", "") and op in GENERATION_OPS):
        return "generation"
    if t == "TOOL" or op == "execute_tool" or str(attrs.get("openinference.span.kind", "")).upper() == "TOOL":
        return "tool"
    return "other"


def _tool_result_text(value: Any) -> str:
    v = maybe_json(value)
    if isinstance(v, dict) and isinstance(v.get("content"), list) and all(
            isinstance(b, dict) and b.get("type") == "text" for b in v["content"]):
        return "".join(b.get("text", "") for b in v["content"])
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def to_obs(o: dict) -> Obs | None:
    if not isinstance(o, dict) or not o.get("id"):
        return None
    attrs = _attrs(o)
    kind = _kind(o, attrs)
    ob = Obs(str(o["id"]), kind, o.get("name"), parse_timestamp(o.get("startTime")), parse_timestamp(o.get("endTime")))
    ob.attrs = {"type": o.get("type")}
    if str(o.get("level") or "").upper() == "ERROR":
        ob.error = str(o.get("statusMessage") or "error")
    if kind == "generation":
        ob.inputs = to_messages(o.get("input")) or []
        ob.outputs = [m for m in (to_messages(o.get("output")) or [])]
        if not ob.outputs and isinstance(o.get("output"), str) and o["output"].strip() not in _EMPTY and \
                maybe_json(o["output"]) == o["output"]:
            ob.outputs = [plain_message("assistant", o["output"])]  # plain completion text
        ob.model = o.get("model") or attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
        usage = o.get("usageDetails") if isinstance(o.get("usageDetails"), dict) else {}
        ob.prompt_tokens = _int(usage.get("input"))
        ob.completion_tokens = _int(usage.get("output"))
        ob.tools = merge_tools(to_tools(o.get("toolDefinitions")), to_tools(o.get("input")),
                               to_tools(attrs.get("gen_ai.tool.definitions")), to_tools(attrs.get("llm.tools")))
    elif kind == "tool":
        ob.attrs["tool_name"] = attrs.get("gen_ai.tool.name") or o.get("name")
        out = maybe_json(o.get("output"))
        if not (out is None or out in ({}, []) or (isinstance(out, str) and out.strip() in _EMPTY)):
            cid = attrs.get("gen_ai.tool.call.id")
            ob.outputs = [plain_message("tool", _tool_result_text(out), tool_call_id=cid,
                                        name=attrs.get("gen_ai.tool.name") or o.get("name"))]
    return ob


def trace_events(item: dict, rel: str, line: int, offset: int, ctx) -> list[dict]:
    trace = item["trace"]
    trace_id = str(trace.get("id") or "")
    session = trace.get("sessionId") or trace_id or None
    user_hash = ctx.hash_user(trace.get("userId"))
    obs = [x for x in (to_obs(o) for o in item.get("observations") or []) if x is not None]
    obs.sort(key=lambda x: (x.start.isoformat() if x.start else "", x.id))
    convo = [x for x in obs if x.kind in ("generation", "tool")]
    conv = merge_observations(convo)
    if not conv:
        return []
    common = dict(source_file=rel, source_line=line, source_offset=offset, source_format="langfuse",
                  session_id=session, user_hash=user_hash)
    events = conversation_events(conv, [x for x in obs if x.error], **{k: v for k, v in common.items()},
                                 extra_attrs={"trace_id": trace_id})
    seq = len(events)
    last = next((e for e in reversed(events) if e["kind"] in ("assistant", "tool_call")), None)
    ts = max((e["timestamp"] for e in events if e["timestamp"] is not None), default=None)
    for s in sorted((s for s in trace.get("scores") or [] if isinstance(s, dict)),
                    key=lambda s: (str(s.get("name")), str(s.get("id")))):
        value = s.get("value")
        rating = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        name = str(s.get("name") or "")
        thumbs = None
        if "thumb" in name.lower() or name.lower() in ("user-feedback", "user_feedback", "feedback"):
            thumbs = "up" if rating is not None and rating > 0 else ("down" if rating is not None else None)
        outcome = None
        if name.lower() in ("correctness", "success", "task_success") and rating in (0.0, 1.0):
            outcome = "success" if rating == 1.0 else "failure"
        scored_at = parse_timestamp(s.get("timestamp"))
        # the score's own time can be months later: keep it in attributes, stamp the event at the conversation's end
        events.append(new_event(**common, seq=seq, kind="feedback", timestamp=ts or scored_at,
                                feedback_thumbs=thumbs, feedback_rating=rating, outcome=outcome,
                                parent_event_id=last["event_id"] if last else None,
                                attributes={"score_name": name, "score_source": s.get("source"),
                                            "data_type": s.get("dataType"), "string_value": s.get("stringValue"),
                                            "comment": s.get("comment"), "trace_id": trace_id,
                                            "scored_at": scored_at.isoformat() if scored_at else None}))
        seq += 1
    return events
