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

This module splits a body into chunks (SSE events / NDJSON lines) and picks the dialect; the reassemblers live in
:mod:`flywheel_assets.ingest.stream_dialects`, the :class:`Reassembled` model in
:mod:`flywheel_assets.ingest.stream_parts`.
"""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.ingest.stream_dialects import (is_converse_stream, reassemble_anthropic, reassemble_cohere_v1,
                                                    reassemble_cohere_v2, reassemble_converse, reassemble_ollama,
                                                    reassemble_openai_chat, reassemble_openai_completion,
                                                    reassemble_responses)
from flywheel_assets.ingest.stream_parts import Reassembled, err_text


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
    return _unrecognised(objs, len(chunks))


def _dispatch_ndjson(objs: list[dict]) -> Reassembled:
    if is_converse_stream(objs):
        return reassemble_converse(objs)
    if any(isinstance(o.get("event_type"), str) for o in objs):
        return reassemble_cohere_v1(objs)
    if any("done" in o and ("message" in o or "response" in o) for o in objs):
        return reassemble_ollama(objs)
    if any(isinstance(o.get("choices"), list) for o in objs):
        return reassemble_openai_chat(objs)
    return _unrecognised(objs, len(objs))


def _unrecognised(objs: list[dict], n_chunks: int) -> Reassembled:
    """A stream of no known dialect: no reply, only the message of its last ``error`` object (if any)."""
    r = Reassembled(dialect=None, n_chunks=n_chunks)
    for o in objs:
        if "error" in o:
            r.error = err_text(o["error"])
    return r


def _is_completion_chunk(o: dict) -> bool:
    ch = o.get("choices")
    return isinstance(ch, list) and all(isinstance(c, dict) and "text" in c and "delta" not in c for c in ch)
