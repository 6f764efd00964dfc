"""Ingest of LLM API request/response records (gateway / proxy logs, recorded HTTP cassettes).

One JSONL row = one HTTP call. Two row shapes are accepted:

- recorded cassettes (``openllmetry_calls/interactions.jsonl``): ``{source_file, interaction_index, method, uri,
  request_body, request_body_kind, status, response_body, response_body_kind}``
- a generic gateway log: ``{timestamp, url|uri|endpoint, provider?, status, latency_ms, request_body|request,
  response_body|response, metadata: {session_id, user_id, request_id, attempt, feedback, ...}}``

Each request's messages become system / user / assistant / tool_call / tool_result events (provider content-block
shapes normalised), the response becomes assistant text and/or tool_call events (streams reassembled by
:mod:`flywheel_assets.ingest.sse`), a non-2xx status becomes an ``error`` event after the request events.
Non-chat endpoints (embeddings, images, rerank, assistants, ...) are quarantined as
``unsupported_endpoint:<kind>``. Within one file a session's later call repeats its history: messages already
emitted for that session are not emitted again (``attributes.replayed_messages`` counts them), and a request
identical to an earlier one in the session is marked ``attributes.retry_of`` / ``attempt``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from flywheel_assets.ingest import sse
from flywheel_assets.ingest.providers import FAMILIES, gemini, openai_responses
from flywheel_assets.ingest.providers.base import Msg, Reply
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, iter_json_lines
from flywheel_assets.schema import new_event, stable_id, to_json
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "api_records"

REQUEST_KEYS = ("request_body", "request")
RESPONSE_KEYS = ("response_body", "response")
URL_KEYS = ("url", "uri", "endpoint", "path")
SESSION_KEYS = ("session_id", "conversation_id", "thread_id", "sessionId", "conversationId", "trace_id")
MAX_TEXT = 1_000_000  # default cut for one message text


class ApiRecordsConfig(BaseModel):
    """Options of the api_records parser (passed as ``IngestContext.options["api_records"]``, dict or model)."""

    model_config = ConfigDict(extra="forbid")
    dedupe_history: bool = Field(True, description="skip request messages a session already emitted in this file "
                                                   "(a chat call resends its whole history); counted in "
                                                   "attributes.replayed_messages")
    mark_retries: bool = Field(True, description="mark a request identical to an earlier one in the session (or "
                                                 "with the same metadata.request_id) with retry_of / attempt")
    keep_unrecorded_replies: bool = Field(True, description="accept a 2xx call whose response body the recorder "
                                                            "did not keep (binary event streams) with its request "
                                                            "turns only (attributes.response_not_recorded); false "
                                                            "quarantines it as response_not_recorded:binary")
    max_text_chars: int = Field(MAX_TEXT, ge=1000, description="longer message texts are cut to this many "
                                                               "characters (attributes.content_truncated)")


def _config(ctx) -> ApiRecordsConfig:
    opt = (getattr(ctx, "options", None) or {}).get("api_records") if ctx is not None else None
    if isinstance(opt, ApiRecordsConfig):
        return opt
    return ApiRecordsConfig(**opt) if isinstance(opt, dict) else ApiRecordsConfig()

# path fragment -> endpoint kind that is not a chat exchange (checked in order)
_UNSUPPORTED = (
    ("embed", "embeddings"),
    ("/images/", "image"),
    ("/moderations", "moderation"),
    ("/rerank", "rerank"),
    ("/audio/", "audio"),
    ("count_tokens", "token_counting"),
    (":counttokens", "token_counting"),
    (":computetokens", "token_counting"),
    ("/input_tokens", "token_counting"),
    ("/tokenize", "token_counting"),
    ("/cachedcontents", "caching"),
    ("imagegeneration", "image"),
    ("/publishers/google/models/imagen", "image"),
    ("/upload/", "files"),
    (":batchgeneratecontent", "batch"),
    ("/batchpredictionjobs", "batch"),
    ("/tunedmodels", "fine_tuning"),
    ("/tuningjobs", "fine_tuning"),
    ("/threads", "assistants"),
    ("/assistants", "assistants"),
    ("/files", "files"),
    ("/batches", "batch"),
    ("/fine_tuning", "fine_tuning"),
    ("/traces/ingest", "telemetry"),
    ("/models", "models"),
)


# ----------------------------------------------------------------------------------------------- sniffing


def sniff(head: str, rel: str) -> float:
    """High for JSONL rows that hold a request and a response body / HTTP status; low for chat logs with a
    top-level ``messages`` list, OTLP documents and transcripts."""
    scores = []
    for line in head.splitlines()[:20]:
        s = line.strip()
        if not s:
            continue
        if not s.startswith("{"):
            scores.append(0.0)
            if len(scores) >= 5:
                break
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            continue  # a line cut by the 64 KiB head
        if not isinstance(obj, dict):
            scores.append(0.0)
        else:
            scores.append(_row_score(obj))
        if len(scores) >= 5:
            break
    if not scores:
        return 0.0
    return sum(scores) / len(scores)


def _row_score(obj: dict) -> float:
    has_req = any(k in obj for k in REQUEST_KEYS)
    has_resp = any(k in obj for k in RESPONSE_KEYS)
    has_status = "status" in obj or "status_code" in obj
    has_url = any(isinstance(obj.get(k), str) for k in URL_KEYS)
    if "resourceSpans" in obj or ("messages" in obj and not has_req):
        return 0.02
    if has_req and (has_resp or has_status):
        return 0.95 if (has_url or "request_body" in obj) else 0.85
    if has_req or ("response_body" in obj):
        return 0.5
    return 0.0


# ----------------------------------------------------------------------------------------------- data model


@dataclass
class _Session:
    seen: Counter = field(default_factory=Counter)  # fingerprint -> times emitted
    requests: dict = field(default_factory=dict)  # request fingerprint -> [first event id, attempts, last status]
    calls: dict = field(default_factory=dict)  # tool call id -> (event id, tool name)


# ----------------------------------------------------------------------------------------------- endpoints


def classify_endpoint(url: str | None, request: Any = None) -> tuple[str, str]:
    """(provider, api) for a call. ``api`` is a chat kind (openai_chat, openai_completion, responses, gemini,
    vertex_predict, anthropic_messages, anthropic_complete, bedrock_converse, bedrock_invoke, cohere_chat_v1,
    cohere_chat_v2, cohere_generate, ollama_chat, ollama_generate, hf_generate, chat) or ``unsupported:<kind>``.
    The provider families in :mod:`flywheel_assets.ingest.providers` are asked first."""
    u = url if isinstance(url, str) else ""
    try:
        parts = urlsplit(u if "://" in u else "http://x" + (u if u.startswith("/") else "/" + u))
        host = (parts.hostname or "") if "://" in u else ""
        path = unquote(parts.path or "").lower()
    except ValueError:
        host, path = "", u.lower()
    provider = _provider(host, path)
    for fam in FAMILIES.values():  # provider families with their own module (Gemini / Vertex AI, Responses)
        hit = fam.match(host, path)
        if hit is not None:
            return hit[0] or provider, hit[1]
    if re.search(r"/publishers/anthropic/models/[^/]+:(stream)?rawpredict$", path):  # Claude on Vertex AI
        return "vertex_ai", "anthropic_messages"
    # deployment / model names are user-chosen: keep them out of the endpoint-kind matching below
    path = re.sub(r"/(deployments|model)/[^/]+", r"/\1/_", path)
    if "bedrock" in host or re.search(r"/model/[^/]+/(converse|invoke)", path):
        if path.rstrip("/").endswith(("/converse", "/converse-stream")):
            return "bedrock", "bedrock_converse"
        if "/invoke" in path:
            return "bedrock", "bedrock_invoke"
    for frag, kind in _UNSUPPORTED:
        if frag in path:
            return provider, f"unsupported:{kind}"
    p = path.rstrip("/")
    if p.endswith("/chat/completions"):
        return provider, "openai_chat"
    if p.endswith("/responses"):
        return provider, "responses"
    if p.endswith("/completions"):
        return provider, "openai_completion"
    if p.endswith("/v1/messages") or p.endswith("/messages"):
        return provider, "anthropic_messages"
    if p.endswith("/v1/complete"):
        return provider, "anthropic_complete"
    if p.endswith("/api/chat"):
        return "ollama", "ollama_chat"
    if p.endswith("/api/generate"):
        return "ollama", "ollama_generate"
    if "cohere" in host or provider == "cohere":
        if p.endswith("/v2/chat"):
            return "cohere", "cohere_chat_v2"
        if p.endswith("/chat"):
            return "cohere", "cohere_chat_v1"
        if p.endswith("/generate"):
            return "cohere", "cohere_generate"
    if "huggingface" in host:
        return "huggingface", "hf_generate"
    if p.endswith("/chat"):
        return provider, "chat"
    # unknown path: decide from the request shape (gateways often log a bare provider route)
    if isinstance(request, dict) and isinstance(request.get("contents"), list) and "messages" not in request:
        return provider, gemini.API
    if isinstance(request, dict) and any(k in request for k in ("messages", "input", "prompt", "inputs", "inputText")):
        return provider, "chat"
    if not u and request is None:
        return provider, "unsupported:unknown"
    return provider, "unsupported:other"


def _provider(host: str, path: str) -> str:
    h = host.lower()
    for frag, name in (("openai.azure.com", "azure_openai"), ("api.openai.com", "openai"), ("anthropic", "anthropic"),
                       ("bedrock", "bedrock"), ("cohere", "cohere"), ("mistral", "mistral"), ("groq", "groq"),
                       ("deepseek", "deepseek"), ("huggingface", "huggingface"), ("googleapis", "google"),
                       ("together", "together"), ("fireworks", "fireworks"), ("openrouter", "openrouter")):
        if frag in h:
            return name
    if h.endswith(":11434") or ":11434" in h or path.startswith("/api/"):
        return "ollama"
    if h in ("localhost", "127.0.0.1") or h.startswith("localhost") or h.startswith("127."):
        return "openai_compatible"
    return h or "unknown"


# ----------------------------------------------------------------------------------------------- request side


def _text_of(content: Any) -> tuple[str, int]:
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
                texts.append(_text_of(b["guardContent"].get("text"))[0])
            elif "json" in b:
                texts.append(to_json(b["json"]))
            elif t == "document" and isinstance(b.get("document"), dict):
                d = b["document"].get("data")
                texts.append(d if isinstance(d, str) else to_json(d))
    return "\n".join(t for t in texts if t), n_img


_ROLE = {"human": "user", "user": "user", "system": "system", "developer": "system", "assistant": "assistant",
         "chatbot": "assistant", "model": "assistant", "ai": "assistant", "bot": "assistant", "tool": "tool",
         "function": "tool", "ipython": "tool"}


def _calls_of(tool_calls: Any) -> list[tuple[str | None, str | None, Any]]:
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
                txt, _ = _text_of(b.get("content"))
                msg.results.append((b.get("tool_use_id"), None, txt, bool(b.get("is_error"))))
            elif isinstance(b.get("toolResult"), dict):
                tr = b["toolResult"]
                txt, _ = _text_of(tr.get("content"))
                msg.results.append((tr.get("toolUseId"), None, txt, tr.get("status") == "error"))
            elif bt in ("thinking", "redacted_thinking", "reasoning"):
                continue
            else:
                txt, n = _text_of([b])
                msg.n_images += n
                if txt:
                    texts.append(txt)
        msg.text = "\n".join(texts)
    else:
        msg.text, msg.n_images = _text_of(content)
    msg.calls.extend(_calls_of(m.get("tool_calls")))
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
        txt, _ = _text_of(v)
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
    return _link_ids(out)


def _link_ids(msgs: list[Msg]) -> list[Msg]:
    """Give id-less tool calls (Ollama, Cohere v1) a deterministic id and point id-less tool results at the
    oldest unanswered call (same tool name preferred), so results can be linked to their calls."""
    pending: list[tuple[str, str | None]] = []
    for mi, m in enumerate(msgs):
        for ci, (cid, name, args) in enumerate(m.calls):
            if cid in (None, ""):
                cid = "call_" + stable_id(mi, ci, name, _fingerprint("a", args=args), length=16)
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
            out.append({"type": "function", "function": {"name": f.get("name"), "description": f.get("description"),
                                                          "parameters": f.get("parameters") or {}}})
        elif isinstance(t.get("toolSpec"), dict):
            f = t["toolSpec"]
            schema = f.get("inputSchema") or {}
            out.append({"type": "function", "function": {
                "name": f.get("name"), "description": f.get("description"),
                "parameters": schema.get("json", schema) if isinstance(schema, dict) else {}}})
        elif "name" in t:
            params = t.get("input_schema") or t.get("parameters") or t.get("parameter_definitions") or {}
            out.append({"type": "function", "function": {"name": t.get("name"), "description": t.get("description"),
                                                          "parameters": params}})
    return out


# ----------------------------------------------------------------------------------------------- response side


def _usage(body: dict) -> tuple[int | None, int | None]:
    def num(v):
        return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    u = body.get("usage")
    if isinstance(u, dict):
        toks = u.get("tokens") if isinstance(u.get("tokens"), dict) else u.get("billed_units")
        if isinstance(toks, dict) and "prompt_tokens" not in u and "input_tokens" not in u:
            u = toks
        p = u.get("prompt_tokens", u.get("input_tokens", u.get("inputTokens")))
        c = u.get("completion_tokens", u.get("output_tokens", u.get("outputTokens")))
        return num(p), num(c)
    meta = body.get("meta")
    if isinstance(meta, dict):
        toks = meta.get("tokens") or meta.get("billed_units")
        if isinstance(toks, dict):
            return num(toks.get("input_tokens")), num(toks.get("output_tokens"))
    if "prompt_eval_count" in body or "eval_count" in body:
        return num(body.get("prompt_eval_count")), num(body.get("eval_count"))
    if "prompt_token_count" in body:
        return num(body.get("prompt_token_count")), num(body.get("generation_token_count"))
    if "inputTextTokenCount" in body:
        res = body.get("results")
        c = res[0].get("tokenCount") if isinstance(res, list) and res and isinstance(res[0], dict) else None
        return num(body.get("inputTextTokenCount")), num(c)
    return None, None


def _stream_reply(st: sse.Reassembled) -> Reply:
    """The reply of a reassembled stream."""
    if st.response is not None:  # Responses API: the final object is authoritative
        rep = parse_response(st.response) or Reply()
        if not rep.text and not rep.calls:
            rep.text, rep.calls = st.text, [(c.id, c.name, c.arguments) for c in st.tool_calls]
    else:
        rep = Reply(text=st.text, calls=[(c.id, c.name, c.arguments) for c in st.tool_calls],
                    model=st.model, finish_reason=st.finish_reason, prompt_tokens=st.prompt_tokens,
                    completion_tokens=st.completion_tokens)
    rep.stream, rep.stream_chunks = st.dialect, st.n_chunks
    rep.error = st.error
    if not st.complete:
        rep.status = "truncated"
    return rep


def parse_response(body: Any) -> Reply | None:
    """The assistant reply in a 2xx response body (JSON object, list, SSE / NDJSON text or plain text).
    None when the body holds no recognisable reply."""
    if body is None:
        return None
    if isinstance(body, str):
        if sse.looks_like_stream(body):
            st = sse.reassemble(body)
            if st.dialect is not None:
                return _stream_reply(st)
        s = body.strip()
        if not s:
            return None
        if s[0] in "{[":
            try:
                return parse_response(json.loads(s))
            except ValueError:
                pass
        return Reply(text=body)
    if gemini.is_response(body):  # Gemini-shaped body on a route that did not say so
        return gemini.parse_response(body)
    if sse.is_converse_stream(body):  # decoded Bedrock converse-stream events
        return _stream_reply(sse.reassemble_converse(body))
    if isinstance(body, list):
        if body and isinstance(body[0], dict) and isinstance(body[0].get("generated_text"), str):  # HF TGI
            d = body[0].get("details") or {}
            return Reply(text=body[0]["generated_text"],
                         finish_reason=d.get("finish_reason") if isinstance(d, dict) else None,
                         completion_tokens=d.get("generated_tokens") if isinstance(d, dict) else None)
        return None
    if not isinstance(body, dict):
        return None
    if openai_responses.is_response(body):
        return openai_responses.reply_from_response(body)
    rep = Reply(model=body.get("model") if isinstance(body.get("model"), str) else None)
    rep.prompt_tokens, rep.completion_tokens = _usage(body)
    rep.created = body.get("created") or body.get("created_at")
    metrics = body.get("metrics")
    if isinstance(metrics, dict) and isinstance(metrics.get("latencyMs"), (int, float)):
        rep.latency_ms = float(metrics["latencyMs"])
    if isinstance(body.get("total_duration"), (int, float)):
        rep.latency_ms = body["total_duration"] / 1e6
    fr = body.get("finish_reason") or body.get("stop_reason") or body.get("stopReason") or body.get("done_reason")
    found = False
    if isinstance(body.get("choices"), list) and body["choices"]:
        c0 = body["choices"][0] if isinstance(body["choices"][0], dict) else {}
        m = c0.get("message")
        if isinstance(m, dict):
            msg = normalize_message({**m, "role": "assistant"})
            if msg:
                rep.text, rep.calls = msg.text, msg.calls
            if not rep.text and isinstance(m.get("refusal"), str) and m["refusal"]:
                rep.text, rep.refusal = m["refusal"], True
            found = True
        elif c0.get("finish_reason") == "content_filter":  # Azure: reply withheld by the content filter
            cats = c0.get("content_filter_results") or {}
            hit = sorted(k for k, v in cats.items() if isinstance(v, dict) and v.get("filtered")) \
                if isinstance(cats, dict) else []
            rep.error = "response blocked by content filter" + (f" ({', '.join(hit)})" if hit else "")
            rep.finish_reason = "content_filter"
            return rep
        elif "text" in c0:
            rep.text = c0.get("text") if isinstance(c0.get("text"), str) else ""
            found = True
        fr = c0.get("finish_reason") or fr
    elif isinstance(body.get("output"), dict) and isinstance(body["output"].get("message"), dict):  # Converse
        msg = normalize_message({**body["output"]["message"], "role": "assistant"})
        if msg:
            rep.text, rep.calls = msg.text, msg.calls
        found = True
    elif isinstance(body.get("content"), list) and (body.get("type") == "message" or body.get("role") == "assistant"):
        msg = normalize_message({"role": "assistant", "content": body["content"]})  # Anthropic
        if msg:
            rep.text, rep.calls = msg.text, msg.calls
        found = True
    elif isinstance(body.get("message"), dict):  # Ollama chat, Cohere v2
        msg = normalize_message({**body["message"], "role": "assistant"})
        if msg:
            rep.text, rep.calls = msg.text, msg.calls
        found = True
    elif isinstance(body.get("completion"), str):  # Anthropic legacy complete
        rep.text, found = body["completion"], True
    elif isinstance(body.get("text"), str):  # Cohere v1 chat
        rep.text, found = body["text"], True
        rep.calls = _calls_of(body.get("tool_calls"))
    elif isinstance(body.get("generations"), list) and body["generations"]:  # Cohere generate
        g = body["generations"][0] if isinstance(body["generations"][0], dict) else {}
        rep.text, found = g.get("text") or "", True
        fr = g.get("finish_reason") or fr
    elif isinstance(body.get("results"), list) and body["results"]:  # Titan
        g = body["results"][0] if isinstance(body["results"][0], dict) else {}
        rep.text, found = g.get("outputText") or "", True
        fr = g.get("completionReason") or fr
    elif isinstance(body.get("generation"), str):  # Llama on Bedrock
        rep.text, found = body["generation"], True
    elif isinstance(body.get("completions"), list) and body["completions"]:  # AI21
        g = body["completions"][0] if isinstance(body["completions"][0], dict) else {}
        data = g.get("data") if isinstance(g.get("data"), dict) else {}
        rep.text, found = data.get("text") or "", True
        fr = (g.get("finishReason") or {}).get("reason") if isinstance(g.get("finishReason"), dict) else fr
    elif isinstance(body.get("response"), str):  # Ollama generate
        rep.text, found = body["response"], True
    elif isinstance(body.get("generated_text"), str):
        rep.text, found = body["generated_text"], True
    if isinstance(body.get("error"), (dict, str)) and body.get("error") and not rep.text and not rep.calls:
        rep.error = _error_text(body)
        return rep
    if not found:
        return None
    rep.finish_reason = str(fr) if fr is not None else None
    if rep.finish_reason in ("length", "max_tokens", "MAX_TOKENS", "incomplete") and not rep.calls:
        pass  # a length-limited reply is a whole (if short) reply, not a cut stream
    return rep


def _error_text(body: Any) -> str:
    """Human-readable error message from an error response body."""
    if isinstance(body, str):
        s = body.strip()
        if s[:1] in "{[":
            try:
                return _error_text(json.loads(s))
            except ValueError:
                pass
        return s[:2000]
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict):  # a streamed error (Gemini)
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or err.get("code") or to_json(err))[:2000]
        if isinstance(err, str) and err:
            return err[:2000]
        for k in ("message", "Message", "detail", "error_message"):
            if isinstance(body.get(k), str) and body[k]:
                return body[k][:2000]
        return to_json(body)[:2000]
    return "" if body is None else to_json(body)[:2000]


def _error_type(body: Any) -> str | None:
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            v = err.get("type") or (err.get("status") if isinstance(err.get("status"), str) else None) \
                or err.get("code")
            return None if v is None else str(v)
        if isinstance(body.get("type"), str):
            return body["type"]
    return None


# ----------------------------------------------------------------------------------------------- record driver


def _status_code(row: dict) -> int | None:
    v = row.get("status", row.get("status_code", row.get("http_status")))
    if isinstance(v, dict):
        v = v.get("code")
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        m = re.match(r"\s*(\d{3})", v)
        if m:
            return int(m.group(1))
        if v.lower() in ("ok", "success"):
            return 200
        if v.lower() in ("error", "failed", "failure"):
            return 599
    return None


def _maybe_json(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s[:1] in "{[" and not sse.looks_like_stream(s):
            try:
                return json.loads(s)
            except ValueError:
                return v
    return v


def _fingerprint(kind: str, text: str = "", name: Any = None, call_id: Any = None, args: Any = None) -> str:
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


def _args_valid(args: Any) -> bool:
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


class _Builder:
    """Collects one record's events with consecutive seq numbers and shared record fields."""

    def __init__(self, rel: str, line: int, offset: int, common: dict, record_attrs: dict, limit: int = MAX_TEXT):
        self.rel, self.line, self.offset, self.limit = rel, line, offset, limit
        self.common = common
        self.record_attrs = record_attrs
        self.events: list[dict] = []

    def add(self, kind: str, attrs: dict | None = None, **kw) -> dict:
        a = dict(self.record_attrs)
        if attrs:
            a.update({k: v for k, v in attrs.items() if v is not None})
        fields = {**self.common, **kw}
        if isinstance(fields.get("content"), str) and len(fields["content"]) > self.limit:
            fields["content"] = fields["content"][: self.limit]
            a["content_truncated"] = True
        ev = new_event(source_file=self.rel, source_line=self.line, source_offset=self.offset, source_format=FORMAT,
                       seq=len(self.events), kind=kind, attributes=a, **fields)
        self.events.append(ev)
        return ev


