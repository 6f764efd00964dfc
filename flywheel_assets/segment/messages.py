"""Events of one session -> canonical messages (see docs/architecture.md "Canonical messages")."""

from __future__ import annotations

from dataclasses import dataclass, field

from flywheel_assets.jsontext import json_or
from flywheel_assets.schema import message, tool_call


@dataclass
class SessionSummary:
    messages: list[dict]
    n_errors: int = 0
    retries: int = 0
    errors: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)
    thumbs: str | None = None
    rating: float | None = None
    edited_response: str | None = None
    outcome: str | None = None
    reward: float | None = None


def _attrs(e: dict) -> dict:
    return json_or(e.get("attributes") or None, {}, expect=dict)


def events_to_messages(events: list[dict]) -> SessionSummary:
    """Turn a session's events (already in conversation order) into canonical messages.

    - assistant text and the tool calls that follow it in the same source record form one assistant message;
    - a tool_result becomes a ``tool`` message (content prefixed ``ERROR:`` when its status is error);
    - an ``error`` event linked to a tool call becomes that call's ``tool`` message; other errors (API failures)
      are not messages but are counted and listed;
    - a retried response (``attributes.retry_of``) replaces the assistant message of the failed/duplicate attempt;
    - feedback events set the unit-level feedback (last one wins) and are kept per message in ``feedback``.
    """
    out = SessionSummary(messages=[])
    msgs = out.messages
    last_assistant_record: tuple | None = None
    call_names: dict[str, str] = {}
    retried_records: set[tuple] = set()
    for e in events:
        kind = e["kind"]
        rec = (e["source_file"], e["source_line"])
        attrs = _attrs(e)
        # events of one message share a group: their record, plus the message index when the parser gives one
        grp = ("turn", attrs["turn"]) if attrs.get("turn") else rec + (attrs.get("msg"),)
        if kind in ("assistant", "tool_call") and attrs.get("retry_of") and rec not in retried_records:
            # first event of a retried attempt: it replaces the previous attempt's reply (if that is the last
            # message), and counts as one retry either way
            retried_records.add(rec)
            out.retries += 1
            if msgs and msgs[-1]["role"] == "assistant" and (last_assistant_record or (None, None))[:2] != rec:
                msgs.pop()
                last_assistant_record = None
        if kind in ("system", "user"):
            msgs.append(message(kind, e["content"] or "", event_ids=[e["event_id"]]))
            last_assistant_record = None
        elif kind == "assistant":
            prev = msgs[-1] if msgs else None
            if prev is not None and prev["role"] == "assistant" and last_assistant_record == grp and not prev["tool_calls"]:
                prev["content"] = (prev["content"] + "\n" + (e["content"] or "")).strip("\n")
                prev["event_ids"].append(e["event_id"])
            else:
                msgs.append(message("assistant", e["content"] or "", event_ids=[e["event_id"]]))
            last_assistant_record = grp
        elif kind == "tool_call":
            cid = e["tool_call_id"] or f"call_{e['event_id'][:8]}"
            call = tool_call(cid, e["tool_name"] or "unknown", e["tool_arguments"] or "{}")
            call_names[cid] = e["tool_name"] or "unknown"
            prev = msgs[-1] if msgs else None
            if prev is not None and prev["role"] == "assistant" and last_assistant_record == grp:
                prev["tool_calls"] = (prev["tool_calls"] or []) + [call]
                prev["event_ids"].append(e["event_id"])
            else:
                msgs.append(message("assistant", "", tool_calls=[call], event_ids=[e["event_id"]]))
            last_assistant_record = grp
        elif kind == "tool_result" or (kind == "error" and e.get("tool_call_id")):
            content = e["content"] or ""
            if (kind == "error" or e.get("status") == "error") and not content.upper().startswith("ERROR"):
                content = "ERROR: " + content
            if kind == "error" or e.get("status") == "error":
                out.n_errors += 1
                out.errors.append({"event_id": e["event_id"], "kind": "tool", "tool_call_id": e.get("tool_call_id")})
            cid = e.get("tool_call_id")
            name = e.get("tool_name") or call_names.get(cid or "")
            msgs.append(message("tool", content, name=name, tool_call_id=cid, event_ids=[e["event_id"]]))
            last_assistant_record = None
        elif kind == "error":
            out.n_errors += 1
            out.errors.append({"event_id": e["event_id"], "kind": "api", "status": e.get("status"),
                               "http_status": attrs.get("http_status")})
        elif kind == "feedback":
            fb = {"event_id": e["event_id"], "target_event_id": e.get("parent_event_id"),
                  "thumbs": e.get("feedback_thumbs"), "rating": e.get("feedback_rating"),
                  "outcome": e.get("outcome"), "reward": e.get("reward"), "edited": bool(e.get("content"))}
            out.feedback.append(fb)
            if e.get("feedback_thumbs"):
                out.thumbs = e["feedback_thumbs"]
            if e.get("feedback_rating") is not None:
                out.rating = e["feedback_rating"]
            if e.get("content"):
                out.edited_response = e["content"]
            if e.get("outcome"):
                out.outcome = e["outcome"]
            if e.get("reward") is not None:
                out.reward = e["reward"]
    return out
