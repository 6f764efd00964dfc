"""Tolerant JSON loading, owned once: a logged or stored JSON text that may be absent, already parsed, or broken.

Every pipeline step past ingestion reads JSON columns (messages, tools, attributes, tool-call arguments) that
earlier steps wrote, but a hand-written or legacy row may still hold a broken value. These helpers never raise:
bad text gives the caller's fallback. (Ingestion itself uses ``ingest.source.loads``, which raises a quarantine
reason instead, because there a broken record must be quarantined, not read as empty.)
"""

from __future__ import annotations

import json
from typing import Any, Iterator

_SAME = object()


def json_or(value: Any, default: Any = None, *, expect: type | tuple[type, ...] | None = None,
            invalid: Any = _SAME) -> Any:
    """``value`` parsed when it is JSON text, else a fallback; never raises.

    - ``None`` -> ``default``; a value that is not a string (already parsed) is returned as is;
    - text that does not parse (or nests too deep) -> ``invalid`` (``default`` unless given);
    - with ``expect``, a parsed value of another type -> ``default``.
    """
    if value is None:
        return default
    if not isinstance(value, (str, bytes, bytearray)):
        return value
    try:
        v = json.loads(value)
    except (ValueError, RecursionError, TypeError):
        return default if invalid is _SAME else invalid
    if expect is not None and not isinstance(v, expect):
        return default
    return v


def json_container(text: Any) -> Any:
    """A string holding a JSON object or array (``{...}`` / ``[...]`` after stripping) parsed, else ``None``."""
    if not isinstance(text, str):
        return None
    s = text.strip()
    if len(s) < 2 or s[0] not in "[{" or s[-1] not in "]}":
        return None
    return json_or(s, None)


def json_leaves(value: Any) -> Iterator[Any]:
    """The scalar leaves of a parsed JSON value (strings, numbers, booleans, nulls), depth first in document order:
    object values and array items, never object keys. Callers pick the leaves they need (string values to scan,
    identifier-like values to track)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from json_leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_leaves(v)
    else:
        yield value


__all__ = ["json_or", "json_container", "json_leaves"]
