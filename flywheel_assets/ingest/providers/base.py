"""Shared data model of the api_records provider parsers: a normalised request message and a parsed reply.

:class:`Family` documents the interface every provider family module implements (module-level functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Msg:
    """A normalised message: text plus tool calls (assistant) or tool results (tool / Anthropic user blocks)."""

    role: str  # system | user | assistant | tool
    text: str = ""
    calls: list[tuple[str | None, str | None, Any]] = field(default_factory=list)  # (id, name, arguments)
    results: list[tuple[str | None, str | None, str, bool]] = field(default_factory=list)  # (call_id, name, text, err)
    n_images: int = 0


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str | None, str | None, Any]] = field(default_factory=list)
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    created: Any = None
    status: str = "ok"  # ok | truncated
    stream: str | None = None  # the reassembled stream dialect
    stream_chunks: int | None = None
    error: str | None = None  # an error reported inside a 2xx body / stream
    refusal: bool = False  # the reply is the model's refusal message (OpenAI ``message.refusal``)
    response_id: str | None = None  # Responses API: the response's id (a later call's ``previous_response_id``)


class Family(Protocol):
    """What a provider family module provides (as module-level names)."""

    API: str  # the api kind this family owns (``attributes.api``)

    def match(self, host: str, path: str) -> tuple[str | None, str] | None:
        """``(provider or None, api)`` when ``path`` (lower-cased, URL-decoded) is one of the family's generation
        endpoints; None otherwise (the dispatcher's generic rules then apply)."""

    def request_messages(self, req: Any) -> list[Msg]:
        """Every message the request carries, in order (system first)."""

    def declared_tools(self, req: Any) -> list[dict]:
        """Declared tools in the OpenAI function format."""

    def parse_response(self, body: Any) -> Reply | None:
        """The reply in a 2xx body (object, stream text, chunk list); None when no reply is recognisable."""

    def model_from_url(self, url: str) -> str | None:
        """The model named in the URL, when the family puts it there."""


def num(v: Any) -> int | None:
    """An int from a JSON number (bools and other types -> None)."""
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
