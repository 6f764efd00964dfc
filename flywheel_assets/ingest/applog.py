"""Line-oriented application logs (``FORMAT = "applog"``), one record per log line.

Accepted line shapes::

    2026-11-20T09:15:02Z INFO llm.chat event=user_message session=s1 user=u42 text="where is my order?"
    [2026-11-20 09:15:03,120] info: tool called event=tool_call session=s1 tool=lookup_order args='{"id": 7}'
    {"ts": "2026-11-20T09:15:04Z", "level": "info", "msg": "llm reply", "event": "assistant_message", ...}

Key=value pairs (bare, ``"double"`` or ``'single'`` quoted, backslash escapes) follow the free-text message.
A line becomes events when it describes an LLM interaction:

- ``event``/``type``/``kind`` names it (user_message, assistant_message, tool_call, tool_result, error, feedback,
  system, and common aliases such as prompt/completion/llm_request/llm_response/function_call/tool_response);
- or, without such a key, it carries ``prompt``/``response`` (one line -> user + assistant events), a ``tool`` key,
  or ``thumbs``/``rating``;
- ERROR/CRITICAL/FATAL lines that mention the model/LLM/tool (or carry session/model/tool keys) -> ``error`` events.

Keys: ``session``/``session_id``/``conversation_id``/``thread_id``, ``user``/``user_id`` (keyed hash only; the raw
id is never stored), ``text``/``content``/``prompt``/``response``/``message``, ``tool``, ``args``, ``call_id``,
``latency_ms``, ``model``, ``thumbs``, ``rating``, ``status``, ``outcome``, ``reward``, ``consent``; anything
else -> attributes. Tool results link to the latest unanswered call of the same session (by ``call_id`` when
given, else by tool name); feedback links to the session's latest assistant event in the same file.
A session id may be missing (segmentation stitches by user + time gap). ``event=error`` lines naming a ``tool`` /
``call_id`` are that call's failed result (``tool_call_id`` + ``parent_event_id`` set, text from ``message=``);
feedback lines may carry the corrected answer as ``edited=``/``edited_response=``. The lines of one assistant
message (its text, then the tool calls logged right after it, e.g. parallel calls one per line) share
``attributes.turn``.

Lines that are not LLM events (``server started``) are quarantined with reason ``non_llm_line`` so they are
counted, never silently dropped; unparseable lines -> ``unparseable_line``. Indented continuation lines
(tracebacks) belong to the record above them.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    SESSION_KEYS,
    USER_KEYS,
    Emitter,
    consent_of,
    derived_call_id,
    first_key,
    is_error_result,
    norm_outcome,
    norm_thumbs,
    to_float,
    to_int,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, decode, loads
from flywheel_assets.schema import stable_id
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "applog"

_LEVELS = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL"
_TS = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"
_LINE_RE = re.compile(
    rf"^\s*(?:\[(?P<ts1>{_TS})\]|(?P<ts2>{_TS}))\s+\[?(?P<level>{_LEVELS})\]?\s*:?\s+(?P<rest>.*)$", re.IGNORECASE)
_KV_RE = re.compile(r"""(?<![\w.-])([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']+)""")
_LLM_WORDS = re.compile(r"\b(llm|model|openai|anthropic|completion|chat|prompt|tool|function|agent|token|gpt|claude|"
                        r"inference|embedding|rate.?limit)\b", re.IGNORECASE)

KIND_ALIASES = {
    "user_message": "user", "user": "user", "prompt": "user", "llm_request": "user", "request": "user",
    "user_input": "user", "query": "user",
    "assistant_message": "assistant", "assistant": "assistant", "completion": "assistant", "response": "assistant",
    "llm_response": "assistant", "model_response": "assistant", "answer": "assistant",
    "tool_call": "tool_call", "tool_use": "tool_call", "function_call": "tool_call", "tool_request": "tool_call",
    "tool_result": "tool_result", "tool_response": "tool_result", "function_result": "tool_result",
    "tool_output": "tool_result", "observation": "tool_result",
    "error": "error", "llm_error": "error", "tool_error": "error", "exception": "error",
    "feedback": "feedback", "rating": "feedback", "thumbs": "feedback", "user_feedback": "feedback",
    "system": "system", "system_prompt": "system",
}
TEXT_KEYS = ("text", "content", "message_text", "output", "input")
_CONSUMED = set(SESSION_KEYS) | set(USER_KEYS) | set(TEXT_KEYS) | {
    "event", "type", "kind", "prompt", "response", "tool", "tool_name", "args", "arguments", "call_id",
    "tool_call_id", "latency_ms", "model", "thumbs", "rating", "status", "outcome", "reward", "consent", "level",
    "msg", "message", "result", "ts", "time", "timestamp", "@timestamp", "prompt_tokens", "completion_tokens",
    "edited_response", "edited", "correction", "corrected_response",
}


def sniff(head: str, rel: str) -> float:
    lines = [ln for ln in head.splitlines()[:200] if ln.strip()]
    if len(head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]
    if not lines:
        return 0.0
    if lines[0].lstrip().startswith("{"):
        ok = 0
        for ln in lines[:20]:
            try:
                o = json.loads(ln)
            except ValueError:
                continue
            if isinstance(o, dict) and "level" in o and ("msg" in o or "message" in o) and "messages" not in o:
                ok += 1
        return 0.85 * ok / min(len(lines), 20)
    hits = sum(1 for ln in lines if _LINE_RE.match(ln))
    if hits == 0:
        return 0.0
    return min(0.9, 0.3 + 0.6 * hits / len(lines))


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    state = _State()
    pending: tuple[int, int, bytes, list[str]] | None = None  # a record and its continuation lines
    n = 0
    for line_no, offset, raw, err in src.iter_lines():
        if err:
            if pending:
                n += 1
                yield _record(pending, src, ctx, state)
                pending = None
            n += 1
            yield Outcome.bad(line_no, offset, err.split(":")[0], err, raw or b"")
            continue
        if not raw.strip():
            continue
        try:
            text = decode(raw)
        except Quarantine as q:
            if pending:
                n += 1
                yield _record(pending, src, ctx, state)
                pending = None
            n += 1
            yield Outcome.bad(line_no, offset, q.reason, q.detail, raw)
            continue
        if pending and _continues(text, pending[3]):
            pending[3].append(text)
            continue
        if pending:
            n += 1
            yield _record(pending, src, ctx, state)
        pending = (line_no, offset, raw, [text])
    if pending:
        n += 1
        yield _record(pending, src, ctx, state)
    if n == 0:
        yield Outcome.bad(1, 0, "empty_file", "file holds no records")


def _continues(text: str, texts: list[str]) -> bool:
    """An indented line, a 'Traceback' line, or any non-log line once a traceback has started, continues the
    record above it."""
    if _LINE_RE.match(text) or text.lstrip().startswith("{"):
        return False
    return text[:1] in (" ", "\t") or text.startswith("Traceback") or len(texts) > 1


class _State:
    """Per-file linking state (a record's events may point at events of earlier lines)."""

    def __init__(self) -> None:
        self.calls: dict[str | None, list[dict]] = {}  # session -> unanswered tool_call events
        self.last_assistant: dict[str | None, dict] = {}
        self.turn: dict[str, tuple[str, object]] = {}  # session -> (open assistant turn id, its last timestamp)


TURN_WINDOW_S = 2.0  # a tool_call line this close after an assistant/tool_call line of its session joins that turn


def _turn(state: _State, session: str | None, kind: str, ts, src: SourceFile, line: int) -> str | None:
    """``attributes.turn``: the id shared by the log lines of ONE assistant message (its text line and the tool
    calls that follow it with no other event of the session in between, e.g. parallel calls logged one per line).
    Any other event of the session closes the turn. None without a session id."""
    if session is None:
        return None
    if kind not in ("assistant", "tool_call"):
        state.turn.pop(session, None)
        return None
    prev = state.turn.get(session)
    if kind == "tool_call" and prev is not None and (
            ts is None or prev[1] is None or 0 <= (ts - prev[1]).total_seconds() <= TURN_WINDOW_S):
        tid = prev[0]
    else:
        tid = "turn_" + stable_id("turn", src.rel, line, length=16)
    state.turn[session] = (tid, ts)
    return tid


def _record(rec, src: SourceFile, ctx: IngestContext, state: _State) -> Outcome:
    line, offset, raw, texts = rec
    try:
        return _parse_line(texts, src, ctx, state, line, offset)
    except Quarantine as q:
        return Outcome.bad(line, offset, q.reason, q.detail, raw)
    except Exception as exc:  # noqa: BLE001
        return Outcome.bad(line, offset, "parser_error", f"{type(exc).__name__}: {exc}"[:300], raw)


_SQ_ESC = re.compile(r"(?<!\\)((?:\\\\)*)\\u0027")


def _unquote(v: str) -> str:
    """A key=value value without its quotes. ``"..."`` that is a JSON string literal is decoded as JSON (so
    ``\\uXXXX``, ``\\"`` and ``\\\\`` come out right); ``'...'`` holding JSON with ``'`` written ``\\u0027`` keeps
    the JSON text (only that escape undone). Anything else: backslash escapes are dropped (``\\n``/``\\t`` kept)."""
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        inner = v[1:-1]
        if v[0] == '"':
            try:
                out = json.loads(v)
            except ValueError:
                out = None
            if isinstance(out, str):
                return out
        elif inner[:1] in "{[" and "\\" in inner:
            cand = _SQ_ESC.sub(lambda m: m.group(1) + "'", inner)
            try:
                json.loads(cand)
                return cand
            except ValueError:
                pass
        elif inner[:1] in "{[":
            return inner
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), inner)
    return v


