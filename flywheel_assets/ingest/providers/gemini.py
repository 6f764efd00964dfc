"""Google Gemini API and Vertex AI ``generateContent`` / ``streamGenerateContent`` calls.

URL forms (both read, any API version): ``/v1beta/models/M:generateContent`` (Gemini API,
generativelanguage.googleapis.com) and ``/v1/projects/P/locations/L/publishers/google/models/M:generateContent``
(Vertex AI, aiplatform.googleapis.com; also tuned ``.../endpoints/E:generateContent``), each with
``:streamGenerateContent``. The request is ``{contents: [{role: user|model|function, parts: [...]}],
systemInstruction | system_instruction, tools: [{functionDeclarations: [...]}], generationConfig, ...}``; parts are
``text``, ``functionCall {name, args, id?}``, ``functionResponse {name, response, id?}``, ``inlineData`` /
``fileData`` (skipped, counted as images) and thought parts (``thought: true``, dropped like other reasoning).

A response is a ``GenerateContentResponse`` ``{candidates: [{content: {role: model, parts}, finishReason}],
usageMetadata: {promptTokenCount, candidatesTokenCount}, modelVersion, promptFeedback}``. A stream is a sequence of
such objects, recorded either as SSE (``?alt=sse``: ``data: {...}`` events, no terminal marker; the last chunk
carries the finish reason) or as one JSON array (the default framing); a cut array keeps its whole chunks and the
reply is marked truncated. Only candidate 0 is kept. Vertex AI PaLM text / chat / code models (``:predict`` on a
Google publisher model that is not an embedding or image model; api ``vertex_predict``) are read here too. A blocked prompt (``promptFeedback.blockReason``) or a
candidate stopped by a safety / recitation filter with no content is an error inside a 2xx body.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from flywheel_assets.ingest import sse
from flywheel_assets.ingest.providers.base import Msg, Reply, num, request_tools
from flywheel_assets.schema import to_json, tool_definition

API = "gemini"
PREDICT_API = "vertex_predict"  # Vertex AI PaLM text / chat / code models (``:predict``), parsed here too
APIS = (API, PREDICT_API)

_GENERATE_RE = re.compile(r":(?:stream)?generatecontent$")
# Google publisher models served by :predict that generate text (embedding / image models are not generations)
_PREDICT_RE = re.compile(r"/publishers/google/models/(?![^/:]*(?:embed|image|imagen|vision))[^/:]+:predict$")
_MODEL_RE = re.compile(r"/(?:models|endpoints)/([^/:]+):(?:(?:stream)?generatecontent|predict)", re.IGNORECASE)
# finish reasons that mean the reply was withheld, not finished
_BLOCKED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}
# the documented enum values, for bodies written with ``$alt=json;enum-encoding=int``
_FINISH_ENUM = {0: "FINISH_REASON_UNSPECIFIED", 1: "STOP", 2: "MAX_TOKENS", 3: "SAFETY", 4: "RECITATION", 5: "OTHER",
                6: "LANGUAGE", 7: "BLOCKLIST", 8: "PROHIBITED_CONTENT", 9: "SPII", 10: "MALFORMED_FUNCTION_CALL"}
_BLOCK_ENUM = {0: "BLOCK_REASON_UNSPECIFIED", 1: "SAFETY", 2: "OTHER", 3: "BLOCKLIST", 4: "PROHIBITED_CONTENT"}
_OUTPUT_KEYS = ("output", "result", "content", "text")


def match(host: str, path: str) -> tuple[str | None, str] | None:
    p = path.rstrip("/")
    if _PREDICT_RE.search(p):
        return "vertex_ai", PREDICT_API
    if not _GENERATE_RE.search(p):
        return None
    vertex = "aiplatform" in host or "/projects/" in path
    return ("vertex_ai" if vertex else "gemini"), API


def model_from_url(url: str) -> str | None:
    m = _MODEL_RE.search(unquote(url or ""))
    return m.group(1) if m else None


# ----------------------------------------------------------------------------------------------- request


def _as_parts(v: Any) -> list:
    if isinstance(v, str):
        return [{"text": v}]
    if isinstance(v, dict):
        return v.get("parts") if isinstance(v.get("parts"), list) else [v]
    if isinstance(v, list):
        return v
    return []


def _result_text(resp: Any) -> tuple[str, bool]:
    """A functionResponse ``response`` as tool-result text, and whether it reports an error."""
    if isinstance(resp, str):
        return resp, False
    if isinstance(resp, dict):
        err = resp.get("error")
        if err and not any(k in resp for k in _OUTPUT_KEYS):
            return (err if isinstance(err, str) else to_json(err)), True
        keys = [k for k in resp if k != "name"]
        if len(keys) == 1 and keys[0] in _OUTPUT_KEYS:  # {"name"?, "content" | "output" | ...: value}
            v = resp[keys[0]]
            return (v if isinstance(v, str) else to_json(v)), False
    return ("" if resp is None else to_json(resp)), False


def content_messages(content: Any, default_role: str = "user") -> list[Msg]:
    """One Gemini ``Content`` -> messages: a tool message for its function responses (first: they answer the
    previous turn's calls), then the text / calls under the content's role."""
    if isinstance(content, str):
        return [Msg(default_role, content)] if content.strip() else []
    if not isinstance(content, dict):
        return []
    raw = str(content.get("role") or default_role).lower()
    role = {"model": "assistant", "assistant": "assistant", "system": "system", "function": "tool",
            "tool": "tool"}.get(raw, "user")
    tool = Msg("tool")
    msg = Msg("assistant" if role == "assistant" else ("system" if role == "system" else "user"))
    texts = []
    for p in _as_parts(content.get("parts", [])):
        if isinstance(p, str):
            texts.append(p)
            continue
        if not isinstance(p, dict) or p.get("thought") is True:
            continue
        fc = p.get("functionCall", p.get("function_call"))
        fr = p.get("functionResponse", p.get("function_response"))
        if isinstance(fc, dict):
            msg.calls.append((fc.get("id"), fc.get("name"), fc.get("args") if "args" in fc else {}))
        elif isinstance(fr, dict):
            text, err = _result_text(fr.get("response"))
            tool.results.append((fr.get("id"), fr.get("name"), text, err))
        elif isinstance(p.get("text"), str):
            texts.append(p["text"])
        elif any(k in p for k in ("inlineData", "inline_data", "fileData", "file_data")):
            msg.n_images += 1
    msg.text = "".join(texts) if role == "assistant" else "\n".join(t for t in texts if t)
    out = [tool] if tool.results else []
    if msg.text or msg.calls or (not tool.results and msg.n_images):
        out.append(msg)
    elif msg.n_images and out:
        out[0].n_images = msg.n_images
    return out


def _predict_messages(inst: dict) -> list[Msg]:
    """A PaLM ``:predict`` instance: ``{prompt}`` / ``{prefix}`` (text, code) or ``{context, messages: [{author,
    content}]}`` (chat; authors ``user`` / ``bot``, any other names alternate starting with the user)."""
    out: list[Msg] = []
    if isinstance(inst.get("context"), str) and inst["context"].strip():
        out.append(Msg("system", inst["context"]))
    msgs = inst.get("messages")
    if isinstance(msgs, list):
        for i, m in enumerate(msgs):
            if not isinstance(m, dict) or not isinstance(m.get("content"), str):
                continue
            author = str(m.get("author") or "").lower()
            role = "user" if author in ("user", "human") else "assistant" if author in ("bot", "model", "assistant",
                                                                                        "ai") else \
                ("user" if i % 2 == 0 else "assistant")
            out.append(Msg(role, m["content"]))
        return out
    for key in ("prompt", "prefix", "content"):
        if isinstance(inst.get(key), str) and inst[key].strip():
            out.append(Msg("user", inst[key]))
            break
    return out


def request_messages(req: Any) -> list[Msg]:
    if isinstance(req, str):
        try:
            req = json.loads(req)
        except ValueError:
            return [Msg("user", req)] if req.strip() else []
    if isinstance(req, list):  # a bare contents list
        req = {"contents": req}
    if not isinstance(req, dict):
        return []
    insts = req.get("instances")
    if isinstance(insts, list) and insts and isinstance(insts[0], dict):  # :predict: the first instance
        return _predict_messages(insts[0])
    out: list[Msg] = []
    si = req.get("systemInstruction", req.get("system_instruction"))
    if si is not None:
        for m in content_messages(si if isinstance(si, dict) else {"parts": _as_parts(si)}, "system"):
            if m.text.strip():
                out.append(Msg("system", m.text))
    contents = req.get("contents")
    if isinstance(contents, (str, dict)):
        contents = [contents]
    for c in contents if isinstance(contents, list) else []:
        out.extend(content_messages(c))
    return out


def declared_tools(req: Any) -> list[dict]:
    out = []
    for t in request_tools(req):
        decls = t.get("functionDeclarations", t.get("function_declarations"))
        for f in decls if isinstance(decls, list) else []:
            if isinstance(f, dict) and f.get("name"):
                params = f.get("parameters", f.get("parametersJsonSchema", f.get("parameters_json_schema")))
                out.append(tool_definition(f.get("name"), f.get("description"), params or {}))
    return out


# ----------------------------------------------------------------------------------------------- response


def _array_chunks(text: str) -> tuple[list, bool]:
    """Objects of a JSON-array stream body and whether the array was closed (a cut body keeps whole chunks)."""
    dec = json.JSONDecoder()
    s = text.strip()
    i, out = 1, []
    while i < len(s):
        while i < len(s) and s[i] in " \t\r\n,":
            i += 1
        if i >= len(s):
            break
        if s[i] == "]":
            return out, True
        try:
            obj, i = dec.raw_decode(s, i)
        except ValueError:
            return out, False
        out.append(obj)
    return out, False


def _chunks(body: Any) -> tuple[list, str | None, bool] | None:
    """(response objects, stream framing or None, whether the stream ended cleanly)."""
    if isinstance(body, dict):
        return [body], None, True
    if isinstance(body, list):
        return body, "gemini_json_array", True
    if not isinstance(body, str) or not body.strip():
        return None
    s = body.strip()
    if sse.looks_like_stream(s) or "\ndata:" in s[:4096]:
        if s.startswith("{"):  # newline-delimited JSON
            objs, _ = sse.parse_ndjson(s)
            return objs, "gemini_ndjson", True
        objs = []
        for _, data in sse.parse_sse(s):
            try:
                objs.append(json.loads(data))
            except ValueError:
                continue
        return objs, "gemini_sse", True
    if s.startswith("["):
        objs, closed = _array_chunks(s)
        return objs, "gemini_json_array", closed
    if s.startswith("{"):
        try:
            return [json.loads(s)], None, True
        except ValueError:
            return None
    return None


def is_response(body: Any) -> bool:
    """True for a GenerateContentResponse object or a list of them (used by the shape-based fallback)."""
    if isinstance(body, list):
        return bool(body) and all(isinstance(o, dict) and ("candidates" in o or "usageMetadata" in o) for o in body)
    return isinstance(body, dict) and isinstance(body.get("candidates"), list)


def _error_text(err: Any) -> str:
    if isinstance(err, dict):
        return str(err.get("message") or err.get("status") or err.get("code") or to_json(err))[:2000]
    return str(err)[:2000]


def _predict_reply(body: dict) -> Reply | None:
    """A PaLM ``:predict`` response: ``predictions[0].content`` (text / code) or ``.candidates[0].content`` (chat),
    token counts from ``metadata.tokenMetadata``; a reply withheld by the safety filter is an error."""
    preds = body.get("predictions")
    p0 = preds[0] if isinstance(preds, list) and preds and isinstance(preds[0], dict) else None
    if p0 is None:
        return None
    rep = Reply()
    cands = p0.get("candidates")
    if isinstance(p0.get("content"), str):
        rep.text = p0["content"]
    elif isinstance(cands, list) and cands and isinstance(cands[0], dict):
        rep.text = cands[0].get("content") if isinstance(cands[0].get("content"), str) else ""
    else:
        return None
    safety = p0.get("safetyAttributes")
    safety = safety[0] if isinstance(safety, list) and safety else safety
    if not rep.text.strip() and isinstance(safety, dict) and safety.get("blocked"):
        rep.error, rep.finish_reason = "response blocked by the provider (safety)", "SAFETY"
    meta = body.get("metadata")
    tm = meta.get("tokenMetadata") if isinstance(meta, dict) else None
    if isinstance(tm, dict):
        rep.prompt_tokens = num((tm.get("inputTokenCount") or {}).get("totalTokens"))
        rep.completion_tokens = num((tm.get("outputTokenCount") or {}).get("totalTokens"))
    return rep


def parse_response(body: Any) -> Reply | None:
    if isinstance(body, dict) and "predictions" in body:
        return _predict_reply(body)
    got = _chunks(body)
    if got is None:
        return None
    chunks, stream, closed = got
    rep = Reply(stream=stream, stream_chunks=len(chunks) if stream else None)
    texts: list[str] = []
    seen_reply = False
    blocked = None
    for o in chunks:
        if not isinstance(o, dict):
            continue
        if o.get("error"):
            rep.error = _error_text(o["error"])
            continue
        if isinstance(o.get("modelVersion"), str):
            rep.model = o["modelVersion"]
        rep.created = o.get("createTime") or rep.created
        u = o.get("usageMetadata")
        if isinstance(u, dict):
            rep.prompt_tokens = num(u.get("promptTokenCount")) if "promptTokenCount" in u else rep.prompt_tokens
            rep.completion_tokens = (num(u.get("candidatesTokenCount")) if "candidatesTokenCount" in u
                                     else rep.completion_tokens)
        pf = o.get("promptFeedback")
        if isinstance(pf, dict) and pf.get("blockReason"):
            br = pf["blockReason"]
            blocked = f"prompt blocked ({_BLOCK_ENUM.get(br, br) if isinstance(br, int) else br})"
        cands = o.get("candidates")
        if not isinstance(cands, list):
            continue
        seen_reply = True
        c0 = next((c for c in cands if isinstance(c, dict) and (c.get("index") or 0) == 0), None)
        if c0 is None:
            continue
        for m in content_messages({**(c0.get("content") or {}), "role": "model"}
                                  if isinstance(c0.get("content"), dict) else {"role": "model", "parts": []}):
            texts.append(m.text)
            rep.calls.extend(m.calls)
        fr = c0.get("finishReason")
        if isinstance(fr, (str, int)) and fr not in ("", 0, "FINISH_REASON_UNSPECIFIED"):
            rep.finish_reason = str(_FINISH_ENUM.get(fr, fr) if isinstance(fr, int) else fr)
    rep.text = "".join(texts)
    if not rep.text and not rep.calls:
        if rep.finish_reason in _BLOCKED or rep.finish_reason == "MALFORMED_FUNCTION_CALL":
            rep.error = rep.error or f"response blocked by the provider ({rep.finish_reason})"
        elif blocked:
            rep.error, rep.finish_reason = blocked, rep.finish_reason or "prompt_blocked"
    if not seen_reply and rep.error is None:
        return None
    if stream and (not closed or (rep.finish_reason is None and rep.error is None)):
        rep.status = "truncated"
    return rep