def parse(src: SourceFile, ctx) -> Iterator[Outcome]:
    """One Outcome per JSONL row. Never raises on any input."""
    sessions: dict[str, _Session] = {}
    links: dict[str, str] = {}
    cfg = _config(ctx)
    for line, offset, raw, obj in iter_json_lines(src):
        if isinstance(obj, Quarantine):
            yield Outcome.bad(line, offset, obj.reason, obj.detail, raw)
            continue
        try:
            events = parse_record(obj, rel=src.rel, line=line, offset=offset, ctx=ctx, sessions=sessions, cfg=cfg,
                                  links=links)
        except Quarantine as q:
            yield Outcome.bad(line, offset, q.reason, q.detail, raw)
            continue
        except Exception as exc:  # never raise: a parser bug quarantines the row, the file goes on
            yield Outcome.bad(line, offset, f"parser_error:{type(exc).__name__}", str(exc)[:300], raw)
            continue
        yield Outcome(line=line, offset=offset, events=events)


def parse_record(row: Any, *, rel: str, line: int, offset: int, ctx, sessions: dict | None = None,
                 cfg: ApiRecordsConfig | None = None, links: dict | None = None) -> list[dict]:
    """Events for one row; raises :class:`Quarantine` for rows that cannot be accepted. ``sessions`` carries the
    per-file session state (history fingerprints, earlier requests) between rows of one file; ``links`` maps a
    Responses API response id to its session (a call naming it as ``previous_response_id`` continues it)."""
    links = {} if links is None else links
    if sessions is None:
        sessions = {}
    cfg = cfg or _config(ctx)
    limit = cfg.max_text_chars
    if not isinstance(row, dict):
        raise Quarantine("wrong_type:row", f"row is {type(row).__name__}, expected object")
    req_key = next((k for k in REQUEST_KEYS if k in row), None)
    resp_key = next((k for k in RESPONSE_KEYS if k in row), None)
    if req_key is None:
        raise Quarantine("missing_field:request_body", "row has no request_body/request")
    req = _maybe_json(row.get(req_key))
    resp = _maybe_json(row.get(resp_key)) if resp_key else None
    url = next((row[k] for k in URL_KEYS if isinstance(row.get(k), str)), None)
    status_override = None
    # HTTP envelopes: {"request": {"url", "method", "headers", "body"}, "response": {"status", "headers", "body"}}
    if isinstance(req, dict) and "body" in req and any(k in req for k in ("url", "method", "headers")):
        url = url or (req.get("url") if isinstance(req.get("url"), str) else None)
        req = _maybe_json(req.get("body"))
    if isinstance(resp, dict) and "body" in resp and any(k in resp for k in ("status", "status_code", "headers")):
        status_override = _status_code(resp)
        resp = _maybe_json(resp.get("body"))
    meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    provider, api = classify_endpoint(url, req)
    if isinstance(row.get("provider"), str) and row["provider"].strip():
        provider = row["provider"].strip().lower()
    if api.startswith("unsupported:"):
        raise Quarantine(f"unsupported_endpoint:{api.split(':', 1)[1]}", f"{provider} {_path(url)}")
    if req is not None and not isinstance(req, (dict, list, str)):
        raise Quarantine("wrong_type:request_body", f"request body is {type(req).__name__}")
    status_code = _status_code(row)
    if status_code is None:
        status_code = status_override
    resp_kind = row.get("response_body_kind")
    is_error = status_code is not None and not (200 <= status_code < 300)
    fam = FAMILIES.get(api)
    reply = None if is_error else (fam.parse_response(resp) if fam is not None else parse_response(resp))
    if not is_error and reply is not None and reply.error and not reply.text and not reply.calls:
        is_error = True  # 2xx envelope carrying an error
    if not is_error and status_code is None and isinstance(resp, dict) and resp.get("error") and reply is None:
        is_error = True
    unrecorded = None  # a 2xx call whose (binary event-stream) body the recorder did not keep
    if not is_error and reply is None:
        if resp is None and isinstance(resp_kind, str) and resp_kind.startswith("binary"):
            if not cfg.keep_unrecorded_replies:
                raise Quarantine("response_not_recorded:binary", f"{provider} {api}: {resp_kind}")
            unrecorded = resp_kind
        elif resp is None:
            raise Quarantine("missing_field:response_body", f"{provider} {api}: no response body")
        else:
            raise Quarantine("unrecognized_response", f"{provider} {api}: {type(resp).__name__} body")

    if fam is not None:
        msgs, tools = _link_ids(fam.request_messages(req)), fam.declared_tools(req)
    else:
        msgs, tools = request_messages(req, api), declared_tools(req)

    # session, user, time
    sid = next((meta.get(k) for k in SESSION_KEYS if meta.get(k) not in (None, "")), None)
    sid = sid or next((row.get(k) for k in SESSION_KEYS if row.get(k) not in (None, "")), None)
    prev = req.get("previous_response_id") if api == openai_responses.API and isinstance(req, dict) else None
    if sid is None and isinstance(prev, str):
        sid = links.get(prev)  # a stateful Responses call continues the conversation of the response it names
    if sid is None and isinstance(row.get("source_file"), str) and row["source_file"]:
        sid = "cassette:" + row["source_file"]
    if sid is None:
        sid = "api:" + stable_id(rel, line, length=16)
    sid = str(sid)
    sess = sessions.setdefault(sid, _Session())
    user_raw = meta.get("user_id") or meta.get("user") or row.get("user_id")
    if user_raw is None and isinstance(req, dict):
        user_raw = req.get("user") if isinstance(req.get("user"), str) else None
        if user_raw is None and isinstance(req.get("metadata"), dict):
            user_raw = req["metadata"].get("user_id")
    user_hash = ctx.hash_user(user_raw) if ctx is not None and user_raw not in (None, "") else None
    ts = parse_timestamp(row.get("timestamp") or row.get("time") or row.get("start_time") or meta.get("timestamp"))
    if ts is None and reply is not None:
        ts = parse_timestamp(reply.created)
    consent, purposes = None, None
    c = meta.get("consent")
    if isinstance(meta.get("consent_training"), bool):
        consent = meta["consent_training"]
    elif isinstance(c, dict):
        consent = c.get("training") if isinstance(c.get("training"), bool) else None
        purposes = [str(p) for p in c.get("purposes") or [] if p is not None] or None
    latency = row.get("latency_ms", row.get("duration_ms"))
    latency = float(latency) if isinstance(latency, (int, float)) and not isinstance(latency, bool) else None
    if latency is None and reply is not None:
        latency = reply.latency_ms
    model = None
    if isinstance(req, dict) and isinstance(req.get("model"), str):
        model = req["model"]
    if reply is not None and reply.model:
        model = reply.model
    if model is None and isinstance(url, str):
        m = re.search(r"/(?:model|deployments)/([^/]+)", url)
        model = unquote(m.group(1)) if m else None
        if model is None and fam is not None:
            model = fam.model_from_url(url)
        if model is None:  # Vertex AI publisher models: .../models/M:rawPredict
            m = re.search(r"/models/([^/:?]+):", unquote(url))
            model = m.group(1) if m else None

    record_attrs = {"provider": provider, "api": api}
    if status_code is not None:
        record_attrs["http_status"] = status_code
    for k in ("request_id", "trace_id", "intent_id"):
        if meta.get(k) not in (None, ""):
            record_attrs[k] = str(meta[k])
    if isinstance(row.get("interaction_index"), int):
        record_attrs["interaction_index"] = row["interaction_index"]
    common = {"session_id": sid, "timestamp": ts, "user_hash": user_hash, "consent_training": consent,
              "purposes": purposes, "model": model}
    b = _Builder(rel, line, offset, common, record_attrs, limit)

    # retry / duplicate detection
    req_model = req.get("model") if isinstance(req, dict) else None
    req_fp = stable_id(api, _path(url), req_model, to_json([_msg_fp(m) for m in msgs]), length=32)
    rid = meta.get("request_id")
    prior = sess.requests.get(("rid", str(rid))) if rid not in (None, "") else None
    prior = prior or (sess.requests.get(req_fp) if msgs else None)
    if not cfg.mark_retries:
        prior = None

    # request events, skipping history already emitted in this session
    local = Counter()
    replayed = 0
    n_req = 0
    n_images = 0
    first_tools_done = False

    def tools_once():
        nonlocal first_tools_done
        if first_tools_done or not tools:
            return None
        first_tools_done = True
        return tools

    for m in msgs:
        n_images += m.n_images
        for kind, kw, fp in _message_events(m):
            n_req += 1
            local[fp] += 1
            if cfg.dedupe_history and sess.seen[fp] >= local[fp]:
                replayed += 1
                continue
            sess.seen[fp] += 1
            if kind == "tool_result":
                parent = sess.calls.get(kw.get("tool_call_id"))
                if parent:
                    kw["parent_event_id"] = parent[0]
                    kw["tool_name"] = kw.get("tool_name") or parent[1]
            ev = b.add(kind, {"part": "request", "response_not_recorded": unrecorded}, tools=tools_once(), **kw)
            if kind == "tool_call" and kw.get("tool_call_id"):
                sess.calls[kw["tool_call_id"]] = (ev["event_id"], kw.get("tool_name"))

    resp_attrs: dict = {"part": "response", "request_messages": n_req, "replayed_messages": replayed}
    if n_images:
        resp_attrs["images_skipped"] = n_images
    attempt = meta.get("attempt") if isinstance(meta.get("attempt"), int) else None
    if prior is not None:
        prior[1] += 1
        resp_attrs["retry_of"] = prior[0]
        resp_attrs["attempt"] = attempt or prior[1]
        if prior[2] == "error" and not is_error:
            resp_attrs["recovered_retry"] = True
    elif attempt is not None:
        resp_attrs["attempt"] = attempt
    if isinstance(row.get("method"), str):
        resp_attrs["method"] = row["method"]

    if is_error:
        in_body = reply is not None and bool(reply.error)
        err_text = reply.error if in_body else (_error_text(resp) if resp is not None else "")
        if not err_text:
            err_text = f"HTTP {status_code}" if status_code else "error"
        resp_attrs["error_type"] = (reply.finish_reason or "in_body_error") if in_body else _error_type(resp)
        if reply is not None and reply.stream:
            resp_attrs["stream"] = reply.stream
        b.add("error", resp_attrs, content=err_text, status="error", latency_ms=latency, tools=tools_once())
        outcome_status = "error"
    elif unrecorded is not None:
        outcome_status = "ok"  # request turns only: the reply's bytes were not recorded
    else:
        assert reply is not None
        resp_attrs.update({"finish_reason": reply.finish_reason, "stream": reply.stream,
                           "stream_chunks": reply.stream_chunks, "stream_error": reply.error,
                           "refusal": True if reply.refusal else None})
        first = True
        usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                 "latency_ms": latency}
        if reply.text or not reply.calls:
            ev = b.add("assistant", resp_attrs, content=reply.text or "", status=reply.status,
                       tools=tools_once(), **usage)
            sess.seen[_fingerprint("assistant", reply.text)] += 1
            first = False
        for i, (cid, name, args) in enumerate(reply.calls):
            if cid in (None, "") and api == gemini.API:
                # the id the next request's history gives this call (see _link_ids): replayed, not re-emitted
                cid = "call_" + stable_id(len(msgs), i, name, _fingerprint("a", args=args), length=16)
            cid = str(cid) if cid not in (None, "") else f"call_{stable_id(rel, line, i, length=12)}"
            a = dict(resp_attrs)
            if not _args_valid(args):
                a["arguments_valid"] = False
            ev = b.add("tool_call", a, tool_name=name, tool_call_id=cid, tool_arguments=args, status=reply.status,
                       tools=tools_once(), **(usage if first else {}))
            first = False
            sess.seen[_fingerprint("tool_call", "", name, cid, args)] += 1
            sess.calls[cid] = (ev["event_id"], name)
        outcome_status = "ok"
    fb, outcome, reward = meta.get("feedback"), meta.get("outcome"), meta.get("reward")
    outcome = outcome if outcome in ("success", "failure") else None
    reward = float(reward) if isinstance(reward, (int, float)) and not isinstance(reward, bool) else None
    if fb is not None or outcome is not None or reward is not None:
        _feedback_event(b, fb, outcome, reward)

    if not b.events:
        if unrecorded is not None:
            raise Quarantine("response_not_recorded:binary", f"{provider} {api}: {unrecorded}, request replayed")
        raise Quarantine("no_events", "record produced no events")
    first_id = b.events[0]["event_id"]
    if prior is None:
        entry = [first_id, attempt or 1, outcome_status]
        if msgs:
            sess.requests[req_fp] = entry
        if rid not in (None, ""):
            sess.requests[("rid", str(rid))] = entry
    else:
        prior[2] = outcome_status
    if reply is not None and reply.response_id:
        links[reply.response_id] = sid
    return b.events


