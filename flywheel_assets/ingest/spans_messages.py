"""Turn the many chat shapes found in tracing spans into plain chat messages (no Dagster, no I/O).

A *plain message* is ``{"role", "content", "tool_calls", "tool_call_id", "name"}`` where ``tool_calls`` is None or
``[{"id", "name", "arguments"}]`` (arguments a canonical JSON string). Shapes handled (as seen in real
Langfuse/OTel exports): OpenAI chat messages and completions (``choices``), OpenAI Responses API items and
responses, the OTel GenAI "parts" format (``{role, parts:[text|tool_call|tool_call_response]}``), Gemini
``contents``/``candidates`` with ``function_call``/``function_response`` parts, Anthropic content blocks
(``text``, ``tool_use``, ``tool_result``), LangChain messages (``type: human|ai|tool`` and
``additional_kwargs.tool_calls``), Vercel AI SDK tool-call lists, pydantic-ai ``gen_ai.choice`` events, and the
wrappers ``{"messages": [...]}``, ``{"prompt": str}``, ``[[...]]``.

:func:`to_messages` returns ``None`` when a value is not recognisably a conversation (it never raises).
"""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.schema import json_text, tool_definition

ROLE_MAP = {
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}
_TEXT_PART_TYPES = ("text", "input_text", "output_text", "reasoning_text")
_MAX_DEPTH = 8


