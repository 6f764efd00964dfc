"""Parse a unit row once (messages, tools, attributes) into a small view shared by every curation step.

Never raises on bad input: unparseable JSON gives empty lists/dicts and ``ok = False`` (the filters turn that
into the ``invalid_messages`` reason code).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flywheel_assets.jsontext import json_or
from flywheel_assets.privacy.placeholders import PLACEHOLDER_RE  # noqa: F401  (curate.metadata imports it here)

ERROR_PREFIX_RE = re.compile(r"^\s*error\b\s*[:\-]?", re.IGNORECASE)


def is_error_content(content: str | None) -> bool:
    """A tool result is an error when its content starts with ERROR: (canonical) or 'Error' (as several logs do)."""
    return bool(content) and bool(ERROR_PREFIX_RE.match(content))


@dataclass
class Call:
    index: int  # position of the assistant message
    call_id: str
    name: str
    arguments: str  # JSON string
    result: str | None = None
    result_index: int | None = None
    is_error: bool = False


@dataclass
class ParsedUnit:
    unit_id: str
    ok: bool
    messages: list[dict]
    tools: list[dict]
    attributes: dict
    calls: list[Call] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict) -> "ParsedUnit":
        ok = True
        msgs = json_or(row.get("messages"), [], invalid=None)
        if not isinstance(msgs, list):
            ok, msgs = False, []
        clean = []
        for m in msgs:
            if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
                ok = False
                continue
            c = m.get("content")
            m = dict(m)
            m["content"] = c if isinstance(c, str) else ("" if c is None else json.dumps(c, ensure_ascii=False))
            clean.append(m)
        tools = json_or(row.get("tools"), [], invalid=None)
        if not isinstance(tools, list):
            tools = []
        attrs = json_or(row.get("attributes"), {}, invalid=None)
        if not isinstance(attrs, dict):
            attrs = {}
        pu = cls(unit_id=str(row.get("unit_id")), ok=ok and bool(clean), messages=clean, tools=tools,
                 attributes=attrs)
        pu._link_calls()
        return pu

    def _link_calls(self) -> None:
        by_id: dict[str, Call] = {}
        pending: list[Call] = []
        for i, m in enumerate(self.messages):
            if m["role"] == "assistant":
                for j, tc in enumerate(m.get("tool_calls") or []):
                    if not isinstance(tc, dict):
                        continue
                    fn = tc.get("function") or {}
                    args = fn.get("arguments")
                    if not isinstance(args, str):
                        args = json.dumps(args, ensure_ascii=False, sort_keys=True) if args is not None else "{}"
                    cid = str(tc.get("id") or f"call_{i}_{j}")
                    call = Call(index=i, call_id=cid, name=str(fn.get("name") or ""), arguments=args)
                    self.calls.append(call)
                    by_id.setdefault(cid, call)
                    pending.append(call)
            elif m["role"] == "tool":
                call = by_id.get(str(m.get("tool_call_id"))) if m.get("tool_call_id") is not None else None
                if call is None or call.result is not None:
                    # no id: answer the oldest pending call of the same name (or any pending call)
                    cands = [c for c in pending if c.result is None and (not m.get("name") or c.name == m.get("name"))]
                    cands = cands or [c for c in pending if c.result is None]
                    call = cands[0] if cands else None
                if call is not None:
                    call.result = m["content"]
                    call.result_index = i
                    call.is_error = is_error_content(m["content"])

    # ---- views --------------------------------------------------------------------------------------------
    def texts(self, roles: tuple[str, ...]) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] in roles and m["content"]]

    @property
    def user_text(self) -> str:
        return "\n".join(self.texts(("user",)))

    @property
    def first_user(self) -> str:
        t = self.texts(("user",))
        return t[0] if t else ""

    @property
    def final_answer(self) -> str:
        """Content of the last assistant message that has text ("" when there is none or it comes before the
        last tool activity, i.e. the trajectory never answered)."""
        for m in reversed(self.messages):
            if m["role"] == "assistant" and m["content"].strip():
                return m["content"]
            if m["role"] == "tool" or (m["role"] == "assistant" and m.get("tool_calls")):
                # the Finish-style tool call of ToolBench carries the answer in its arguments
                if m["role"] == "assistant":
                    for tc in m.get("tool_calls") or []:
                        fn = (tc or {}).get("function") or {}
                        if str(fn.get("name", "")).lower() in ("finish", "final_answer", "answer"):
                            args = json_or(fn.get("arguments"), {}, invalid=None) or {}
                            if isinstance(args, dict) and isinstance(args.get("final_answer"), str):
                                return args["final_answer"]
                return ""
        return ""

    @property
    def dialog_text(self) -> str:
        """user/assistant/tool content and tool calls, no system prompt: what dedup and topic checks read."""
        parts = []
        for m in self.messages:
            if m["role"] == "system":
                continue
            if m["content"]:
                parts.append(m["content"])
            for tc in m.get("tool_calls") or []:
                fn = (tc or {}).get("function") or {}
                parts.append(f"{fn.get('name', '')} {fn.get('arguments', '')}")
        return "\n".join(parts)

    @property
    def tool_errors(self) -> int:
        return sum(1 for m in self.messages if m["role"] == "tool" and is_error_content(m["content"]))

    @property
    def tool_successes(self) -> int:
        return sum(1 for m in self.messages if m["role"] == "tool" and not is_error_content(m["content"]))

    @property
    def declared_tool_names(self) -> list[str]:
        out = []
        for t in self.tools:
            if isinstance(t, dict):
                fn = t.get("function") if isinstance(t.get("function"), dict) else t
                if fn.get("name"):
                    out.append(str(fn["name"]))
        return sorted(set(out))

    def tool_schema(self, name: str) -> dict | None:
        for t in self.tools:
            if isinstance(t, dict):
                fn = t.get("function") if isinstance(t.get("function"), dict) else t
                if fn.get("name") == name:
                    p = fn.get("parameters")
                    return p if isinstance(p, dict) else {}
        return None


def parse_units(units) -> list[ParsedUnit]:
    return [ParsedUnit.from_row(r) for r in units.iter_rows(named=True)]


EMBED_TEXT_CHARS = 1000  # ~ MiniLM's 256-token window; diversity.text_chars and filters.embed_text_chars default to it


def embedding_text(pu: ParsedUnit, chars: int = EMBED_TEXT_CHARS) -> str:
    """The one text a unit is embedded by in curation (first request + final answer, truncated). Diversity
    clustering and the off-topic filter both use it, so with the embedding cache the second caller is a hit."""
    return (pu.first_user + "\n" + pu.final_answer)[:chars]
