"""OpenAI Responses API calls (``POST /v1/responses``; Azure ``/openai/responses``, any compatible server).

Request: ``instructions`` (-> system) and ``input``, a string (one user turn) or a list of items: messages
(``{role, content}`` with or without ``type: "message"``; content a string or ``input_text`` / ``output_text`` /
``refusal`` parts, image / file / audio parts skipped and counted), ``function_call {call_id, name, arguments}``,
``function_call_output {call_id, output}``, ``custom_tool_call`` / ``custom_tool_call_output`` and ``mcp_call``
(a call and its output in one item). Reasoning items and built-in tool items (web / file search, computer use,
image generation, item references) carry no conversation text and are skipped. Tools: ``{type: "function", name,
description, parameters}`` (built-in tools have no name and are not listed).

Response: the ``response`` object's ``output`` items (``message`` -> text, ``refusal`` text when the message only
refuses; ``function_call`` -> calls; reasoning dropped), ``status`` / ``incomplete_details.reason`` -> finish
reason, ``usage.input_tokens`` / ``output_tokens``, ``error`` of a failed response -> an error inside the 2xx
body. Streams (``response.output_text.delta``, ``response.function_call_arguments.delta``, ``response.completed``,
...) are reassembled by :func:`flywheel_assets.ingest.stream_dialects.reassemble_responses`; the final response object is
authoritative when the stream reached it.
"""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.ingest import sse
from flywheel_assets.ingest.providers.base import Msg, Reply, num, request_tools, stream_reply
from flywheel_assets.schema import to_json, tool_definition

API = "responses"

_ROLES = {"user": "user", "system": "system", "developer": "system", "assistant": "assistant"}
_NON_TEXT = ("input_image", "input_file", "input_audio", "image_url", "image", "file")
_SKIP_ITEMS = ("reasoning", "item_reference", "web_search_call", "file_search_call", "computer_call",
               "computer_call_output", "image_generation_call", "code_interpreter_call", "mcp_list_tools",
               "mcp_approval_request", "mcp_approval_response", "local_shell_call", "local_shell_call_output")


def match(host: str, path: str) -> tuple[str | None, str] | None:
    p = path.rstrip("/")
    if p.endswith("/responses"):
        return None, API
    return None


def model_from_url(url: str) -> str | None:
    return None


def _content(content: Any) -> tuple[str, int, str]:
    """(text, non-text parts skipped, refusal text) of a message content value."""
    if content is None:
        return "", 0, ""
    if isinstance(content, str):
        return content, 0, ""
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return str(content), 0, ""
    texts, refusals, n = [], [], 0
    for p in content:
        if isinstance(p, str):
            texts.append(p)
        elif isinstance(p, dict):
            if p.get("type") in _NON_TEXT:
                n += 1
            elif isinstance(p.get("text"), str):
                texts.append(p["text"])
            elif isinstance(p.get("refusal"), str):
                refusals.append(p["refusal"])
    return "\n".join(t for t in texts if t), n, "\n".join(refusals)


def _output_text(out: Any) -> str:
    return out if isinstance(out, str) else (_content(out)[0] if isinstance(out, list) else to_json(out))


def item_messages(item: Any) -> list[Msg]:
    """One input / output item -> zero, one or two messages."""
    if isinstance(item, str):
        return [Msg("user", item)] if item.strip() else []
    if not isinstance(item, dict):
        return []
    t = item.get("type")
    if t in ("function_call", "custom_tool_call"):
        args = item.get("arguments") if t == "function_call" else item.get("input")
        return [Msg("assistant", calls=[(item.get("call_id") or item.get("id"), item.get("name"), args)])]
    if t in ("function_call_output", "custom_tool_call_output"):
        return [Msg("tool", results=[(item.get("call_id"), None, _output_text(item.get("output")), False)])]
    if t == "mcp_call":
        cid = item.get("id")
        out = [Msg("assistant", calls=[(cid, item.get("name"), item.get("arguments"))])]
        if item.get("output") is not None or item.get("error"):
            err = item.get("error")
            text = _output_text(item.get("output")) if not err else (err if isinstance(err, str) else to_json(err))
            out.append(Msg("tool", results=[(cid, item.get("name"), text, bool(err))]))
        return out
    if t in _SKIP_ITEMS:
        return []
    role = _ROLES.get(str(item.get("role") or ("user" if t in (None, "message") else "")).lower())
    if role is None:
        return []
    text, n, refusal = _content(item.get("content"))
    if not text and refusal:
        text = refusal
    return [Msg(role, text, n_images=n)]


