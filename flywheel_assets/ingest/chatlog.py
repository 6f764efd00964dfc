"""Chat logs: one conversation per JSONL line (``FORMAT = "chatlog"``).

Accepted record shapes (one JSON object per line)::

    {"messages": [...OpenAI chat messages...], "tools": [...]?, "metadata": {...}?}
    {"messages": [...]}                                          # OpenAI fine-tuning file
    {"messages": [...], "session_id": .., "user": .., "model": .., "created": ..}   # metadata keys at top level
    {"messages": [...], "choices": [{"message": {...}}]}         # stored completion: choices[0] is the answer
    {"conversations": [{"from": "human", "value": ..}, ...]}     # ShareGPT

Messages: roles system/developer, user, assistant (text and/or ``tool_calls``, legacy ``function_call``), tool
(``tool_call_id``) and legacy ``function`` (``name``); content as a string or a list of parts (non-text parts become
``[image]``-style placeholders, listed in ``attributes.non_text_parts``); optional per-message ``timestamp``,
``name`` (stored only as a keyed hash, ``attributes.name_hash``) and ``feedback``.

Mapping: system->system, user->user, assistant text->assistant (one event; an assistant turn that only calls tools
has no assistant event), each tool call -> one ``tool_call`` event, tool/function -> ``tool_result`` linked to its
call (``parent_event_id``; ``status="error"`` when the result clearly reports an error), record-level
feedback/outcome/reward -> one ``feedback`` event (content = edited response, parent = last assistant event).
Metadata: session_id (else conversation_id/thread_id, else a stable id from file+line), user id (keyed hash only),
timestamp, model, latency_ms + token usage (on the last assistant event), consent, request_id/attempt (every event),
anything else -> ``attributes`` of the record's first event (together with ``tools``).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    consent_of,
    derived_call_id,
    derived_session,
    Emitter,
    first_json_objects,
    first_key,
    is_error_result,
    json_outcomes,
    norm_outcome,
    norm_thumbs,
    normalize_tools,
    SESSION_KEYS,
    text_of,
    to_float,
    to_int,
    USER_KEYS,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "chatlog"

ROLE_MAP = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "gpt": "assistant",
    "tool": "tool",
    "function": "function",
    "ipython": "tool",
    "observation": "tool",
}
TIME_KEYS = ("timestamp", "created_at", "created", "time", "ts", "start_time", "started_at")
# keys consumed explicitly (everything else at record level goes to attributes)
_CONSUMED = set(SESSION_KEYS) | set(USER_KEYS) | set(TIME_KEYS) | {
    "messages", "conversations", "tools", "functions", "metadata", "choices", "model", "latency_ms", "duration_ms",
    "usage", "prompt_tokens", "completion_tokens", "feedback", "thumbs", "rating", "edited_response", "outcome",
    "reward", "consent", "request_id", "attempt", "error",
}
_NOT_CHAT_KEYS = ("request", "response", "request_body", "response_body", "resourceSpans", "uri", "method", "spans",
                  "response_a", "response_b", "chosen", "rejected")  # A/B comparison rows (comparisons.py)
_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system",
                   "function_call": "function_call", "observation": "tool", "tool": "tool"}


def sniff(head: str, rel: str) -> float:
    objs = first_json_objects(head)
    if not objs:
        s = head.lstrip()
        if s.startswith("{") and re.match(r'\{\s*"(messages|metadata|session_id)"', s) and '"role"' in s[:65536]:
            return 0.5  # first line longer than the sniff window
        return 0.0
    good = sum(1 for o in objs if _looks_like_chat(o))
    if good == 0:
        return 0.0
    return 0.9 if good == len(objs) else 0.4 + 0.4 * good / len(objs)


def _looks_like_chat(o: Any) -> bool:
    if not isinstance(o, dict) or any(k in o for k in _NOT_CHAT_KEYS):
        return False
    msgs = o.get("messages")
    if isinstance(msgs, list) and msgs and all(isinstance(m, dict) and "role" in m for m in msgs[:20]):
        return True
    conv = o.get("conversations")
    return isinstance(conv, list) and bool(conv) and all(isinstance(m, dict) and "from" in m for m in conv[:20])


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    yield from json_outcomes(src, lambda obj, line, offset, raw: parse_record(obj, src, ctx, line, offset))


def parse_record(obj: Any, src: SourceFile, ctx: IngestContext, line: int, offset: int) -> Outcome:
    """One chat-log record -> Outcome with its events (raises Quarantine on an unacceptable record)."""
    if not isinstance(obj, dict):
        raise Quarantine("wrong_type:record", f"record is {type(obj).__name__}, expected an object")
    messages = obj.get("messages")
    if messages is None and "conversations" in obj:
        messages = _from_sharegpt(obj["conversations"])
    if messages is None:
        raise Quarantine("missing_field:messages", "record has no messages list")
    if not isinstance(messages, list):
        raise Quarantine("wrong_type:messages", f"messages is {type(messages).__name__}")
    messages = list(messages)
    choices = obj.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict) and isinstance(
            choices[0].get("message"), dict):
        messages.append(choices[0]["message"])
    if not messages:
        raise Quarantine("empty_field:messages", "messages list is empty")

    meta: dict = {k: v for k, v in obj.items() if k != "metadata"}
    md = obj.get("metadata")
    if isinstance(md, dict):
        meta.update(md)
    elif md is not None:
        meta["metadata_value"] = md

    # identity: hash only, never copy the raw id
    _, uid = first_key(meta, USER_KEYS)
    if isinstance(uid, dict):
        uid = uid.get("id") or uid.get("user_id")
    user_hash = ctx.hash_user(uid) if isinstance(uid, (str, int)) and not isinstance(uid, bool) else None
    _, sid = first_key(meta, SESSION_KEYS)
    session_id = str(sid) if isinstance(sid, (str, int)) and not isinstance(sid, bool) else derived_session(src, line)
    _, ts_raw = first_key(meta, TIME_KEYS)
    rec_ts = parse_timestamp(ts_raw)
    consent, purposes = consent_of(meta.get("consent"))
    model = meta.get("model") if isinstance(meta.get("model"), str) else None
    tools = normalize_tools(meta.get("tools", meta.get("functions")))

    per_event_attrs = {k: meta[k] for k in ("request_id", "attempt") if meta.get(k) is not None}
    rec_attrs = {k: v for k, v in sorted(meta.items()) if k not in _CONSUMED and v is not None}
    if isinstance(md, dict) and "model" in md and model is None:
        rec_attrs["model_value"] = md["model"]

    em = Emitter(src, FORMAT, line, offset, session_id=session_id, user_hash=user_hash, consent_training=consent,
                 purposes=purposes, model=model)
    pending: dict[str, dict] = {}  # call id -> unanswered tool_call event
    for i, m in enumerate(messages):
        _message(em, m, i, pending, ctx, rec_ts, per_event_attrs)
    if not em.events:
        raise Quarantine("no_events", "messages held no usable turn")

    # usage / latency on the last assistant-side event
    last_asst = em.last("assistant") or em.last("tool_call")
    usage = meta.get("usage") if isinstance(meta.get("usage"), dict) else {}
    latency = to_float(meta.get("latency_ms", meta.get("duration_ms")))
    ptok = to_int(usage.get("prompt_tokens", usage.get("input_tokens", meta.get("prompt_tokens"))))
    ctok = to_int(usage.get("completion_tokens", usage.get("output_tokens", meta.get("completion_tokens"))))
    if last_asst is not None:
        last_asst["latency_ms"], last_asst["prompt_tokens"], last_asst["completion_tokens"] = latency, ptok, ctok
    elif latency is not None:
        rec_attrs["latency_ms"] = latency

    err = meta.get("error")
    if err:  # the request ended in an API/model error: an error event (counted in n_errors, not a message)
        msg = err.get("message") if isinstance(err, dict) and isinstance(err.get("message"), str) else None
        em.emit("error", content=msg if msg is not None else (err if isinstance(err, str) else None), status="error",
                timestamp=rec_ts, attributes={**per_event_attrs, "error": err} if not isinstance(err, str) else (
                    per_event_attrs or None))
    _feedback(em, meta, rec_ts, per_event_attrs, last_asst, rec_attrs)

    first = em.events[0]
    if tools:
        from flywheel_assets.schema import json_text

        first["tools"] = json_text(tools)
    if rec_attrs:
        _merge_attrs(first, rec_attrs)
    return em.outcome()


def _message(em: Emitter, m: Any, i: int, pending: dict, ctx: IngestContext, rec_ts, rec_attrs: dict) -> None:
    if not isinstance(m, dict):
        raise Quarantine("wrong_type:messages", f"messages[{i}] is {type(m).__name__}")
    role_raw = m.get("role")
    if not isinstance(role_raw, str):
        raise Quarantine("missing_field:messages.role" if role_raw is None else "wrong_type:messages.role",
                         f"messages[{i}].role={type(role_raw).__name__}")
    role = ROLE_MAP.get(role_raw.strip().lower())
    if role is None:
        raise Quarantine("invalid_value:messages.role", f"messages[{i}].role is not a chat role")
    text, non_text = text_of(m.get("content"))
    ts = parse_timestamp(m.get("timestamp", m.get("created_at"))) or rec_ts
    attrs: dict = dict(rec_attrs)
    if non_text:
        attrs["non_text_parts"] = non_text
    name = m.get("name") if isinstance(m.get("name"), str) else None
    for k in ("weight", "refusal", "finish_reason"):
        if m.get(k) is not None:
            attrs[k] = m[k]

    if role in ("system", "user"):
        if name:
            attrs["name_hash"] = ctx.hash_user(name)  # participant names identify people: keyed hash only
        em.emit(role, content=text, timestamp=ts, attributes=attrs or None)
        return
    if role == "assistant":
        calls = m.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise Quarantine("wrong_type:tool_calls", f"messages[{i}].tool_calls is {type(calls).__name__}")
        calls = list(calls or [])
        if isinstance(m.get("function_call"), dict):
            calls.append({"function": m["function_call"], "_legacy": True})
        if text or not calls:
            if name:
                attrs["name"] = name
            ev = em.emit("assistant", content=text, timestamp=ts, attributes=attrs or None)
            fb = m.get("feedback")
            if fb is not None:
                _feedback(em, fb if isinstance(fb, dict) else {"thumbs": fb}, ts, rec_attrs, ev, {}, nested=True)
        for c in calls:
            if not isinstance(c, dict):
                raise Quarantine("wrong_type:tool_calls", f"messages[{i}] has a non-object tool call")
            fn = c.get("function") if isinstance(c.get("function"), dict) else c
            tname = fn.get("name")
            if not isinstance(tname, str) or not tname:
                raise Quarantine("missing_field:tool_calls.function.name", f"messages[{i}] tool call without name")
            args = fn.get("arguments", fn.get("input"))
            seq = len(em.events)
            cid = c.get("id") if isinstance(c.get("id"), str) and c.get("id") else derived_call_id(em.src, em.line, seq)
            cattrs = dict(rec_attrs)
            if c.get("_legacy"):
                cattrs["legacy_function_call"] = True
            if not c.get("id"):
                cattrs["call_id_derived"] = True
            ev = em.emit("tool_call", tool_name=tname, tool_call_id=cid, tool_arguments=args if args is not None else {},
                         timestamp=ts, attributes=cattrs or None)
            pending[cid] = ev
        return
    # tool / legacy function result
    cid = m.get("tool_call_id") if isinstance(m.get("tool_call_id"), str) else None
    call = pending.pop(cid, None) if cid else None
    if call is None and cid is None:
        # legacy: the latest unanswered call with the same name, else the latest unanswered call
        cands = [c for c in pending.values() if name is None or c["tool_name"] == name] or list(pending.values())
        if cands:
            call = cands[-1]
            pending.pop(call["tool_call_id"], None)
    if call is None:
        attrs["orphan_result"] = True
    em.emit(
        "tool_result",
        content=text,
        tool_call_id=cid or (call["tool_call_id"] if call else None),
        tool_name=name or (call["tool_name"] if call else None),
        parent_event_id=call["event_id"] if call else None,
        status="error" if is_error_result(text) else "ok",
        timestamp=ts,
        attributes=attrs or None,
    )


def _feedback(em: Emitter, meta: dict, ts, per_event_attrs: dict, target: dict | None, rec_attrs: dict,
              nested: bool = False) -> None:
    fb = meta if nested else meta.get("feedback")
    thumbs = rating = edited = comment = None
    if isinstance(fb, dict):
        thumbs = norm_thumbs(fb.get("thumbs", fb.get("thumb", fb.get("vote"))))
        rating = to_float(fb.get("rating", fb.get("score")))
        edited = fb.get("edited_response", fb.get("correction", fb.get("edited")))
        comment = fb.get("comment")
    elif fb is not None:
        thumbs = norm_thumbs(fb)
        if thumbs is None:
            rec_attrs["feedback_value"] = fb
    if not nested:
        thumbs = thumbs or norm_thumbs(meta.get("thumbs"))
        rating = rating if rating is not None else to_float(meta.get("rating"))
        edited = edited if edited is not None else meta.get("edited_response")
    outcome = norm_outcome(meta.get("outcome")) if not nested else norm_outcome(fb.get("outcome"))
    reward = to_float(meta.get("reward")) if not nested else to_float(fb.get("reward"))
    if not nested and meta.get("outcome") is not None and outcome is None:
        rec_attrs["outcome_value"] = meta["outcome"]
    edited = edited if isinstance(edited, str) and edited else None
    if thumbs is None and rating is None and edited is None and outcome is None and reward is None:
        return
    attrs = dict(per_event_attrs)
    if isinstance(comment, str) and comment:
        attrs["comment"] = comment
    if edited is not None:
        attrs["edited"] = True
    em.emit("feedback", content=edited, feedback_thumbs=thumbs, feedback_rating=rating, outcome=outcome,
            reward=reward, parent_event_id=target["event_id"] if target else None, timestamp=ts,
            attributes=attrs or None)


def _merge_attrs(ev: dict, extra: dict) -> None:
    import json

    from flywheel_assets.schema import to_json

    cur = json.loads(ev["attributes"]) if ev["attributes"] else {}
    for k, v in extra.items():
        cur.setdefault(k, v)
    ev["attributes"] = to_json(cur)


def _from_sharegpt(conv: Any) -> list | Any:
    """ShareGPT ``conversations`` -> OpenAI messages (function_call turns become legacy function calls)."""
    if not isinstance(conv, list):
        return conv
    out = []
    for t in conv:
        if not isinstance(t, dict):
            out.append(t)
            continue
        role = _SHAREGPT_ROLES.get(str(t.get("from", "")).lower(), str(t.get("from")))
        val = t.get("value")
        if role == "function_call":
            import json

            try:
                call = json.loads(val) if isinstance(val, str) else val
            except ValueError:
                call = None
            if isinstance(call, dict) and "name" in call:
                out.append({"role": "assistant", "content": None,
                            "function_call": {"name": call["name"], "arguments": call.get("arguments", {})}})
                continue
            role = "assistant"
        out.append({"role": role, "content": val})
    return out