def maybe_json(value: Any) -> Any:
    """Decode a JSON-looking string (objects/arrays only); other values unchanged."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[") and s[-1:] in ("}", "]"):
            try:
                return json.loads(s)
            except (ValueError, RecursionError):
                return value
    return value


def plain_message(role: str, content: str = "", *, tool_calls=None, tool_call_id=None, name=None) -> dict:
    return {
        "role": role,
        "content": content or "",
        "tool_calls": tool_calls or None,
        "tool_call_id": None if tool_call_id in (None, "") else str(tool_call_id),
        "name": name,
    }


def canonical_args(arguments: Any) -> str:
    """Tool arguments as a canonical JSON string (strings that are JSON are re-serialised)."""
    if arguments is None:
        return "{}"
    return json_text(arguments) or "{}"


def _call(call_id: Any, name: Any, arguments: Any) -> dict | None:
    if isinstance(call_id, list):  # Microsoft agent framework: [run_id, call_id]
        call_id = call_id[-1] if call_id else None
    if not isinstance(name, str) or not name:
        return None
    return {"id": None if call_id in (None, "") else str(call_id), "name": name, "arguments": canonical_args(arguments)}


def _tool_calls_from_list(calls: Any) -> list[dict]:
    out = []
    if not isinstance(calls, list):
        return out
    for c in calls:
        if not isinstance(c, dict):
            continue
        fn = c.get("function") if isinstance(c.get("function"), dict) else None
        if fn is not None:
            tc = _call(c.get("id"), fn.get("name"), fn.get("arguments"))
        else:
            tc = _call(c.get("id") or c.get("toolCallId") or c.get("call_id"), c.get("name") or c.get("toolName"),
                       c.get("arguments", c.get("args", c.get("input"))))
        if tc:
            out.append(tc)
    return out


def _stringify(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _is_tool_definition(value: Any) -> bool:
    return (isinstance(value, dict) and value.get("type") == "function" and isinstance(value.get("function"), dict)
            and "parameters" in value["function"])


def _from_parts(role: str, parts: list, base: dict) -> list[dict]:
    """OTel GenAI parts and Gemini parts (and Anthropic/OpenAI content blocks) -> messages."""
    texts: list[str] = []
    calls: list[dict] = []
    results: list[dict] = []
    for p in parts:
        if isinstance(p, str):
            texts.append(p)
            continue
        if not isinstance(p, dict):
            continue
        ptype = p.get("type")
        if ptype in _TEXT_PART_TYPES or (ptype is None and isinstance(p.get("text"), str)):
            t = p.get("content") if isinstance(p.get("content"), str) else p.get("text")
            if isinstance(t, str):
                texts.append(t)
        elif ptype == "tool_call":
            tc = _call(p.get("id"), p.get("name"), p.get("arguments"))
            if tc:
                calls.append(tc)
        elif ptype == "tool_use":  # Anthropic
            tc = _call(p.get("id"), p.get("name"), p.get("input"))
            if tc:
                calls.append(tc)
        elif ptype == "tool-call":  # Vercel AI SDK
            tc = _call(p.get("toolCallId"), p.get("toolName"), p.get("input", p.get("args")))
            if tc:
                calls.append(tc)
        elif ptype in ("tool_call_response", "tool_result", "tool-result"):
            cid = p.get("id", p.get("tool_use_id", p.get("toolCallId")))
            if isinstance(cid, list):
                cid = cid[-1] if cid else None
            resp = p.get("response", p.get("content", p.get("result", p.get("output"))))
            if isinstance(resp, list):
                resp_text = "".join(x.get("text", "") for x in resp if isinstance(x, dict)) if all(
                    isinstance(x, dict) and x.get("type") == "text" for x in resp) else _stringify(resp)
            else:
                resp_text = _stringify(resp)
            results.append(plain_message("tool", resp_text, tool_call_id=cid, name=p.get("name") or p.get("toolName")))
        elif isinstance(p.get("function_call"), dict) or isinstance(p.get("functionCall"), dict):  # Gemini
            fc = p.get("function_call") or p.get("functionCall")
            tc = _call(fc.get("id"), fc.get("name"), fc.get("args"))
            if tc:
                calls.append(tc)
        elif isinstance(p.get("function_response"), dict) or isinstance(p.get("functionResponse"), dict):
            fr = p.get("function_response") or p.get("functionResponse")
            results.append(plain_message("tool", _stringify(fr.get("response")), tool_call_id=fr.get("id"),
                                         name=fr.get("name")))
    out = []
    if texts or calls or not results:
        if role == "tool":
            out.append(plain_message("tool", "".join(texts), tool_call_id=base.get("tool_call_id"),
                                     name=base.get("name")))
        else:
            out.append(plain_message(role, "".join(texts), tool_calls=calls, name=base.get("name")
                                     if role != "assistant" else None))
    out.extend(results)
    return out


def message_from(m: Any, depth: int = 0) -> list[dict] | None:
    """One source message-like dict -> 0..n plain messages; None when it is not a message."""
    if not isinstance(m, dict) or depth > _MAX_DEPTH:
        return None
    mtype = m.get("type")
    # OpenAI Responses API items
    if mtype == "function_call" and "name" in m:
        tc = _call(m.get("call_id") or m.get("id"), m.get("name"), m.get("arguments"))
        return [plain_message("assistant", "", tool_calls=[tc])] if tc else []
    if mtype == "function_call_output":
        return [plain_message("tool", _stringify(m.get("output")), tool_call_id=m.get("call_id"))]
    raw_role = m.get("role")
    if raw_role is None and mtype in ("human", "ai", "system", "tool"):  # LangChain
        raw_role = mtype
    if raw_role is None and isinstance(m.get("message"), dict) and "index" in m:  # gen_ai.choice event / choice
        return message_from(m["message"], depth + 1)
    if not isinstance(raw_role, str):
        return None
    role = ROLE_MAP.get(raw_role.lower())
    if role is None:
        # LangChain JS puts the tool name into role for tool messages
        role = "tool" if isinstance(m.get("content"), str) and set(m) <= {"content", "role", "additional_kwargs",
                                                                          "name", "tool_call_id", "id"} else None
        if role is None:
            return None
        m = {**m, "name": m.get("name") or raw_role}
    content = maybe_json(m["content"]) if isinstance(m.get("content"), str) and role == "tool" else m.get("content")
    if role == "tool" and _is_tool_definition(content):
        return []  # LangGraph passes tool definitions as role=tool messages: not part of the conversation
    calls = _tool_calls_from_list(m.get("tool_calls"))
    if not calls and isinstance(m.get("additional_kwargs"), dict):
        calls = _tool_calls_from_list(m["additional_kwargs"].get("tool_calls"))
    if isinstance(m.get("function_call"), dict) and not calls:
        tc = _call(None, m["function_call"].get("name"), m["function_call"].get("arguments"))
        calls = [tc] if tc else []
    if isinstance(m.get("parts"), list):
        msgs = _from_parts(role, m["parts"], m)
        if calls and msgs and msgs[0]["role"] == "assistant":
            msgs[0]["tool_calls"] = (msgs[0]["tool_calls"] or []) + calls
        return msgs
    if isinstance(m.get("content"), list):
        msgs = _from_parts(role, m["content"], m)
        if calls and msgs and msgs[0]["role"] == "assistant":
            msgs[0]["tool_calls"] = (msgs[0]["tool_calls"] or []) + calls
        return msgs
    raw_content = m.get("content")
    text = raw_content if isinstance(raw_content, str) else _stringify(raw_content)
    if role == "tool":
        return [plain_message("tool", text, tool_call_id=m.get("tool_call_id"), name=m.get("name"))]
    return [plain_message(role, text, tool_calls=calls, name=m.get("name") if role != "assistant" else None)]


def _messages_from_list(items: list, depth: int) -> list[dict] | None:
    if len(items) == 1 and isinstance(items[0], list):  # [[...]]
        return _messages_from_list(items[0], depth + 1)
    # Vercel AI SDK output: [{toolCallId, toolName, input}]
    if items and all(isinstance(x, dict) and "toolCallId" in x and "toolName" in x for x in items):
        calls = [c for c in (_call(x.get("toolCallId"), x.get("toolName"), x.get("input", x.get("args")))
                             for x in items) if c]
        return [plain_message("assistant", "", tool_calls=calls)]
    out: list[dict] = []
    for x in items:
        got = message_from(x, depth + 1)
        if got is None:
            return None  # a list with a non-message inside is not a conversation
        out.extend(got)
    return out


def gemini_content(c: Any) -> list[dict] | None:
    if isinstance(c, str):
        return [plain_message("user", c)]
    if isinstance(c, dict) and isinstance(c.get("parts"), list):
        role = ROLE_MAP.get(str(c.get("role") or "user").lower(), "user")
        return _from_parts(role, c["parts"], c)
    return None


def to_messages(value: Any, depth: int = 0) -> list[dict] | None:
    """Best-effort conversion of an observation input/output value to plain messages (None: not a chat)."""
    if depth > _MAX_DEPTH or value is None:
        return None
    value = maybe_json(value)
    if isinstance(value, list):
        return _messages_from_list(value, depth) if value else None
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("messages"), list):
        return _messages_from_list(value["messages"], depth)
    if "contents" in value:  # Gemini request
        out: list[dict] = []
        cfg = value.get("config") if isinstance(value.get("config"), dict) else {}
        sys_i = cfg.get("system_instruction") or value.get("system_instruction")
        if isinstance(sys_i, str) and sys_i:
            out.append(plain_message("system", sys_i))
        contents = value["contents"]
        for c in contents if isinstance(contents, list) else [contents]:
            got = gemini_content(c)
            if got is None:
                return None
            out.extend(got)
        return out
    if isinstance(value.get("candidates"), list):  # Gemini response
        out = []
        for cand in value["candidates"][:1]:
            got = gemini_content(cand.get("content")) if isinstance(cand, dict) else None
            if got:
                out.extend(got)
        return out or None
    if isinstance(value.get("content"), dict) and isinstance(value["content"].get("parts"), list) \
            and "role" not in value:  # Google ADK LlmResponse
        return gemini_content(value["content"])
    if isinstance(value.get("choices"), list):  # OpenAI chat completion
        out = []
        for ch in value["choices"][:1]:
            if isinstance(ch, dict) and isinstance(ch.get("message"), dict):
                out.extend(message_from(ch["message"], depth + 1) or [])
        return out or None
    if value.get("object") == "response" and isinstance(value.get("output"), list):  # Responses API
        out = []
        for item in value["output"]:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "message":
                out.extend(_from_parts("assistant", item.get("content") or [], item))
            elif item.get("type") == "function_call":
                out.extend(message_from(item, depth + 1) or [])
        return out or None
    if isinstance(value.get("prompt"), str) and len(value) <= 2:  # Vercel generateText({prompt})
        return [plain_message("user", value["prompt"])]
    got = message_from(value, depth + 1)
    return got if got else None


def tool_schema(d: Any) -> dict | None:
    """One declared tool in any common shape -> OpenAI function format (None if not a tool definition)."""
    if not isinstance(d, dict):
        return None
    if isinstance(d.get("function"), dict):
        d = d["function"]
    name = d.get("name")
    if not isinstance(name, str) or not name:
        return None
    params = d.get("parameters", d.get("input_schema", d.get("inputSchema", d.get("parametersJsonSchema"))))
    params = maybe_json(params)
    return tool_definition(name, d.get("description") or "", params if isinstance(params, dict) else {})


def to_tools(value: Any, depth: int = 0) -> list[dict]:
    """Tool definitions declared in a request/response value (OpenAI ``tools``, Gemini
    ``config.tools[].function_declarations``, LangGraph ``role=tool`` definitions, a bare list of definitions)."""
    value = maybe_json(value)
    out: list[dict] = []
    if depth > 3:
        return out
    if isinstance(value, list):
        for x in value:
            if isinstance(x, dict) and isinstance(x.get("function_declarations"), list):
                out += [t for t in (tool_schema(f) for f in x["function_declarations"]) if t]
            elif isinstance(x, dict) and x.get("role") == "tool" and _is_tool_definition(maybe_json(x.get("content"))):
                out += [t for t in [tool_schema(maybe_json(x["content"]))] if t]
            elif isinstance(x, dict) and ("parameters" in x or "input_schema" in x or _is_tool_definition(x)):
                t = tool_schema(x)
                if t:
                    out.append(t)
        return out
    if isinstance(value, dict):
        if isinstance(value.get("tools"), list):
            out += to_tools(value["tools"], depth + 1)
        cfg = value.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("tools"), list):
            out += to_tools(cfg["tools"], depth + 1)
        if isinstance(value.get("messages"), list):
            out += to_tools(value["messages"], depth + 1)
    return out


def merge_tools(*lists: list[dict] | None) -> list[dict] | None:
    """Union of tool definitions by name (first definition wins), sorted by name; None when empty."""
    seen: dict[str, dict] = {}
    for lst in lists:
        for t in lst or []:
            seen.setdefault(t["function"]["name"], t)
    return [seen[k] for k in sorted(seen)] or None
