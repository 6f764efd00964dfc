"""The data model of stream reassembly (:class:`Reassembled`, :class:`StreamToolCall`) and the small helpers every
stream dialect in :mod:`flywheel_assets.ingest.stream_dialects` shares (tool-call fragments, error text, numbers)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator


@dataclass
class StreamToolCall:
    id: str | None
    name: str | None
    arguments: str  # the concatenated argument text (a JSON string when the stream finished cleanly)


@dataclass
class Reassembled:
    """One streamed reply put back together."""

    dialect: str | None  # which stream family was recognised (None: not a stream we know)
    text: str = ""
    tool_calls: list[StreamToolCall] = field(default_factory=list)
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    complete: bool = False  # a terminal marker / finish reason was seen
    n_chunks: int = 0
    n_bad_chunks: int = 0  # data lines that were not valid JSON (cut mid-line, garbage)
    error: str | None = None  # an in-stream error event's message
    response: dict | None = None  # Responses API: the final response object from response.completed


def err_text(err: Any) -> str:
    """The message of an in-stream error value (object or text), at most 2,000 characters."""
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or json.dumps(err, sort_keys=True))[:2000]
    return str(err)[:2000]


def int_or_none(v: Any) -> int | None:
    """An int from a JSON number (bools and other types -> None)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    return None


def str_or_empty(v: Any) -> str:
    """A text delta, or "" for anything that is not a string."""
    return v if isinstance(v, str) else ""


def counted_dicts(r: Reassembled, chunks: Iterable[Any]) -> Iterator[dict]:
    """The chunk objects of a stream that are JSON objects, each counted in ``r.n_chunks`` as it is handed out;
    anything else (a list, a number, null) is skipped uncounted."""
    for o in chunks:
        if isinstance(o, dict):
            r.n_chunks += 1
            yield o


class ToolCallParts:
    """Tool calls assembled from fragments keyed by a stream index (or item id)."""

    def __init__(self):
        self.order: list[Any] = []
        self.by: dict[Any, dict] = {}

    def get(self, key: Any) -> dict:
        if key not in self.by:
            self.by[key] = {"id": None, "name": None, "args": []}
            self.order.append(key)
        return self.by[key]

    def result(self) -> list[StreamToolCall]:
        out = []
        for k in self.order:
            c = self.by[k]
            out.append(StreamToolCall(id=c["id"], name=c["name"], arguments="".join(c["args"])))
        return out
