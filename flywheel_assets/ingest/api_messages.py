"""Request side of an api_records call for the providers parsed without a family module (OpenAI chat / completions,
Anthropic, Bedrock Converse / invoke, Cohere v1 + v2, Ollama, Hugging Face): provider messages normalised to
:class:`~flywheel_assets.ingest.providers.base.Msg`, declared tools in the OpenAI function format, deterministic
ids for id-less tool calls, and the fingerprints that tell a replayed history message or a retried request."""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.ingest.providers.base import Msg
from flywheel_assets.schema import stable_id, to_json, tool_definition

def text_of(content: Any) -> tuple[str, int]:
    """Plain text of a content value (string or list of blocks) and the number of image blocks skipped."""
    if content is None:
        return "", 0
    if isinstance(content, str):
        return content, 0
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return str(content), 0
    texts, n_img = [], 0
    for b in content:
        if isinstance(b, str):
            texts.append(b)
        elif isinstance(b, dict):
            t = b.get("type")
            if t in ("image", "image_url", "input_image", "input_audio", "file", "input_file") or "image" in b:
                n_img += 1
            elif isinstance(b.get("text"), str):
                texts.append(b["text"])
            elif isinstance(b.get("text"), dict) and isinstance(b["text"].get("text"), str):
                texts.append(b["text"]["text"])
            elif isinstance(b.get("guardContent"), dict):
                texts.append(text_of(b["guardContent"].get("text"))[0])
            elif "json" in b:
                texts.append(to_json(b["json"]))
            elif t == "document" and isinstance(b.get("document"), dict):
                d = b["document"].get("data")
                texts.append(d if isinstance(d, str) else to_json(d))
    return "\n".join(t for t in texts if t), n_img


_ROLE = {"human": "user", "user": "user", "system": "system", "developer": "system", "assistant": "assistant",
         "chatbot": "assistant", "model": "assistant", "ai": "assistant", "bot": "assistant", "tool": "tool",
         "function": "tool", "ipython": "tool"}


def calls_of(tool_calls: Any) -> list[tuple[str | None, str | None, Any]]:
    out = []
    if not isinstance(tool_calls, list):
        return out
    for tc in tool_calls:
        if not isinstance(tc, dict):
            continue
        fn = tc.get("function")
        if isinstance(fn, dict):
            out.append((tc.get("id"), fn.get("name"), fn.get("arguments")))
        elif "parameters" in tc or "name" in tc:  # Cohere v1
            out.append((tc.get("id"), tc.get("name"), tc.get("parameters", tc.get("arguments"))))
    return out


