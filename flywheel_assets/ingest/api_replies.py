"""Response side of an api_records call for the providers parsed without a family module: the assistant reply in a
2xx body (JSON object / list, SSE or NDJSON stream text, plain text) as a
:class:`~flywheel_assets.ingest.providers.base.Reply`, token usage, and the message / type of an error body."""

from __future__ import annotations

import json
from typing import Any

from flywheel_assets.ingest import sse
from flywheel_assets.ingest.api_messages import calls_of, normalize_message
from flywheel_assets.ingest.providers import gemini, openai_responses
from flywheel_assets.ingest.providers.base import Reply, num, stream_reply
from flywheel_assets.ingest.stream_dialects import is_converse_stream, reassemble_converse
from flywheel_assets.schema import to_json

def token_usage(body: dict) -> tuple[int | None, int | None]:
    """(prompt, completion) token counts in a response body, whichever provider's usage shape it uses."""
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


def parse_response(body: Any) -> Reply | None:
    """The assistant reply in a 2xx response body (JSON object, list, SSE / NDJSON text or plain text).
    None when the body holds no recognisable reply."""
    if body is None:
        return None
    if isinstance(body, str):
        if sse.looks_like_stream(body):
            st = sse.reassemble(body)
            if st.dialect is not None:
                return stream_reply(st, parse_response)
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
    if is_converse_stream(body):  # decoded Bedrock converse-stream events
        return stream_reply(reassemble_converse(body), parse_response)
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
    rep.prompt_tokens, rep.completion_tokens = token_usage(body)
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
        rep.calls = calls_of(body.get("tool_calls"))
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
        rep.error = error_text(body)
        return rep
    if not found:
        return None
    rep.finish_reason = str(fr) if fr is not None else None
    if rep.finish_reason in ("length", "max_tokens", "MAX_TOKENS", "incomplete") and not rep.calls:
        pass  # a length-limited reply is a whole (if short) reply, not a cut stream
    return rep


def error_text(body: Any) -> str:
    """Human-readable error message from an error response body."""
    if isinstance(body, str):
        s = body.strip()
        if s[:1] in "{[":
            try:
                return error_text(json.loads(s))
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


def error_type(body: Any) -> str | None:
    """The provider's error type / status / code in an error body, when it names one."""
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