def _fields(texts: list[str]) -> tuple[dict, str | None, str, str]:
    """-> (fields, timestamp string, level, free-text message)."""
    first = texts[0]
    cont = "\n".join(texts[1:])
    if first.lstrip().startswith("{"):
        obj = loads(first)
        if not isinstance(obj, dict):
            raise Quarantine("wrong_type:record", "JSON log line is not an object")
        fields = dict(obj)
        for nest in ("fields", "extra", "data", "attributes"):
            if isinstance(fields.get(nest), dict):
                inner = fields.pop(nest)
                for k, v in inner.items():
                    fields.setdefault(k, v)
        ts = fields.get("ts", fields.get("time", fields.get("timestamp", fields.get("@timestamp"))))
        level = str(fields.get("level", fields.get("severity", ""))).upper()
        msg = fields.get("msg", fields.get("message"))
        msg = msg if isinstance(msg, str) else ""
        if cont:
            fields["continuation"] = cont
        return fields, ts, level, msg
    m = _LINE_RE.match(first)
    if not m and first.lstrip().startswith("["):
        loads(first)  # invalid_json when it is not JSON either
        raise Quarantine("wrong_type:record", "JSON log line is not an object")
    if not m:
        raise Quarantine("unparseable_line", "not '<timestamp> <LEVEL> message k=v' nor a JSON log line")
    rest = m.group("rest")
    fields = {k: _unquote(v) for k, v in _KV_RE.findall(rest)}
    kv = _KV_RE.search(rest)
    msg = (rest[: kv.start()] if kv else rest).strip()
    if cont:
        fields["continuation"] = cont
    return fields, m.group("ts1") or m.group("ts2"), m.group("level").upper(), msg


