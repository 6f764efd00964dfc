"""Streaming-response reassembly: SSE / NDJSON bodies recorded as raw text -> one whole assistant message.

Pure functions, no I/O, never raise on any input. Supported stream dialects (detected from the payloads):

- ``openai_chat``: ``chat.completion.chunk`` deltas (OpenAI, Azure, Groq, Mistral, DeepSeek, vLLM), including
  ``tool_calls`` argument deltas merged by ``index`` and legacy ``function_call`` deltas
- ``openai_completion``: legacy ``text_completion`` chunks (``choices[].text``)
- ``anthropic``: ``message_start`` / ``content_block_start`` / ``content_block_delta`` (``text_delta``,
  ``input_json_delta``) / ``message_delta`` / ``message_stop`` (also Bedrock-invoke Anthropic streams)
- ``responses``: OpenAI Responses API events (``response.output_text.delta``, ``response.output_item.*``,
  ``response.function_call_arguments.delta``, ``response.completed``)
- ``cohere_v2``: ``message-start`` / ``content-delta`` / ``tool-plan-delta`` / ``tool-call-start|delta|end`` /
  ``message-end``
- ``cohere_v1``: NDJSON ``event_type`` objects (``text-generation``, ``tool-calls-generation``, ``stream-end``)
- ``ollama``: NDJSON objects with ``message`` (``/api/chat``) or ``response`` (``/api/generate``) and ``done``
- ``bedrock_converse``: Bedrock ``converse-stream`` events once decoded from the binary event stream
  (``contentBlockStart`` / ``contentBlockDelta`` / ``messageStop`` / ``metadata``), NDJSON or a JSON list

A stream that never reaches its terminal marker (``[DONE]``, ``message_stop``, ``response.completed``,
``message-end``, ``stream-end``, ``done: true`` or a finish reason) is returned with ``complete=False``: what was
received is kept and the caller marks the reply ``truncated``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable


@dataclass
class StreamToolCall:
    id: str | None
    name: str | None
    arguments: str  # the concatenated argument text (a JSON string when the stream finished cleanly)


@dataclass
class Reassembled:
    """One streamed reply put back together."""

    dialect: str | None  # which stream family was recognised (None: not a stream we know)
    text: str = ""
    tool_calls: list[StreamToolCall] = field(default_factory=list)
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    complete: bool = False  # a terminal marker / finish reason was seen
    n_chunks: int = 0
    n_bad_chunks: int = 0  # data lines that were not valid JSON (cut mid-line, garbage)
    error: str | None = None  # an in-stream error event's message
    response: dict | None = None  # Responses API: the final response object from response.completed


def parse_sse(text: str) -> list[tuple[str | None, str]]:
    """Split an SSE body into (event name, data) pairs per the WHATWG rules: events end at a blank line,
    multi-line ``data:`` fields are joined with newlines, ``:`` comment lines and unknown fields are ignored.
    A trailing event without its blank line is still returned (streams cut mid-way)."""
    out: list[tuple[str | None, str]] = []
    if not isinstance(text, str):
        return out
    event: str | None = None
    data: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                out.append((event, "\n".join(data)))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            event = value.strip() or None
        elif name == "data":
            data.append(value)
    if data:
        out.append((event, "\n".join(data)))
    return out


def parse_ndjson(text: str) -> tuple[list[dict], int]:
    """Objects from a newline-delimited JSON body and the number of non-blank lines that did not parse."""
    objs: list[dict] = []
    bad = 0
    if not isinstance(text, str):
        return objs, bad
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        try:
            v = json.loads(s)
        except (ValueError, RecursionError):
            bad += 1
            continue
        if isinstance(v, dict):
            objs.append(v)
        else:
            bad += 1
    return objs, bad


def looks_like_stream(text: Any) -> bool:
    """True when a text body looks like SSE or NDJSON chunks rather than one JSON document / plain text."""
    if not isinstance(text, str):
        return False
    s = text.lstrip()
    if s.startswith("data:") or s.startswith("event:"):
        return True
    if s.startswith("{"):
        first = s.split("\n", 1)
        if len(first) == 2 and first[1].strip().startswith("{"):
            return True
    return False


def reassemble(text: str) -> Reassembled:
    """Detect the dialect of a recorded stream body and rebuild the reply. Never raises."""
    try:
        return _reassemble(text)
    except Exception as exc:  # defensive: a malformed chunk shape must not crash ingest
        r = Reassembled(dialect=None)
        r.error = f"reassembly_failed:{type(exc).__name__}"
        return r


def _reassemble(text: str) -> Reassembled:
    if not isinstance(text, str) or not text.strip():
        return Reassembled(dialect=None)
    s = text.lstrip()
    if s.startswith("data:") or s.startswith("event:") or "\ndata:" in s[:4096]:
        pairs = parse_sse(text)
        chunks: list[tuple[str | None, Any]] = []
        bad = 0
        done = False
        for ev, data in pairs:
            if data.strip() == "[DONE]":
                done = True
                continue
            try:
                chunks.append((ev, json.loads(data)))
            except (ValueError, RecursionError):
                bad += 1
        r = _dispatch_sse(chunks)
        r.n_bad_chunks += bad
        if done:
            r.complete = True
        return r
    objs, bad = parse_ndjson(text)
    r = _dispatch_ndjson(objs)
    r.n_bad_chunks += bad
    return r


def _dispatch_sse(chunks: list[tuple[str | None, Any]]) -> Reassembled:
    types = set()
    for ev, obj in chunks:
        if isinstance(obj, dict):
            t = obj.get("type") or ev
            if isinstance(t, str):
                types.add(t)
            if isinstance(obj.get("object"), str):
                types.add(obj["object"])
    objs = [o for _, o in chunks if isinstance(o, dict)]
    if any(t.startswith("response.") for t in types):
        return reassemble_responses(objs)
    if types & {"message_start", "content_block_start", "content_block_delta", "message_stop"}:
        return reassemble_anthropic(objs)
    if types & {"message-start", "content-delta", "tool-call-start", "message-end", "tool-plan-delta"}:
        return reassemble_cohere_v2(objs)
    if "text_completion" in types or (objs and all(_is_completion_chunk(o) for o in objs if o.get("choices"))
                                      and any(o.get("choices") for o in objs)):
        return reassemble_openai_completion(objs)
    if any(isinstance(o.get("choices"), list) for o in objs):
        return reassemble_openai_chat(objs)
    if any(isinstance(o.get("event_type"), str) for o in objs):
        return reassemble_cohere_v1(objs)
    if any("done" in o and ("message" in o or "response" in o) for o in objs):
        return reassemble_ollama(objs)
    r = Reassembled(dialect=None, n_chunks=len(chunks))
    for o in objs:
        if "error" in o:
            r.error = _err_text(o["error"])
    return r


def _dispatch_ndjson(objs: list[dict]) -> Reassembled:
    if is_converse_stream(objs):
        return reassemble_converse(objs)
    if any(isinstance(o.get("event_type"), str) for o in objs):
        return reassemble_cohere_v1(objs)
    if any("done" in o and ("message" in o or "response" in o) for o in objs):
        return reassemble_ollama(objs)
    if any(isinstance(o.get("choices"), list) for o in objs):
        return reassemble_openai_chat(objs)
    r = Reassembled(dialect=None, n_chunks=len(objs))
    for o in objs:
        if "error" in o:
            r.error = _err_text(o["error"])
    return r


def _is_completion_chunk(o: dict) -> bool:
    ch = o.get("choices")
    return isinstance(ch, list) and all(isinstance(c, dict) and "text" in c and "delta" not in c for c in ch)


def _err_text(err: Any) -> str:
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or json.dumps(err, sort_keys=True))[:2000]
    return str(err)[:2000]


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    return None


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


class _Calls:
    """Tool calls assembled from fragments keyed by a stream index (or item id)."""

    def __init__(self):
        self.order: list[Any] = []
        self.by: dict[Any, dict] = {}

    def get(self, key: Any) -> dict:
        if key not in self.by:
            self.by[key] = {"id": None, "name": None, "args": []}
            self.order.append(key)
        return self.by[key]

    def result(self) -> list[StreamToolCall]:
        out = []
        for k in self.order:
            c = self.by[k]
            out.append(StreamToolCall(id=c["id"], name=c["name"], arguments="".join(c["args"])))
        return out


def reassemble_openai_chat(chunks: Iterable[dict]) -> Reassembled:
    """``chat.completion.chunk`` stream; only choice index 0 is rebuilt (n>1 streams keep their first choice)."""
    r = Reassembled(dialect="openai_chat")
    text: list[str] = []
    calls = _Calls()
    for o in chunks:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        if isinstance(o.get("model"), str) and o["model"]:
            r.model = o["model"]
        if "error" in o and o["error"]:
            r.error = _err_text(o["error"])
        usage = o.get("usage")
        if not isinstance(usage, dict) and isinstance(o.get("x_groq"), dict):
            usage = o["x_groq"].get("usage")
        if isinstance(usage, dict):
            r.prompt_tokens = _int(usage.get("prompt_tokens")) if usage.get("prompt_tokens") is not None else r.prompt_tokens
            r.completion_tokens = (_int(usage.get("completion_tokens"))
                                   if usage.get("completion_tokens") is not None else r.completion_tokens)
        for ch in o.get("choices") or []:
            if not isinstance(ch, dict) or (ch.get("index", 0) or 0) != 0:
                continue
            d = ch.get("delta") or ch.get("message") or {}
            if isinstance(d, dict):
                if isinstance(d.get("content"), str):
                    text.append(d["content"])
                fc = d.get("function_call")
                if isinstance(fc, dict):
                    c = calls.get("function_call")
                    c["name"] = c["name"] or fc.get("name")
                    c["args"].append(_str(fc.get("arguments")))
                for tc in d.get("tool_calls") or []:
                    if not isinstance(tc, dict):
                        continue
                    c = calls.get(tc.get("index", 0))
                    if tc.get("id"):
                        c["id"] = tc["id"]
                    fn = tc.get("function") or {}
                    if isinstance(fn, dict):
                        if fn.get("name"):
                            c["name"] = fn["name"]
                        args = fn.get("arguments")
                        c["args"].append(args if isinstance(args, str) else (json.dumps(args) if args else ""))
            if ch.get("finish_reason"):
                r.finish_reason = str(ch["finish_reason"])
                r.complete = True
    r.text = "".join(text)
    r.tool_calls = calls.result()
    return r


def reassemble_openai_completion(chunks: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="openai_completion")
    text: list[str] = []
    for o in chunks:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        if isinstance(o.get("model"), str) and o["model"]:
            r.model = o["model"]
        usage = o.get("usage")
        if isinstance(usage, dict):
            r.prompt_tokens = _int(usage.get("prompt_tokens"))
            r.completion_tokens = _int(usage.get("completion_tokens"))
        for ch in o.get("choices") or []:
            if not isinstance(ch, dict) or (ch.get("index", 0) or 0) != 0:
                continue
            text.append(_str(ch.get("text")))
            if ch.get("finish_reason"):
                r.finish_reason = str(ch["finish_reason"])
                r.complete = True
    r.text = "".join(text)
    return r


def reassemble_anthropic(events: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="anthropic")
    blocks: dict[int, dict] = {}
    order: list[int] = []

    def block(i: Any) -> dict:
        i = i if isinstance(i, int) else 0
        if i not in blocks:
            blocks[i] = {"type": "text", "text": [], "id": None, "name": None, "json": [], "input": None}
            order.append(i)
        return blocks[i]

    for o in events:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        t = o.get("type")
        if t == "message_start":
            m = o.get("message") or {}
            if isinstance(m, dict):
                r.model = m.get("model") or r.model
                u = m.get("usage") or {}
                if isinstance(u, dict):
                    r.prompt_tokens = _int(u.get("input_tokens"))
                    r.completion_tokens = _int(u.get("output_tokens"))
        elif t == "content_block_start":
            b = block(o.get("index"))
            cb = o.get("content_block") or {}
            if isinstance(cb, dict):
                b["type"] = cb.get("type") or "text"
                if b["type"] == "text":
                    b["text"].append(_str(cb.get("text")))
                elif b["type"] == "tool_use":
                    b["id"], b["name"] = cb.get("id"), cb.get("name")
                    if isinstance(cb.get("input"), dict) and cb["input"]:
                        b["input"] = cb["input"]
        elif t == "content_block_delta":
            b = block(o.get("index"))
            d = o.get("delta") or {}
            if isinstance(d, dict):
                if d.get("type") == "text_delta":
                    b["text"].append(_str(d.get("text")))
                elif d.get("type") == "input_json_delta":
                    b["json"].append(_str(d.get("partial_json")))
        elif t == "message_delta":
            d = o.get("delta") or {}
            if isinstance(d, dict) and d.get("stop_reason"):
                r.finish_reason = str(d["stop_reason"])
            u = o.get("usage") or {}
            if isinstance(u, dict) and u.get("output_tokens") is not None:
                r.completion_tokens = _int(u.get("output_tokens"))
        elif t == "message_stop":
            r.complete = True
        elif t == "error":
            r.error = _err_text(o.get("error"))
    text = []
    for i in order:
        b = blocks[i]
        if b["type"] == "text":
            text.append("".join(b["text"]))
        elif b["type"] == "tool_use":  # server_tool_use / *_tool_result blocks are run by the API: not app calls
            args = "".join(b["json"])
            if not args and b["input"] is not None:
                args = json.dumps(b["input"])
            r.tool_calls.append(StreamToolCall(id=b["id"], name=b["name"], arguments=args or "{}"))
    r.text = "".join(text)
    return r


def reassemble_responses(events: Iterable[dict]) -> Reassembled:
    """Responses API stream. The final ``response.completed`` object is authoritative when present (kept in
    ``.response`` for the caller's non-stream parser); otherwise items are rebuilt from the deltas."""
    r = Reassembled(dialect="responses")
    text: list[str] = []
    calls = _Calls()
    done_items: dict[Any, dict] = {}
    for o in events:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        t = o.get("type") or ""
        if t in ("response.created", "response.in_progress", "response.completed", "response.incomplete",
                 "response.failed"):
            resp = o.get("response") or {}
            if isinstance(resp, dict):
                r.model = resp.get("model") or r.model
                if t != "response.created" and t != "response.in_progress":
                    r.response = resp
                    r.complete = True
                    r.finish_reason = resp.get("status") or t.split(".", 1)[1]
                    if isinstance(resp.get("error"), dict):
                        r.error = _err_text(resp["error"])
                    u = resp.get("usage") or {}
                    if isinstance(u, dict):
                        r.prompt_tokens = _int(u.get("input_tokens"))
                        r.completion_tokens = _int(u.get("output_tokens"))
        elif t == "response.output_text.delta":
            text.append(_str(o.get("delta")))
        elif t == "response.output_item.added":
            item = o.get("item") or {}
            if isinstance(item, dict) and item.get("type") == "function_call":
                c = calls.get(item.get("id") or o.get("output_index"))
                c["id"] = item.get("call_id") or item.get("id")
                c["name"] = item.get("name")
                if item.get("arguments"):
                    c["args"].append(_str(item.get("arguments")))
        elif t == "response.function_call_arguments.delta":
            c = calls.get(o.get("item_id") or o.get("output_index"))
            c["args"].append(_str(o.get("delta")))
        elif t == "response.output_item.done":
            item = o.get("item") or {}
            if isinstance(item, dict):
                done_items[item.get("id") or o.get("output_index")] = item
        elif t == "error":
            r.error = _err_text(o.get("error") or o.get("message") or o)
    r.text = "".join(text)
    tool_calls = calls.result()
    # a finished item carries the whole argument string: prefer it over the concatenated deltas
    for key, c in zip(calls.order, tool_calls):
        item = done_items.get(key)
        if isinstance(item, dict) and isinstance(item.get("arguments"), str):
            c.arguments = item["arguments"]
    r.tool_calls = tool_calls
    return r


def reassemble_cohere_v2(events: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="cohere_v2")
    text: list[str] = []
    plan: list[str] = []
    calls = _Calls()
    for o in events:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        t = o.get("type")
        d = o.get("delta") or {}
        m = d.get("message") if isinstance(d, dict) else None
        m = m if isinstance(m, dict) else {}
        if t == "content-delta":
            c = m.get("content") or {}
            if isinstance(c, dict):
                text.append(_str(c.get("text")))
        elif t == "tool-plan-delta":
            plan.append(_str(m.get("tool_plan")))
        elif t in ("tool-call-start", "tool-call-delta"):
            tc = m.get("tool_calls") or {}
            if isinstance(tc, dict):
                c = calls.get(o.get("index", 0))
                if tc.get("id"):
                    c["id"] = tc["id"]
                fn = tc.get("function") or {}
                if isinstance(fn, dict):
                    if fn.get("name"):
                        c["name"] = fn["name"]
                    c["args"].append(_str(fn.get("arguments")))
        elif t == "message-end":
            r.complete = True
            if isinstance(d, dict):
                if d.get("finish_reason"):
                    r.finish_reason = str(d["finish_reason"])
                if d.get("error"):
                    r.error = _err_text(d["error"])
                _cohere_usage(r, d.get("usage"))
    r.text = "".join(text)
    r.tool_calls = calls.result()
    if not r.text and plan and not r.tool_calls:
        r.text = "".join(plan)
    return r


def _cohere_usage(r: Reassembled, usage) -> None:
    """Token counts from a Cohere usage/meta block (``tokens`` or ``billed_units``), v1 and v2 alike."""
    toks = (usage.get("tokens") or usage.get("billed_units") or {}) if isinstance(usage, dict) else {}
    if isinstance(toks, dict):
        r.prompt_tokens = _int(toks.get("input_tokens"))
        r.completion_tokens = _int(toks.get("output_tokens"))


def reassemble_cohere_v1(objs: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="cohere_v1")
    text: list[str] = []
    for o in objs:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        t = o.get("event_type")
        if t == "text-generation":
            text.append(_str(o.get("text")))
        elif t == "tool-calls-generation":
            for i, tc in enumerate(o.get("tool_calls") or []):
                if isinstance(tc, dict):
                    r.tool_calls.append(StreamToolCall(id=None, name=tc.get("name"),
                                                       arguments=json.dumps(tc.get("parameters") or {})))
        elif t == "stream-end":
            r.complete = True
            r.finish_reason = o.get("finish_reason") or r.finish_reason
            resp = o.get("response") or {}
            if isinstance(resp, dict):
                _cohere_usage(r, resp.get("meta"))
                if not text and isinstance(resp.get("text"), str):
                    text.append(resp["text"])
        elif t == "stream-error" or "error" in o:
            r.error = _err_text(o.get("error") or o.get("text") or "stream-error")
    r.text = "".join(text)
    return r


def reassemble_ollama(objs: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="ollama")
    text: list[str] = []
    for o in objs:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        r.model = o.get("model") or r.model
        m = o.get("message")
        if isinstance(m, dict):
            text.append(_str(m.get("content")))
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") if isinstance(tc, dict) else None
                if isinstance(fn, dict):
                    args = fn.get("arguments")
                    r.tool_calls.append(StreamToolCall(id=tc.get("id"), name=fn.get("name"),
                                                       arguments=args if isinstance(args, str) else json.dumps(args or {})))
        elif isinstance(o.get("response"), str):
            text.append(o["response"])
        if o.get("error"):
            r.error = _err_text(o["error"])
        if o.get("done") is True:
            r.complete = True
            r.finish_reason = o.get("done_reason") or "stop"
            r.prompt_tokens = _int(o.get("prompt_eval_count"))
            r.completion_tokens = _int(o.get("eval_count"))
    r.text = "".join(text)
    return r


CONVERSE_EVENTS = ("messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
                   "metadata")


def is_converse_stream(objs: Any) -> bool:
    """True for a list of decoded Bedrock ConverseStream events (``{"contentBlockDelta": {...}}``, ...)."""
    return (isinstance(objs, list) and bool(objs) and all(isinstance(o, dict) for o in objs)
            and any(k in o for o in objs for k in CONVERSE_EVENTS[:5]))


def reassemble_converse(events: Iterable[dict]) -> Reassembled:
    """Bedrock ``converse-stream`` events as a gateway logs them once decoded from the binary AWS event stream:
    text and ``toolUse`` input deltas per ``contentBlockIndex``, ``messageStop.stopReason``, ``metadata.usage``;
    an ``...Exception`` event is an in-stream error. Complete when ``messageStop`` was seen."""
    r = Reassembled(dialect="bedrock_converse")
    text: list[str] = []
    calls = _Calls()
    for o in events:
        if not isinstance(o, dict):
            continue
        r.n_chunks += 1
        if isinstance(o.get("contentBlockStart"), dict):
            st = o["contentBlockStart"]
            tu = (st.get("start") or {}).get("toolUse") if isinstance(st.get("start"), dict) else None
            if isinstance(tu, dict):
                c = calls.get(st.get("contentBlockIndex", 0))
                c["id"], c["name"] = tu.get("toolUseId"), tu.get("name")
        elif isinstance(o.get("contentBlockDelta"), dict):
            d = o["contentBlockDelta"]
            delta = d.get("delta") if isinstance(d.get("delta"), dict) else {}
            if isinstance(delta.get("text"), str):
                text.append(delta["text"])
            elif isinstance(delta.get("toolUse"), dict):
                calls.get(d.get("contentBlockIndex", 0))["args"].append(_str(delta["toolUse"].get("input")))
        elif isinstance(o.get("messageStop"), dict):
            r.complete = True
            r.finish_reason = o["messageStop"].get("stopReason") or r.finish_reason
        elif isinstance(o.get("metadata"), dict):
            u = o["metadata"].get("usage")
            if isinstance(u, dict):
                r.prompt_tokens, r.completion_tokens = _int(u.get("inputTokens")), _int(u.get("outputTokens"))
        else:
            exc = next((k for k in o if k.endswith("Exception")), None)
            if exc:
                r.error = f"{exc}: {_err_text(o[exc])}"
    r.text = "".join(text)
    r.tool_calls = [c if c.arguments else StreamToolCall(c.id, c.name, "{}") for c in calls.result()]
    return r
