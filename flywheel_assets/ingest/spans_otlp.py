"""OTLP JSON traces (OpenTelemetry GenAI semantic conventions) -> canonical events (see spans.py).

Per span, messages come from (first that is present): ``gen_ai.input.messages`` / ``gen_ai.output.messages``
(the "parts" JSON), the legacy indexed attributes ``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*``
(``role``, ``content``, ``tool_call_id``, ``tool_calls.M.{id,name,arguments}``), OpenInference
``llm.{input,output}_messages.N.message.*`` (``role``, ``content``, ``contents.J.message_content.text``,
``tool_calls.K.tool_call.{id,function.name,function.arguments}``, ``tool_call_id``, ``name``), or span events
``gen_ai.{system,user,assistant,tool}.message`` / ``gen_ai.choice``. ``gen_ai.system_instructions`` becomes a
leading system message. Tool execution spans (``gen_ai.operation.name=execute_tool``) give a tool call
(``gen_ai.tool.call.arguments``) and its result (``gen_ai.tool.call.result``) unless the conversation already
has them (OpenInference TOOL spans: ``tool.name``, ``input.value``, ``output.value``). Model / usage also from
OpenInference ``llm.model_name`` / ``llm.token_count.{prompt,completion}``, tools from ``llm.tools.N.tool.json_schema``.
A span with error status becomes an ``error`` event (except a root agent span whose bare ERROR status, without
message or ``error.type``, only marks the session as failed).

Session-level attributes (normally on the root ``invoke_agent`` span): ``user.feedback.thumbs|rating|edited_response``
(also ``feedback.*``, ``gen_ai.feedback.*``, ``user_feedback.*``, ``langfuse.score.*``), ``session.outcome``,
``session.reward``, ``*.consent.training`` / ``*.consent.purposes`` and ``*.intent_id`` give one ``feedback``
event per trace, ``consent_training`` on the trace's events and ``attributes.intent_id`` (see
:func:`session_signals`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from flywheel_assets.ingest.source import Outcome
from flywheel_assets.ingest.spans_merge import Obs, conversation_events, merge_observations
from flywheel_assets.ingest.spans_messages import (canonical_args, maybe_json, merge_tools, plain_message, to_messages,
                                                   to_tools)
from flywheel_assets.schema import new_event
from flywheel_assets.timeutil import parse_timestamp

SESSION_KEYS = ("session.id", "gen_ai.conversation.id", "langfuse.session.id")
USER_KEYS = ("user.id", "enduser.id", "langfuse.user.id")
GENERATION_OPS = ("chat", "text_completion", "generate_content", "completion")
_INDEXED = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(.+)$")
_CALL = re.compile(r"^tool_calls\.(\d+)\.(id|name|arguments)$")


def any_value(v: Any, depth: int = 0) -> Any:
    """Decode an OTLP AnyValue (``{"stringValue": ..}`` etc.) into a Python value."""
    if not isinstance(v, dict) or depth > 32:
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return v["intValue"]
    if "doubleValue" in v:
        try:
            return float(v["doubleValue"])
        except (TypeError, ValueError):
            return v["doubleValue"]
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        vals = (v["arrayValue"] or {}).get("values") if isinstance(v["arrayValue"], dict) else None
        return [any_value(x, depth + 1) for x in vals or []]
    if "kvlistValue" in v:
        vals = (v["kvlistValue"] or {}).get("values") if isinstance(v["kvlistValue"], dict) else None
        return attributes(vals or [], depth + 1)
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attributes(kvs: Any, depth: int = 0) -> dict:
    out: dict = {}
    if not isinstance(kvs, list):
        return out
    for kv in kvs:
        if isinstance(kv, dict) and isinstance(kv.get("key"), str):
            out[kv["key"]] = any_value(kv.get("value"), depth)
    return out


def _first(attrs: dict, *keys: str) -> Any:
    return next((attrs[k] for k in keys if attrs.get(k) not in (None, "")), None)


def _int(v: Any) -> int | None:
    try:
        return None if v is None or isinstance(v, bool) else int(v)
    except (TypeError, ValueError):
        return None


def _rows_by_index(attrs: dict, pattern: re.Pattern, which: str) -> dict[int, dict]:
    """Flattened ``<prefix>.<which>.N.<field>`` attributes -> {N: {field: value}} (pattern groups: which, N, field)."""
    rows: dict[int, dict] = {}
    for k, v in attrs.items():
        m = pattern.match(k)
        if m and m.group(1) == which:
            rows.setdefault(int(m.group(2)), {})[m.group(3)] = v
    return rows


def _indexed_messages(attrs: dict, which: str) -> list[dict]:
    rows = _rows_by_index(attrs, _INDEXED, which)
    out = []
    for i in sorted(rows):
        r = rows[i]
        calls: dict[int, dict] = {}
        for k, v in r.items():
            cm = _CALL.match(k)
            if cm:
                calls.setdefault(int(cm.group(1)), {})[cm.group(2)] = v
        tcs = [{"id": None if c.get("id") in (None, "") else str(c["id"]), "name": str(c["name"]),
                "arguments": canonical_args(c.get("arguments"))} for _, c in sorted(calls.items()) if c.get("name")]
        role = str(r.get("role") or ("assistant" if which == "completion" else "user")).lower()
        role = {"model": "assistant", "ai": "assistant", "human": "user", "developer": "system"}.get(role, role)
        content = r.get("content")
        content = content if isinstance(content, str) else ("" if content is None else json.dumps(content))
        if role == "tool":
            out.append(plain_message("tool", content, tool_call_id=r.get("tool_call_id"), name=r.get("name")))
        elif role in ("system", "user", "assistant"):
            out.append(plain_message(role, content, tool_calls=tcs))
    return out


_OI = re.compile(r"^llm\.(input|output)_messages\.(\d+)\.message\.(.+)$")
_OI_CALL = re.compile(r"^tool_calls\.(\d+)\.tool_call\.(id|function\.name|function\.arguments)$")
_OI_PART = re.compile(r"^contents\.(\d+)\.message_content\.(type|text)$")


def _openinference_messages(attrs: dict, which: str) -> list[dict]:
    """OpenInference ``llm.{input,output}_messages.N.message.*`` attributes -> plain messages."""
    rows = _rows_by_index(attrs, _OI, which)
    out = []
    for i in sorted(rows):
        r = rows[i]
        calls: dict[int, dict] = {}
        parts: dict[int, dict] = {}
        for k, v in r.items():
            cm, pm = _OI_CALL.match(k), _OI_PART.match(k)
            if cm:
                calls.setdefault(int(cm.group(1)), {})[cm.group(2).split(".")[-1]] = v
            elif pm:
                parts.setdefault(int(pm.group(1)), {})[pm.group(2)] = v
        tcs = [{"id": None if c.get("id") in (None, "") else str(c["id"]), "name": str(c["name"]),
                "arguments": canonical_args(c.get("arguments"))} for _, c in sorted(calls.items()) if c.get("name")]
        content = r.get("content")
        if not isinstance(content, str):
            content = "".join(str(p.get("text") or "") for _, p in sorted(parts.items())
                              if p.get("type", "text") == "text")
        role = str(r.get("role") or ("assistant" if which == "output" else "user")).lower()
        role = {"model": "assistant", "ai": "assistant", "human": "user", "developer": "system"}.get(role, role)
        if role == "tool":
            out.append(plain_message("tool", content, tool_call_id=r.get("tool_call_id"), name=r.get("name")))
        elif role in ("system", "user", "assistant"):
            out.append(plain_message(role, content, tool_calls=tcs))
    return out


def _event_messages(events: list) -> tuple[list[dict], list[dict]]:
    ins: list[dict] = []
    outs: list[dict] = []
    for ev in events if isinstance(events, list) else []:
        if not isinstance(ev, dict):
            continue
        name = str(ev.get("name") or "")
        a = attributes(ev.get("attributes"))
        body = maybe_json(a.get("content"))
        if name == "gen_ai.choice":
            msg = maybe_json(a.get("message")) if a.get("message") is not None else {
                "role": "assistant", "content": body if isinstance(body, (str, list)) else a.get("content") or "",
                "tool_calls": maybe_json(a.get("tool_calls"))}
            outs.extend(to_messages({"index": 0, "message": msg}) or [])
        elif name.startswith("gen_ai.") and name.endswith(".message"):
            role = a.get("role") or name.split(".")[1]
            msg = {"role": role, "content": body if body is not None else "",
                   "tool_calls": maybe_json(a.get("tool_calls")), "tool_call_id": a.get("id") or a.get("tool_call_id")}
            ins.extend(to_messages(msg) or [])
    return ins, outs


def span_obs(span: dict, res_attrs: dict) -> tuple[Obs | None, dict]:
    """(Obs or None when the span has no gen_ai attributes, merged attributes)."""
    attrs = {**res_attrs, **attributes(span.get("attributes"))}
    evs = span.get("events") if isinstance(span.get("events"), list) else []
    oi_kind = str(attrs.get("openinference.span.kind") or "").upper()
    has_genai = any(k.startswith(("gen_ai.", "llm.input_messages.", "llm.output_messages.")) for k in attrs) or any(
        isinstance(e, dict) and str(e.get("name", "")).startswith("gen_ai.") for e in evs) or oi_kind in ("LLM", "TOOL")
    if not has_genai:
        return None, attrs
    op = str(attrs.get("gen_ai.operation.name") or "")
    if oi_kind in ("LLM", "TOOL") and not op:
        op = "chat" if oi_kind == "LLM" else "execute_tool"
    kind = "tool" if op == "execute_tool" or (not op and "gen_ai.tool.name" in attrs) else (
        "generation" if op in GENERATION_OPS or op == "" or any(k.startswith(("gen_ai.prompt", "gen_ai.input",
                                                                               "gen_ai.completion", "gen_ai.output"))
                                                              for k in attrs) else "other")
    ob = Obs(str(span.get("spanId") or ""), kind, span.get("name"), parse_timestamp(span.get("startTimeUnixNano")),
             parse_timestamp(span.get("endTimeUnixNano")))
    status = span.get("status") if isinstance(span.get("status"), dict) else {}
    if status.get("code") in (2, "2", "STATUS_CODE_ERROR", "ERROR"):
        ob.error = str(status.get("message") or attrs.get("error.type") or "error")
    if kind == "generation":
        ins = (to_messages(attrs.get("gen_ai.input.messages")) or _indexed_messages(attrs, "prompt")
               or _openinference_messages(attrs, "input"))
        outs = (to_messages(attrs.get("gen_ai.output.messages")) or _indexed_messages(attrs, "completion")
                or _openinference_messages(attrs, "output"))
        if not ins and not outs:
            ins, outs = _event_messages(evs)
        sys_i = maybe_json(attrs.get("gen_ai.system_instructions"))
        if sys_i:
            text = sys_i if isinstance(sys_i, str) else "".join(
                p.get("content", "") for p in sys_i if isinstance(p, dict) and isinstance(p.get("content"), str))
            if text and not (ins and ins[0]["role"] == "system" and ins[0]["content"] == text):
                ins = [plain_message("system", text)] + ins
        ob.inputs, ob.outputs = ins, outs
        ob.model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model") or attrs.get(
            "llm.model_name")
        ob.prompt_tokens = _int(_first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                                       "llm.token_count.prompt"))
        ob.completion_tokens = _int(_first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                                           "llm.token_count.completion"))
        oi_tools = [maybe_json(v) for k, v in sorted(attrs.items())
                    if re.fullmatch(r"llm\.tools\.\d+\.tool\.json_schema", k)]
        ob.tools = merge_tools(to_tools(attrs.get("gen_ai.tool.definitions")), to_tools(oi_tools))
    elif kind == "tool":
        name = attrs.get("gen_ai.tool.name") or attrs.get("tool.name") or span.get("name")
        ob.attrs["tool_name"] = name
        cid = attrs.get("gen_ai.tool.call.id") or attrs.get("tool_call.id")
        args = _first(attrs, "gen_ai.tool.call.arguments", "tool.parameters", "input.value")
        if args is not None and name:
            ob.inputs = [plain_message("assistant", "", tool_calls=[
                {"id": None if cid in (None, "") else str(cid), "name": str(name), "arguments": canonical_args(args)}])]
        result = _first(attrs, "gen_ai.tool.call.result", "output.value")
        res_obj = maybe_json(result)
        if isinstance(res_obj, dict) and "response" in res_obj and res_obj.get("name") == name:
            result = res_obj["response"]  # Google ADK wraps the function response
        if result is None and ob.error is not None:
            result = f"ERROR: {ob.error}"
        if result is not None:
            text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False,
                                                                     separators=(",", ":"))
            if ob.error is not None and not text.startswith("ERROR"):
                text = f"ERROR: {text}"
            ob.outputs = [plain_message("tool", text, tool_call_id=cid, name=name)]
    return ob, attrs


def _spans(doc: dict) -> Iterator[tuple[dict, dict]]:
    rss = doc.get("resourceSpans", doc.get("resource_spans"))
    for rs in rss if isinstance(rss, list) else []:
        if not isinstance(rs, dict):
            continue
        res = rs.get("resource") if isinstance(rs.get("resource"), dict) else {}
        res_attrs = attributes(res.get("attributes"))
        sss = rs.get("scopeSpans", rs.get("scope_spans"))
        for ss in sss if isinstance(sss, list) else []:
            if not isinstance(ss, dict):
                continue
            for sp in ss.get("spans") if isinstance(ss.get("spans"), list) else []:
                if isinstance(sp, dict):
                    yield sp, res_attrs


# Session-level signals carried as span attributes (on the root agent span in practice; any span is read, root
# spans first). No OTel semantic convention covers user feedback or consent yet, so the common spellings are read:
# ``user.feedback.*`` (the demo), ``feedback.*``, ``gen_ai.feedback.*``, ``user_feedback.*``, ``langfuse.score.*``.
FEEDBACK_PREFIXES = ("user.feedback.", "gen_ai.feedback.", "feedback.", "user_feedback.", "langfuse.score.")
THUMBS_KEYS = ("thumbs", "thumb", "vote", "sentiment")
RATING_KEYS = ("rating", "score", "stars")
EDITED_KEYS = ("edited_response", "edited", "correction", "corrected_response")
COMMENT_KEYS = ("comment", "text")
OUTCOME_KEYS = ("session.outcome", "gen_ai.session.outcome", "task.outcome", "outcome", "user.feedback.outcome",
                "feedback.outcome")
REWARD_KEYS = ("session.reward", "task.reward", "reward", "user.feedback.reward", "feedback.reward")
CONSENT_KEYS = ("consent.training", "user.consent.training", "session.consent.training")  # + any "*.consent.training"
INTENT_KEYS = ("intent_id", "intent.id", "session.intent_id", "gen_ai.intent.id")  # + any "*.intent_id"


def _suffixed(attrs: dict, exact: tuple[str, ...], suffix: str) -> Any:
    v = _first(attrs, *exact)
    if v is None:
        v = next((attrs[k] for k in sorted(attrs) if k.endswith(suffix) and attrs[k] not in (None, "")), None)
    return v


def session_signals(span_attrs: list[tuple[bool, dict]]) -> dict:
    """Feedback / outcome / consent / intent from span attributes; ``span_attrs`` = [(is_root, attrs)].

    Returns only the keys found: ``thumbs, rating, edited, comment, outcome, reward, consent, purposes, intent_id,
    feedback_keys`` (the attribute names read, for lineage) and ``failed_root`` (a root span with ERROR status)."""
    from flywheel_assets.ingest.record_parsing import consent_of, norm_outcome, norm_thumbs, to_float

    out: dict = {}
    keys: list[str] = []
    for _, attrs in sorted(span_attrs, key=lambda t: not t[0]):  # root spans first (stable)
        for pre in FEEDBACK_PREFIXES:
            for field, names in (("thumbs", THUMBS_KEYS), ("rating", RATING_KEYS), ("edited", EDITED_KEYS),
                                 ("comment", COMMENT_KEYS)):
                if field in out:
                    continue
                k = next((pre + n for n in names if attrs.get(pre + n) not in (None, "")), None)
                if k is None:
                    continue
                v = attrs[k]
                if field == "thumbs":
                    v = norm_thumbs(v)
                elif field == "rating":
                    v = to_float(v)
                elif not isinstance(v, str):
                    v = None
                if v is not None:
                    out[field] = v
                    keys.append(k)
        if "outcome" not in out:
            o = norm_outcome(_first(attrs, *OUTCOME_KEYS))
            if o is not None:
                out["outcome"] = o
        if "reward" not in out:
            r = to_float(_first(attrs, *REWARD_KEYS))
            if r is not None:
                out["reward"] = r
        if "consent" not in out:
            c, purposes = consent_of(_suffixed(attrs, CONSENT_KEYS, ".consent.training"))
            if c is not None:
                out["consent"] = c
                pv = _suffixed(attrs, (), ".consent.purposes")
                plist = sorted({str(x) for x in pv}) if isinstance(pv, list) else purposes
                if plist:
                    out["purposes"] = plist
        if "intent_id" not in out:
            i = _suffixed(attrs, INTENT_KEYS, ".intent_id")
            if isinstance(i, (str, int)) and not isinstance(i, bool):
                out["intent_id"] = str(i)
    if keys:
        out["feedback_keys"] = sorted(set(keys))
    return out


def _is_error_status(span: dict) -> bool:
    status = span.get("status") if isinstance(span.get("status"), dict) else {}
    return status.get("code") in (2, "2", "STATUS_CODE_ERROR", "ERROR")


def _trace_events(spans: list[tuple[dict, dict]], trace_id: str, rel, line, offset, ctx,
                  seq0=0, tstate: dict | None = None) -> tuple[list[dict], int]:
    """(events, number of GenAI spans) for one trace. ``tstate`` carries the trace's conversation between the
    records (lines) its spans arrive in; only messages new in this record are emitted.

    Session-level span attributes (feedback, outcome, consent, intent: :func:`session_signals`) give one
    ``feedback`` event after the conversation (once per trace), ``consent_training`` on the record's events and
    ``attributes.intent_id``. A root agent span whose ERROR status carries no message and no ``error.type`` is the
    session's failure outcome, not an API error event."""
    tstate = {} if tstate is None else tstate
    obs: list[Obs] = []
    session, user = tstate.get("session"), tstate.get("user")
    span_attrs: list[tuple[bool, dict]] = []
    root_end = None
    for sp, res_attrs in spans:
        ob, attrs = span_obs(sp, res_attrs)
        is_root = not sp.get("parentSpanId")
        span_attrs.append((is_root, attrs))
        session = session or next((str(attrs[k]) for k in SESSION_KEYS if attrs.get(k) not in (None, "")), None)
        user = user or next((attrs[k] for k in USER_KEYS if attrs.get(k) not in (None, "")), None)
        if is_root:
            root_end = parse_timestamp(sp.get("endTimeUnixNano")) or root_end
        if ob is not None:
            if ob.kind == "other" and ob.error == "error" and is_root and _is_error_status(sp) \
                    and not attrs.get("error.type"):
                ob.error = None  # bare failed status on the agent span: the session outcome, see above
                span_attrs.append((True, {"_failed_root": True}))
            obs.append(ob)
    tstate["session"], tstate["user"] = session, user
    if not obs:
        return [], 0
    sig = session_signals(span_attrs)
    if "outcome" not in sig and any(a.get("_failed_root") for _, a in span_attrs):
        sig["outcome"] = "failure"
    extra = {"trace_id": trace_id}
    if sig.get("intent_id"):
        extra["intent_id"] = sig["intent_id"]
    obs.sort(key=lambda x: (x.start.isoformat() if x.start else "", x.id))
    conv = merge_observations([o for o in obs if o.kind in ("generation", "tool")], tstate.setdefault("conv", []))
    sid = session or trace_id or None
    uh = ctx.hash_user(user)
    events = conversation_events(conv, [o for o in obs if o.error], source_file=rel, source_line=line,
                                 source_offset=offset, source_format="otlp", session_id=sid,
                                 user_hash=uh, seq_start=seq0, extra_attrs=extra,
                                 state=tstate.setdefault("emit", {}))
    if "consent" in sig:
        for ev in events:
            ev["consent_training"], ev["purposes"] = sig["consent"], sig.get("purposes")
    fb_fields = [k for k in ("thumbs", "rating", "edited", "comment", "outcome", "reward") if k in sig]
    if fb_fields and not tstate.get("feedback_done"):
        tstate["feedback_done"] = True
        target = tstate.get("last_reply")
        last = next((e for e in reversed(events) if e["kind"] in ("assistant", "tool_call")), None)
        target = last["event_id"] if last is not None else target
        ts = max([t for t in [root_end, *(e["timestamp"] for e in events)] if t is not None], default=None)
        attrs = {"trace_id": trace_id, "part": "feedback", "from": "span_attributes",
                 "keys": sig.get("feedback_keys"), "comment": sig.get("comment")}
        if sig.get("intent_id"):
            attrs["intent_id"] = sig["intent_id"]
        events.append(new_event(source_file=rel, source_line=line, source_offset=offset, source_format="otlp",
                                session_id=sid, user_hash=uh, seq=seq0 + len(events), kind="feedback", timestamp=ts,
                                content=sig.get("edited"), feedback_thumbs=sig.get("thumbs"),
                                feedback_rating=sig.get("rating"), outcome=sig.get("outcome"),
                                reward=sig.get("reward"), parent_event_id=target,
                                consent_training=sig.get("consent"), purposes=sig.get("purposes"),
                                attributes={k: v for k, v in attrs.items() if v is not None}))
    last = next((e for e in reversed(events) if e["kind"] in ("assistant", "tool_call")), None)
    if last is not None:
        tstate["last_reply"] = last["event_id"]
    return events, len(obs)