def _path(url: Any) -> str:
    if not isinstance(url, str):
        return ""
    try:
        return urlsplit(url).path[:200]
    except ValueError:
        return url[:200]


def _msg_fp(m: Msg) -> list:
    return [m.role, " ".join(m.text.split()), [[c[0], c[1], _fingerprint("a", args=c[2])] for c in m.calls],
            [[r[0], r[2]] for r in m.results]]


def _message_events(m: Msg) -> list[tuple[str, dict, str]]:
    """(kind, new_event kwargs, fingerprint) for each event a request message becomes."""
    out = []
    if m.role in ("system", "user") and m.text:
        out.append((m.role, {"content": m.text}, _fingerprint(m.role, m.text)))
    elif m.role == "assistant" and (m.text or not m.calls):
        out.append(("assistant", {"content": m.text}, _fingerprint("assistant", m.text)))
    for cid, name, args in m.calls:
        out.append(("tool_call", {"tool_name": name, "tool_call_id": cid, "tool_arguments": args},
                    _fingerprint("tool_call", "", name, cid, args)))
    for cid, name, text, err in m.results:
        content = ("ERROR: " + text) if err and not text.startswith("ERROR:") else text
        err = err or content.lstrip()[:6].upper() == "ERROR:"
        out.append(("tool_result", {"tool_call_id": cid, "tool_name": name, "content": content,
                                    "status": "error" if err else "ok"},
                    _fingerprint("tool_result", text, None, cid)))
    if m.role == "tool" and m.text and not m.results:
        out.append(("tool_result", {"content": m.text}, _fingerprint("tool_result", m.text)))
    return out


