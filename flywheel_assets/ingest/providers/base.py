"""Shared data model of the api_records provider parsers: a normalised request message and a parsed reply.

:class:`Family` documents the interface every provider family module implements (module-level functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from flywheel_assets.ingest.stream_parts import Reassembled


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


def request_tools(req: Any) -> list[dict]:
    """The object entries of a request body's ``tools`` list ([] when the body is not an object or has no list)."""
    tools = req.get("tools") if isinstance(req, dict) else None
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []


def num(v: Any) -> int | None:
    """An int from a JSON number (bools and other types -> None)."""
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def stream_reply(st: "Reassembled", final_parser: Callable[[dict], "Reply | None"]) -> Reply:
    """The reply of a reassembled stream (the one owner of this rule for every provider family).

    When the stream reached a final response object (Responses API ``response.completed`` / ``.failed`` /
    ``.incomplete``), that object is authoritative: ``final_parser(st.response)`` gives the reply, and the
    text / tool calls rebuilt from the deltas fill in only when the object carries neither and reports no
    error (a failed response's partial deltas are not a reply). Otherwise the reply is built from the deltas.
    The error is the final object's own when it has one, else the stream's error event. A stream that never
    reached its terminal marker is marked ``truncated``."""
    if st.response is not None:
        rep = final_parser(st.response) or Reply()
        if not rep.text and not rep.calls and not rep.error:
            rep.text, rep.calls = st.text, [(c.id, c.name, c.arguments) for c in st.tool_calls]
    else:
        rep = Reply(text=st.text, calls=[(c.id, c.name, c.arguments) for c in st.tool_calls],
                    model=st.model, finish_reason=st.finish_reason, prompt_tokens=st.prompt_tokens,
                    completion_tokens=st.completion_tokens)
    rep.stream, rep.stream_chunks = st.dialect, st.n_chunks
    rep.error = rep.error or st.error
    if not st.complete:
        rep.status = "truncated"
    return rep