def _group(doc: dict) -> dict[str, list]:
    by_trace: dict[str, list] = {}
    for sp, res_attrs in _spans(doc):
        by_trace.setdefault(str(sp.get("traceId") or ""), []).append((sp, res_attrs))
    return by_trace


def parse_request(doc: dict, rel: str, line: int, offset: int, ctx, raw: bytes,
                  state: dict | None = None) -> Outcome:
    """One ExportTraceServiceRequest (a JSONL line) = one record. ``state`` (one dict per file) lets a trace
    whose spans are spread over several lines be merged into one conversation: each line emits the messages it
    adds, ``seq`` counts across the file so (timestamp, seq) orders a session."""
    state = {} if state is None else state
    traces = state.setdefault("traces", {})
    try:
        by_trace = _group(doc)
        events: list[dict] = []
        n_genai = 0
        for tid in by_trace:  # insertion order = order of first appearance (deterministic)
            evs, n = _trace_events(by_trace[tid], tid, rel, line, offset, ctx, seq0=state.get("seq", 0),
                                   tstate=traces.setdefault(tid, {}))
            state["seq"] = state.get("seq", 0) + len(evs)
            events.extend(evs)
            n_genai += n
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return Outcome.bad(line, offset, "invalid_structure", f"{type(exc).__name__}: {exc}"[:300], raw)
    if not events:
        n = sum(len(v) for v in by_trace.values())
        if n_genai:
            return Outcome.bad(line, offset, "no_chat_content", f"{n_genai} GenAI spans without messages", raw)
        return Outcome.bad(line, offset, "no_genai_spans", f"{n} spans, none with gen_ai attributes", raw)
    return Outcome(line=line, offset=offset, events=events)


def parse_document(doc: dict, rel: str, ctx, raw: bytes) -> Iterator[Outcome]:
    """One OTLP JSON document: one record per trace id (record index = order of first appearance)."""
    try:
        by_trace = _group(doc)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        yield Outcome.bad(1, 0, "invalid_structure", f"{type(exc).__name__}: {exc}"[:300], raw)
        return
    if not by_trace:
        yield Outcome.bad(1, 0, "no_genai_spans", "document holds no spans", raw)
        return
    for i, tid in enumerate(by_trace, start=1):
        try:
            events, n_genai = _trace_events(by_trace[tid], tid, rel, i, 0, ctx)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            yield Outcome.bad(i, 0, "invalid_structure", f"trace {i}: {type(exc).__name__}: {exc}"[:300])
            continue
        if not events and n_genai:
            yield Outcome.bad(i, 0, "no_chat_content", f"trace {i}: {n_genai} GenAI spans without messages")
        elif not events:
            yield Outcome.bad(i, 0, "no_genai_spans", f"trace {i}: {len(by_trace[tid])} spans, none with gen_ai "
                              "attributes", json.dumps([s for s, _ in by_trace[tid]][:3]).encode()[:4096])
        else:
            yield Outcome(line=i, offset=0, events=events)