def _parse_line(texts, src, ctx, state: _State, line: int, offset: int) -> Outcome:
    fields, ts_raw, level, msg = _fields(texts)
    _, kind_raw = first_key(fields, ("event", "type", "kind"))
    kind = KIND_ALIASES.get(str(kind_raw).strip().lower()) if kind_raw is not None else None
    is_error_level = level in ("ERROR", "CRITICAL", "FATAL")
    has_llm_keys = any(k in fields for k in ("session", "session_id", "model", "tool", "tool_name", "conversation_id"))
    if kind is None:
        if kind_raw is not None and not is_error_level:
            raise Quarantine("non_llm_line", f"event type {str(kind_raw)[:40]!r} is not an LLM event")
        if is_error_level and (has_llm_keys or _LLM_WORDS.search(msg or "")):
            kind = "error"
        elif "prompt" in fields or "response" in fields:
            kind = "exchange"
        elif "tool" in fields or "tool_name" in fields:
            kind = "tool_result" if any(k in fields for k in ("result", "output")) else "tool_call"
        elif "thumbs" in fields or "rating" in fields:
            kind = "feedback"
        else:
            raise Quarantine("non_llm_line", "log line does not describe an LLM event")

    _, sid = first_key(fields, SESSION_KEYS)
    session = str(sid) if sid is not None and not isinstance(sid, (dict, list)) else None
    _, uid = first_key(fields, USER_KEYS)
    user_hash = ctx.hash_user(uid) if isinstance(uid, (str, int)) and not isinstance(uid, bool) else None
    consent, purposes = consent_of(fields.get("consent"))
    model = fields.get("model") if isinstance(fields.get("model"), str) else None
    attrs = {k: v for k, v in sorted(fields.items()) if k not in _CONSUMED and v is not None}
    if msg:
        attrs["log_message"] = msg
    if level:
        attrs["level"] = level.lower()
    em = Emitter(src, FORMAT, line, offset, session_id=session, user_hash=user_hash, consent_training=consent,
                 purposes=purposes, timestamp=parse_timestamp(ts_raw), model=model)
    _, text = first_key(fields, TEXT_KEYS)
    text = text if isinstance(text, str) else (None if text is None else json.dumps(text, ensure_ascii=False))
    perf = dict(latency_ms=to_float(fields.get("latency_ms")), prompt_tokens=to_int(fields.get("prompt_tokens")),
                completion_tokens=to_int(fields.get("completion_tokens")))
    turn = _turn(state, session, "tool_call" if kind == "tool_call" else (
        "assistant" if kind in ("assistant", "exchange") else kind), em.defaults.get("timestamp"), src, line)
    if turn is not None and kind in ("assistant", "tool_call"):
        attrs["turn"] = turn
    status_raw = fields.get("status")
    tool = fields.get("tool", fields.get("tool_name"))
    tool = str(tool) if tool is not None else None

    if kind == "exchange":
        em.emit("user", content=str(fields.get("prompt", "")), attributes=attrs or None)
        if "response" in fields:
            ev = em.emit("assistant", content=str(fields["response"]), **perf)
            state.last_assistant[session] = ev
    elif kind in ("user", "system"):
        em.emit(kind, content=text if text is not None else str(fields.get("prompt", "")), attributes=attrs or None)
    elif kind == "assistant":
        content = text if text is not None else str(fields.get("response", ""))
        ev = em.emit("assistant", content=content, attributes=attrs or None, **perf)
        state.last_assistant[session] = ev
    elif kind == "tool_call":
        args = fields.get("args", fields.get("arguments"))
        cid = fields.get("call_id", fields.get("tool_call_id"))
        cid = str(cid) if cid is not None else derived_call_id(src, line, 0)
        ev = em.emit("tool_call", tool_name=tool or "unknown", tool_call_id=cid,
                     tool_arguments=args if args is not None else {}, attributes=attrs or None, **perf)
        state.calls.setdefault(session, []).append(ev)
    elif kind == "tool_result":
        cid = fields.get("call_id", fields.get("tool_call_id"))
        calls = state.calls.get(session, [])
        call = None
        if cid is not None:
            call = next((c for c in calls if c["tool_call_id"] == str(cid)), None)
        if call is None and cid is None:
            call = next((c for c in reversed(calls) if tool is None or c["tool_name"] == tool), None)
        if call is not None:
            calls.remove(call)
        else:
            attrs["orphan_result"] = True
        content = text if text is not None else str(fields.get("result", fields.get("output", "")))
        bad = (str(status_raw).lower() in ("error", "failed", "failure") if status_raw is not None else False) or \
            is_error_result(content) or is_error_level
        em.emit("tool_result", content=content, tool_name=tool or (call["tool_name"] if call else None),
                tool_call_id=str(cid) if cid is not None else (call["tool_call_id"] if call else None),
                parent_event_id=call["event_id"] if call else None, status="error" if bad else "ok",
                attributes=attrs or None, **perf)
    elif kind == "error":
        message = fields.get("message")
        content = text or (message if isinstance(message, str) and message else None) or msg or ""
        if fields.get("continuation"):
            content = (content + "\n" + fields["continuation"]).strip()
            attrs.pop("continuation", None)
        # a failed tool call (``tool=`` + ``call_id=``, or a tool with an open call): its result is this error
        cid = fields.get("call_id", fields.get("tool_call_id"))
        call = None
        if tool is not None or cid is not None:
            calls = state.calls.get(session, [])
            if cid is not None:
                call = next((c for c in calls if c["tool_call_id"] == str(cid)), None)
            elif tool is not None:
                call = next((c for c in reversed(calls) if c["tool_name"] == tool), None)
            if call is not None:
                calls.remove(call)
        em.emit("error", content=content, tool_name=tool or (call["tool_name"] if call else None),
                tool_call_id=str(cid) if cid is not None else (call["tool_call_id"] if call else None),
                parent_event_id=call["event_id"] if call else None, status="error", attributes=attrs or None,
                **perf)
    elif kind == "feedback":
        target = state.last_assistant.get(session)
        _, edited = first_key(fields, ("edited_response", "edited", "correction", "corrected_response"))
        em.emit("feedback", content=edited if isinstance(edited, str) and edited else None,
                feedback_thumbs=norm_thumbs(fields.get("thumbs")), feedback_rating=to_float(fields.get("rating")),
                outcome=norm_outcome(fields.get("outcome")), reward=to_float(fields.get("reward")),
                parent_event_id=target["event_id"] if target else None, attributes=attrs or None)
    if status_raw is not None and kind not in ("tool_result", "error"):
        attrs_status = str(status_raw).lower()
        for ev in em.events:
            if attrs_status in ("error", "failed", "failure", "timeout"):
                ev["status"] = "error"
    return em.outcome()
