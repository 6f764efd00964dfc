"""Endpoint classification of an api_records call: ``(provider, api)`` from the URL (and, for a bare route, the
request's shape). The provider families in :mod:`flywheel_assets.ingest.providers` are asked first; the other
chat kinds and the non-chat endpoints (``unsupported:<kind>``) are decided here."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from flywheel_assets.ingest.providers import FAMILIES, gemini

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
    provider = provider_of(host, path)
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


def provider_of(host: str, path: str) -> str:
    """The provider named by a call's host (or its Ollama-style path); the host itself when unknown."""
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
