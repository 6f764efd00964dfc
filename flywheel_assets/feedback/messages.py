"""Message accessors over a curated unit row, shared by the feedback modules: the row's messages, attributes and
tool-call arguments parsed, the prompt/continuation split, the first user request and the final answer, message
text normalisation and identity keys (lineage ignored).

Everything here is pure, deterministic and never raises on malformed rows (bad JSON -> empty structures).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flywheel_assets.jsontext import json_or
from flywheel_assets.schema import to_json


def load_json(text: Any, default: Any) -> Any:
    return json_or(text, default, expect=type(default))


def parse_args(text: Any) -> dict | None:
    """Tool-call arguments as a dict; None when they are not a JSON object (or were wrapped as {"_raw": ...})."""
    if isinstance(text, dict):
        v = text
    else:
        try:
            v = json.loads(text) if isinstance(text, str) else None
        except (ValueError, RecursionError):
            return None
    if not isinstance(v, dict) or (set(v) == {"_raw"}):
        return None
    return v


def messages_of(row: dict) -> list[dict]:
    msgs = load_json(row.get("messages"), [])
    return [m for m in msgs if isinstance(m, dict) and isinstance(m.get("role"), str)]


def attrs_of(row: dict) -> dict:
    return load_json(row.get("attributes"), {})


def content(m: dict) -> str:
    c = m.get("content")
    return c if isinstance(c, str) else ("" if c is None else to_json(c))


def split_prompt(msgs: list[dict]) -> tuple[list[dict], list[dict]]:
    """prompt = everything up to and including the last user message; continuation = the rest.
    Returns ([], []) when there is no user message or no assistant turn after it."""
    last_user = max((i for i, m in enumerate(msgs) if m["role"] == "user"), default=-1)
    if last_user < 0:
        return [], []
    cont = msgs[last_user + 1:]
    if not any(m["role"] == "assistant" for m in cont):
        return [], []
    return msgs[: last_user + 1], cont


def first_user(msgs: list[dict]) -> str:
    for m in msgs:
        if m["role"] == "user":
            return content(m)
    return ""


def final_answer(msgs: list[dict]) -> str:
    for m in reversed(msgs):
        if m["role"] == "assistant" and content(m).strip():
            return content(m)
    return ""


_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def norm_text(s: str) -> str:
    return _WS.sub(" ", _PUNCT.sub(" ", (s or "").lower())).strip()


def norm_light(s: str) -> str:
    """Case and whitespace only: punctuation matters for identity (JSON, code, arguments)."""
    return _WS.sub(" ", (s or "").lower()).strip()


_IDLIKE = re.compile(r"\b\w*\d\w*\b")


def intent_text(s: str) -> str:
    """Normalised request for intent matching: ids, numbers and codes (tracking numbers, zips) become '#'."""
    return _WS.sub(" ", _IDLIKE.sub("#", norm_text(s))).strip()


def msg_key(m: dict) -> str:
    """Comparable identity of a message (role, normalised content, tool calls) - lineage ignored."""
    calls = [(c.get("function") or {}).get("name", "") + ":" + str((c.get("function") or {}).get("arguments", ""))
             for c in (m.get("tool_calls") or []) if isinstance(c, dict)]
    return to_json([m.get("role"), norm_light(content(m)), calls, m.get("name")])


def prompt_key(prompt: list[dict]) -> str:
    """Identity of a whole prompt: a hash over every message (never a cut prefix: sessions that open with the same
    long system prompt would all look alike)."""
    import hashlib

    return hashlib.sha256("|".join(msg_key(m) for m in prompt).encode("utf-8")).hexdigest()


def strip_lineage(msgs: list[dict]) -> list[dict]:
    out = []
    for m in msgs:
        m2 = dict(m)
        m2["event_ids"] = []
        out.append(m2)
    return out


def text_len(msgs: list[dict]) -> int:
    """Length in characters of what a model generates: content + tool call arguments."""
    n = 0
    for m in msgs:
        n += len(content(m))
        for c in m.get("tool_calls") or []:
            if isinstance(c, dict):
                f = c.get("function") or {}
                n += len(str(f.get("name") or "")) + len(str(f.get("arguments") or ""))
    return n


def tools_called(msgs: list[dict]) -> list[str]:
    out = []
    for m in msgs:
        for c in m.get("tool_calls") or []:
            if isinstance(c, dict):
                n = (c.get("function") or {}).get("name")
                if n:
                    out.append(str(n))
    return out
