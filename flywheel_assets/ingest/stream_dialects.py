"""One reassembler per stream dialect (see :mod:`flywheel_assets.ingest.sse` for the list and the detection):
each takes the decoded chunk objects of one recorded stream and rebuilds the whole reply as a
:class:`~flywheel_assets.ingest.stream_parts.Reassembled`. Pure functions, no I/O, never raise on any chunk shape."""

from __future__ import annotations

import json
from typing import Any, Iterable

from flywheel_assets.ingest.stream_parts import (Reassembled, StreamToolCall, ToolCallParts, counted_dicts, err_text,
                                                 int_or_none, str_or_empty)


def reassemble_openai_chat(chunks: Iterable[dict]) -> Reassembled:
    """``chat.completion.chunk`` stream; only choice index 0 is rebuilt (n>1 streams keep their first choice)."""
    r = Reassembled(dialect="openai_chat")
    text: list[str] = []
    calls = ToolCallParts()
    for o in counted_dicts(r, chunks):
        if isinstance(o.get("model"), str) and o["model"]:
            r.model = o["model"]
        if "error" in o and o["error"]:
            r.error = err_text(o["error"])
        usage = o.get("usage")
        if not isinstance(usage, dict) and isinstance(o.get("x_groq"), dict):
            usage = o["x_groq"].get("usage")
        if isinstance(usage, dict):
            if usage.get("prompt_tokens") is not None:
                r.prompt_tokens = int_or_none(usage.get("prompt_tokens"))
            r.completion_tokens = (int_or_none(usage.get("completion_tokens"))
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
                    c["args"].append(str_or_empty(fc.get("arguments")))
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
    for o in counted_dicts(r, chunks):
        if isinstance(o.get("model"), str) and o["model"]:
            r.model = o["model"]
        usage = o.get("usage")
        if isinstance(usage, dict):
            r.prompt_tokens = int_or_none(usage.get("prompt_tokens"))
            r.completion_tokens = int_or_none(usage.get("completion_tokens"))
        for ch in o.get("choices") or []:
            if not isinstance(ch, dict) or (ch.get("index", 0) or 0) != 0:
                continue
            text.append(str_or_empty(ch.get("text")))
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

    for o in counted_dicts(r, events):
        t = o.get("type")
        if t == "message_start":
            m = o.get("message") or {}
            if isinstance(m, dict):
                r.model = m.get("model") or r.model
                u = m.get("usage") or {}
                if isinstance(u, dict):
                    r.prompt_tokens = int_or_none(u.get("input_tokens"))
                    r.completion_tokens = int_or_none(u.get("output_tokens"))
        elif t == "content_block_start":
            b = block(o.get("index"))
            cb = o.get("content_block") or {}
            if isinstance(cb, dict):
                b["type"] = cb.get("type") or "text"
                if b["type"] == "text":
                    b["text"].append(str_or_empty(cb.get("text")))
                elif b["type"] == "tool_use":
                    b["id"], b["name"] = cb.get("id"), cb.get("name")
                    if isinstance(cb.get("input"), dict) and cb["input"]:
                        b["input"] = cb["input"]
        elif t == "content_block_delta":
            b = block(o.get("index"))
            d = o.get("delta") or {}
            if isinstance(d, dict):
                if d.get("type") == "text_delta":
                    b["text"].append(str_or_empty(d.get("text")))
                elif d.get("type") == "input_json_delta":
                    b["json"].append(str_or_empty(d.get("partial_json")))
        elif t == "message_delta":
            d = o.get("delta") or {}
            if isinstance(d, dict) and d.get("stop_reason"):
                r.finish_reason = str(d["stop_reason"])
            u = o.get("usage") or {}
            if isinstance(u, dict) and u.get("output_tokens") is not None:
                r.completion_tokens = int_or_none(u.get("output_tokens"))
        elif t == "message_stop":
            r.complete = True
        elif t == "error":
            r.error = err_text(o.get("error"))
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
    calls = ToolCallParts()
    done_items: dict[Any, dict] = {}
    for o in counted_dicts(r, events):
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
                        r.error = err_text(resp["error"])
                    u = resp.get("usage") or {}
                    if isinstance(u, dict):
                        r.prompt_tokens = int_or_none(u.get("input_tokens"))
                        r.completion_tokens = int_or_none(u.get("output_tokens"))
        elif t == "response.output_text.delta":
            text.append(str_or_empty(o.get("delta")))
        elif t == "response.output_item.added":
            item = o.get("item") or {}
            if isinstance(item, dict) and item.get("type") == "function_call":
                c = calls.get(item.get("id") or o.get("output_index"))
                c["id"] = item.get("call_id") or item.get("id")
                c["name"] = item.get("name")
                if item.get("arguments"):
                    c["args"].append(str_or_empty(item.get("arguments")))
        elif t == "response.function_call_arguments.delta":
            c = calls.get(o.get("item_id") or o.get("output_index"))
            c["args"].append(str_or_empty(o.get("delta")))
        elif t == "response.output_item.done":
            item = o.get("item") or {}
            if isinstance(item, dict):
                done_items[item.get("id") or o.get("output_index")] = item
        elif t == "error":
            r.error = err_text(o.get("error") or o.get("message") or o)
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
    calls = ToolCallParts()
    for o in counted_dicts(r, events):
        t = o.get("type")
        d = o.get("delta") or {}
        m = d.get("message") if isinstance(d, dict) else None
        m = m if isinstance(m, dict) else {}
        if t == "content-delta":
            c = m.get("content") or {}
            if isinstance(c, dict):
                text.append(str_or_empty(c.get("text")))
        elif t == "tool-plan-delta":
            plan.append(str_or_empty(m.get("tool_plan")))
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
                    c["args"].append(str_or_empty(fn.get("arguments")))
        elif t == "message-end":
            r.complete = True
            if isinstance(d, dict):
                if d.get("finish_reason"):
                    r.finish_reason = str(d["finish_reason"])
                if d.get("error"):
                    r.error = err_text(d["error"])
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
        r.prompt_tokens = int_or_none(toks.get("input_tokens"))
        r.completion_tokens = int_or_none(toks.get("output_tokens"))


def reassemble_cohere_v1(objs: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="cohere_v1")
    text: list[str] = []
    for o in counted_dicts(r, objs):
        t = o.get("event_type")
        if t == "text-generation":
            text.append(str_or_empty(o.get("text")))
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
            r.error = err_text(o.get("error") or o.get("text") or "stream-error")
    r.text = "".join(text)
    return r


def reassemble_ollama(objs: Iterable[dict]) -> Reassembled:
    r = Reassembled(dialect="ollama")
    text: list[str] = []
    for o in counted_dicts(r, objs):
        r.model = o.get("model") or r.model
        m = o.get("message")
        if isinstance(m, dict):
            text.append(str_or_empty(m.get("content")))
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") if isinstance(tc, dict) else None
                if isinstance(fn, dict):
                    args = fn.get("arguments")
                    r.tool_calls.append(StreamToolCall(id=tc.get("id"), name=fn.get("name"),
                                                       arguments=args if isinstance(args, str) else json.dumps(args or {})))
        elif isinstance(o.get("response"), str):
            text.append(o["response"])
        if o.get("error"):
            r.error = err_text(o["error"])
        if o.get("done") is True:
            r.complete = True
            r.finish_reason = o.get("done_reason") or "stop"
            r.prompt_tokens = int_or_none(o.get("prompt_eval_count"))
            r.completion_tokens = int_or_none(o.get("eval_count"))
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
    calls = ToolCallParts()
    for o in counted_dicts(r, events):
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
                calls.get(d.get("contentBlockIndex", 0))["args"].append(str_or_empty(delta["toolUse"].get("input")))
        elif isinstance(o.get("messageStop"), dict):
            r.complete = True
            r.finish_reason = o["messageStop"].get("stopReason") or r.finish_reason
        elif isinstance(o.get("metadata"), dict):
            u = o["metadata"].get("usage")
            if isinstance(u, dict):
                r.prompt_tokens = int_or_none(u.get("inputTokens"))
                r.completion_tokens = int_or_none(u.get("outputTokens"))
        else:
            exc = next((k for k in o if k.endswith("Exception")), None)
            if exc:
                r.error = f"{exc}: {err_text(o[exc])}"
    r.text = "".join(text)
    r.tool_calls = [c if c.arguments else StreamToolCall(c.id, c.name, "{}") for c in calls.result()]
    return r