def normalize_message(m: Any) -> Msg | None:
    """One provider message (OpenAI / Anthropic / Bedrock Converse / Cohere v1+v2 / Ollama / Responses item)."""
    if isinstance(m, str):
        return Msg("user", m)
    if not isinstance(m, dict):
        return None
    t = m.get("type")
    if t == "function_call":  # Responses input item
        return Msg("assistant", "", calls=[(m.get("call_id") or m.get("id"), m.get("name"), m.get("arguments"))])
    if t == "function_call_output":
        out = m.get("output")
        return Msg("tool", results=[(m.get("call_id"), None, out if isinstance(out, str) else to_json(out), False)])
    if t in ("reasoning", "item_reference", "web_search_call", "file_search_call", "computer_call"):
        return None
    raw_role = m.get("role")
    role = _ROLE.get(str(raw_role).lower()) if raw_role is not None else ("user" if t in (None, "message") else None)
    if role is None:
        return None
    content = m.get("content", m.get("message"))  # Cohere v1 history uses "message"
    msg = Msg(role)
    if isinstance(content, list):
        texts = []
        for b in content:
            if not isinstance(b, dict):
                if isinstance(b, str):
                    texts.append(b)
                continue
            bt = b.get("type")
            if bt == "tool_use":
                msg.calls.append((b.get("id"), b.get("name"), b.get("input")))
            elif bt in ("server_tool_use", "mcp_tool_use") or (isinstance(bt, str) and bt.endswith("_tool_result")):
                continue  # Anthropic server-side tools (web search, code execution, MCP): run by the API, not the app
            elif isinstance(b.get("toolUse"), dict):
                tu = b["toolUse"]
                msg.calls.append((tu.get("toolUseId"), tu.get("name"), tu.get("input")))
            elif bt == "tool_result":
                txt, _ = text_of(b.get("content"))
                msg.results.append((b.get("tool_use_id"), None, txt, bool(b.get("is_error"))))
            elif isinstance(b.get("toolResult"), dict):
                tr = b["toolResult"]
                txt, _ = text_of(tr.get("content"))
                msg.results.append((tr.get("toolUseId"), None, txt, tr.get("status") == "error"))
            elif bt in ("thinking", "redacted_thinking", "reasoning"):
                continue
            else:
                txt, n = text_of([b])
                msg.n_images += n
                if txt:
                    texts.append(txt)
        msg.text = "\n".join(texts)
    else:
        msg.text, msg.n_images = text_of(content)
    msg.calls.extend(calls_of(m.get("tool_calls")))
    fc = m.get("function_call")
    if isinstance(fc, dict):
        msg.calls.append((None, fc.get("name"), fc.get("arguments")))
    if role == "assistant" and not msg.text and not msg.calls and isinstance(m.get("tool_plan"), str):
        msg.text = m["tool_plan"]
    if role == "tool" and not msg.results:
        msg.results.append((m.get("tool_call_id") or m.get("tool_use_id"), m.get("name"), msg.text, False))
        msg.text = ""
    return msg


def request_messages(req: Any, api: str = "chat") -> list[Msg]:
    """All messages a request carries, in order (system first)."""
    if isinstance(req, str):
        s = req.strip()
        if s.startswith("{") or s.startswith("["):
            try:
                req = json.loads(s)
            except ValueError:
                return [Msg("user", req)] if s else []
        else:
            return [Msg("user", req)] if s else []
    if isinstance(req, list):  # a bare message list
        return [m for m in (normalize_message(x) for x in req) if m is not None]
    if not isinstance(req, dict):
        return []
    out: list[Msg] = []
    for key in ("system", "instructions", "preamble"):
        v = req.get(key)
        txt, _ = text_of(v)
        if txt.strip():
            out.append(Msg("system", txt))
    msgs = req.get("messages")
    if isinstance(msgs, list):
        out.extend(m for m in (normalize_message(x) for x in msgs) if m is not None)
    hist = req.get("chat_history")
    if isinstance(hist, list):  # Cohere v1
        out.extend(m for m in (normalize_message(x) for x in hist) if m is not None)
    if isinstance(req.get("tool_results"), list):  # Cohere v1 tool results
        for tr in req["tool_results"]:
            if isinstance(tr, dict):
                call = tr.get("call") or {}
                name = call.get("name") if isinstance(call, dict) else None
                out.append(Msg("tool", results=[(None, name, to_json(tr.get("outputs")), False)]))
    if isinstance(req.get("message"), str) and req["message"].strip():  # Cohere v1 current turn
        out.append(Msg("user", req["message"]))
    inp = req.get("input")
    if isinstance(inp, str) and inp.strip():
        out.append(Msg("user", inp))
    elif isinstance(inp, list):
        out.extend(m for m in (normalize_message(x) for x in inp) if m is not None)
    if not isinstance(msgs, list) and not isinstance(inp, (list, str)):
        for key in ("prompt", "inputText", "inputs"):
            v = req.get(key)
            if isinstance(v, list):
                v = "\n".join(x for x in v if isinstance(x, str))
            if isinstance(v, str) and v.strip():
                out.append(Msg("user", v))
                break
    return link_ids(out)