def _feedback_event(b: _Builder, fb: Any, outcome: str | None = None, reward: float | None = None) -> None:
    """A ``feedback`` event for the record's reply from ``metadata.feedback`` (``"up"``/``"down"``, a bool, a
    number, or ``{thumbs, rating, comment, edited_response}``) and the session ``outcome`` / ``reward``."""
    target = next((e["event_id"] for e in reversed(b.events) if e["kind"] in ("assistant", "tool_call")), None)
    thumbs = rating = edited = comment = None
    if isinstance(fb, str):
        thumbs = fb.lower() if fb.lower() in ("up", "down", "neutral") else None
        comment = None if thumbs else fb
    elif isinstance(fb, bool):
        thumbs = "up" if fb else "down"
    elif isinstance(fb, (int, float)):
        rating = float(fb)
    elif isinstance(fb, dict):
        t = fb.get("thumbs", fb.get("thumb", fb.get("vote")))
        if isinstance(t, bool):
            thumbs = "up" if t else "down"
        elif isinstance(t, (int, float)):
            thumbs = "up" if t > 0 else ("down" if t < 0 else "neutral")
        elif isinstance(t, str) and t.lower() in ("up", "down", "neutral"):
            thumbs = t.lower()
        r = fb.get("rating", fb.get("score"))
        rating = float(r) if isinstance(r, (int, float)) and not isinstance(r, bool) else None
        e = fb.get("edited_response", fb.get("correction"))
        edited = e if isinstance(e, str) else None
        comment = fb.get("comment") if isinstance(fb.get("comment"), str) else None
    elif fb is not None and outcome is None and reward is None:
        return
    if thumbs is None and rating is None and edited is None and comment is None and outcome is None and reward is None:
        return
    b.add("feedback", {"part": "feedback", "comment": comment}, content=edited, parent_event_id=target,
          feedback_thumbs=thumbs, feedback_rating=rating, outcome=outcome, reward=reward, status="ok")