def request_messages(req: Any) -> list[Msg]:
    if isinstance(req, str):
        try:
            req = json.loads(req)
        except ValueError:
            return [Msg("user", req)] if req.strip() else []
    if isinstance(req, list):
        req = {"input": req}
    if not isinstance(req, dict):
        return []
    out: list[Msg] = []
    ins = req.get("instructions")
    txt = ins if isinstance(ins, str) else _content(ins)[0] if isinstance(ins, list) else ""
    if txt.strip():
        out.append(Msg("system", txt))
    inp = req.get("input")
    if isinstance(inp, str):
        if inp.strip():
            out.append(Msg("user", inp))
    elif isinstance(inp, list):
        for item in inp:
            out.extend(item_messages(item))
    return out


def declared_tools(req: Any) -> list[dict]:
    out = []
    for t in request_tools(req):
        f = t.get("function") if isinstance(t.get("function"), dict) else t
        if f.get("name"):
            out.append(tool_definition(f.get("name"), f.get("description"), f.get("parameters") or {}))
    return out


def is_response(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("output"), list)


def reply_from_response(body: dict) -> Reply:
    """The reply in one ``response`` object."""
    rep = Reply(model=body.get("model") if isinstance(body.get("model"), str) else None,
                response_id=body.get("id") if isinstance(body.get("id"), str) else None)
    u = body.get("usage")
    if isinstance(u, dict):
        rep.prompt_tokens, rep.completion_tokens = num(u.get("input_tokens")), num(u.get("output_tokens"))
    rep.created = body.get("created_at")
    texts, refusals = [], []
    for item in body.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message" or (item.get("type") is None and item.get("role") == "assistant"):
            text, _, refusal = _content(item.get("content"))
            texts.append(text)
            refusals.append(refusal)
        elif item.get("type") in ("function_call", "custom_tool_call", "mcp_call"):
            for m in item_messages(item):
                rep.calls.extend(m.calls)
    rep.text = "\n".join(t for t in texts if t)
    if not rep.text and not rep.calls and any(refusals):
        rep.text, rep.refusal = "\n".join(r for r in refusals if r), True
    if not rep.text and not rep.calls and isinstance(body.get("output_text"), str):
        rep.text = body["output_text"]  # SDK convenience field, when a client logged the parsed object
    status = body.get("status") if isinstance(body.get("status"), str) else None
    inc = body.get("incomplete_details")
    rep.finish_reason = (inc.get("reason") if isinstance(inc, dict) and inc.get("reason") else status)
    err = body.get("error")
    if err and not rep.text and not rep.calls:
        rep.error = str(err.get("message") or err.get("code") or to_json(err))[:2000] if isinstance(err, dict) \
            else str(err)[:2000]
        rep.finish_reason = rep.finish_reason or "failed"
    return rep


def parse_response(body: Any) -> Reply | None:
    if isinstance(body, str):
        if sse.looks_like_stream(body):
            st = sse.reassemble(body)
            return None if st.dialect is None else stream_reply(st, reply_from_response)
        s = body.strip()
        if not s.startswith("{"):
            return Reply(text=body) if s else None
        try:
            body = json.loads(s)
        except ValueError:
            return None
    if isinstance(body, dict) and isinstance(body.get("response"), dict) and is_response(body["response"]):
        body = body["response"]  # an event envelope logged instead of the object
    if not is_response(body):
        if isinstance(body, dict) and body.get("error"):
            err = body["error"]
            return Reply(error=str(err.get("message") if isinstance(err, dict) else err)[:2000])
        return None
    return reply_from_response(body)