def link_ids(msgs: list[Msg]) -> list[Msg]:
    """Give id-less tool calls (Ollama, Cohere v1) a deterministic id and point id-less tool results at the
    oldest unanswered call (same tool name preferred), so results can be linked to their calls."""
    pending: list[tuple[str, str | None]] = []
    for mi, m in enumerate(msgs):
        for ci, (cid, name, args) in enumerate(m.calls):
            if cid in (None, ""):
                cid = "call_" + stable_id(mi, ci, name, fingerprint("a", args=args), length=16)
                m.calls[ci] = (cid, name, args)
            pending.append((str(cid), name))
        for ri, (cid, name, text, err) in enumerate(m.results):
            if cid in (None, "") and pending:
                j = next((k for k, p in enumerate(pending) if name and p[1] == name), 0)
                cid, pname = pending.pop(j)
                m.results[ri] = (cid, name or pname, text, err)
            elif cid not in (None, ""):
                pending = [p for p in pending if p[0] != str(cid)]
    return msgs


def declared_tools(req: Any) -> list[dict]:
    """Declared tool schemas converted to the OpenAI function format."""
    if not isinstance(req, dict):
        return []
    raw = req.get("tools")
    if raw is None and isinstance(req.get("toolConfig"), dict):
        raw = req["toolConfig"].get("tools")
    if raw is None and isinstance(req.get("functions"), list):
        raw = [{"type": "function", "function": f} for f in req["functions"]]
    out = []
    for t in raw if isinstance(raw, list) else []:
        if not isinstance(t, dict):
            continue
        if isinstance(t.get("function"), dict):
            f = t["function"]
            out.append(tool_definition(f.get("name"), f.get("description"), f.get("parameters") or {}))
        elif isinstance(t.get("toolSpec"), dict):
            f = t["toolSpec"]
            schema = f.get("inputSchema") or {}
            out.append(tool_definition(f.get("name"), f.get("description"),
                                       schema.get("json", schema) if isinstance(schema, dict) else {}))
        elif "name" in t:
            params = t.get("input_schema") or t.get("parameters") or t.get("parameter_definitions") or {}
            out.append(tool_definition(t.get("name"), t.get("description"), params))
    return out


def fingerprint(kind: str, text: str = "", name: Any = None, call_id: Any = None, args: Any = None) -> str:
    """Stable id of one message event (white space folded, JSON arguments canonicalised)."""
    a = None
    if args is not None:
        if isinstance(args, str):
            try:
                a = to_json(json.loads(args)) if args.strip() else "{}"
            except ValueError:
                a = args
        else:
            a = to_json(args)
    return stable_id(kind, " ".join((text or "").split()), name, call_id, a, length=32)


def args_valid(args: Any) -> bool:
    """Tool-call arguments that are absent, blank or parse as JSON."""
    if args is None:
        return True
    if isinstance(args, str):
        if not args.strip():
            return True
        try:
            json.loads(args)
            return True
        except ValueError:
            return False
    return True


def message_fingerprint(m: Msg) -> list:
    """What identifies a request message when comparing two requests (retry detection)."""
    return [m.role, " ".join(m.text.split()), [[c[0], c[1], fingerprint("a", args=c[2])] for c in m.calls],
            [[r[0], r[2]] for r in m.results]]


def message_events(m: Msg) -> list[tuple[str, dict, str]]:
    """(kind, new_event kwargs, fingerprint) for each event a request message becomes."""
    out = []
    if m.role in ("system", "user") and m.text:
        out.append((m.role, {"content": m.text}, fingerprint(m.role, m.text)))
    elif m.role == "assistant" and (m.text or not m.calls):
        out.append(("assistant", {"content": m.text}, fingerprint("assistant", m.text)))
    for cid, name, args in m.calls:
        out.append(("tool_call", {"tool_name": name, "tool_call_id": cid, "tool_arguments": args},
                    fingerprint("tool_call", "", name, cid, args)))
    for cid, name, text, err in m.results:
        content = ("ERROR: " + text) if err and not text.startswith("ERROR:") else text
        err = err or content.lstrip()[:6].upper() == "ERROR:"
        out.append(("tool_result", {"tool_call_id": cid, "tool_name": name, "content": content,
                                    "status": "error" if err else "ok"},
                    fingerprint("tool_result", text, None, cid)))
    if m.role == "tool" and m.text and not m.results:
        out.append(("tool_result", {"content": m.text}, fingerprint("tool_result", m.text)))
    return out