# ----------------------------------------------------------------------------------------------- reporting


def exchange_report(events: pl.DataFrame, quarantined: pl.DataFrame) -> dict:
    """Share of 2xx chat calls that yield a well-formed exchange, overall and by provider.

    A 2xx chat call is an accepted api_records record whose response was not an error, or a quarantined record
    whose reason says a chat response could not be used (binary / missing / unrecognised body, parser errors).
    It is well-formed when the record carries at least one request turn (emitted here or replayed from the
    session's history) and a non-empty assistant reply: text, or tool call(s) whose arguments parse as JSON.
    """
    per_provider: dict[str, dict] = {}
    failures: list[dict] = []

    def bucket(p: str) -> dict:
        return per_provider.setdefault(p, {"calls": 0, "well_formed": 0})

    ev = events.filter(pl.col("source_format") == FORMAT) if events.height else events
    if ev.height:
        rows = ev.sort(["source_file", "source_line", "seq"]).select(
            "source_file", "source_line", "kind", "content", "tool_arguments", "attributes", "status").to_dicts()
        groups: dict[tuple, list[dict]] = {}
        for r in rows:
            groups.setdefault((r["source_file"], r["source_line"]), []).append(r)
        for key in sorted(groups):
            g = groups[key]
            attrs = [json.loads(r["attributes"]) if r["attributes"] else {} for r in g]
            provider = attrs[0].get("provider", "unknown")
            errs = [(r, a) for r, a in zip(g, attrs) if r["kind"] == "error"]
            if errs:
                code = errs[0][1].get("http_status")
                if isinstance(code, int) and 200 <= code < 300:  # an error inside a 2xx envelope
                    bucket(provider)["calls"] += 1
                    failures.append({"source_file": key[0], "source_line": key[1], "provider": provider,
                                     "reason": f"error_in_2xx:{errs[0][1].get('error_type')}"})
                continue
            resp = [(r, a) for r, a in zip(g, attrs) if a.get("part") == "response"]
            n_req = max([a.get("request_messages", 0) for _, a in resp] or [0])
            reply_ok = False
            for r, a in resp:
                if r["kind"] == "assistant" and (r["content"] or "").strip():
                    reply_ok = True
                if r["kind"] == "tool_call" and _args_valid(r["tool_arguments"]) and not _is_raw(r["tool_arguments"]):
                    reply_ok = True
            truncated = any(r["status"] == "truncated" for r, _ in resp)
            bk = bucket(provider)
            bk["calls"] += 1
            if n_req > 0 and reply_ok and not truncated:
                bk["well_formed"] += 1
            else:
                unrec = next((a.get("response_not_recorded") for a in attrs if a.get("response_not_recorded")), None)
                reason = ("response_not_recorded:binary" if unrec and not resp else
                          "no_request_turn" if n_req == 0 else ("truncated_stream" if truncated else "empty_reply"))
                failures.append({"source_file": key[0], "source_line": key[1], "provider": provider,
                                 "reason": reason})
    q = quarantined.filter(pl.col("source_format") == FORMAT) if quarantined.height else quarantined
    if q.height:
        for r in q.sort(["source_file", "source_line"]).to_dicts():
            reason = r["reason"] or ""
            if reason.startswith(("response_not_recorded", "missing_field:response_body", "unrecognized_response",
                                  "parser_error")):
                provider = "unknown" if reason.startswith("parser_error") else (
                    (r["detail"] or "unknown").split(" ", 1)[0] or "unknown")
                bucket(provider)["calls"] += 1
                failures.append({"source_file": r["source_file"], "source_line": r["source_line"],
                                 "provider": provider, "reason": reason})
    total = sum(v["calls"] for v in per_provider.values())
    good = sum(v["well_formed"] for v in per_provider.values())
    for v in per_provider.values():
        v["share"] = round(v["well_formed"] / v["calls"], 4) if v["calls"] else None
    reasons = Counter(f["reason"] for f in failures)
    return {
        "chat_calls_2xx": total,
        "well_formed": good,
        "share": round(good / total, 4) if total else None,
        "by_provider": {k: per_provider[k] for k in sorted(per_provider)},
        "failure_reasons": dict(sorted(reasons.items())),
        "failures": failures,
    }


def _is_raw(args: Any) -> bool:
    if not isinstance(args, str):
        return False
    try:
        v = json.loads(args)
    except ValueError:
        return True
    return isinstance(v, dict) and set(v) == {"_raw"}
