"""Per-record parsing shared by the JSON-record parsers (chatlog, transcripts, applog, oasst, toolbench, comparisons,
spans): reading the records of a file, building the events of one record (:class:`Emitter`) and normalising field
values (text, tools, thumbs, outcome, numbers, consent, derived ids).

Nothing here raises on bad input except :class:`Quarantine` (which parsers turn into ``Outcome.bad``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, decode, iter_json_lines, loads
from flywheel_assets.schema import new_event, stable_id

# keys that carry a user identity: hashed with ctx.hash_user, never copied anywhere else
USER_KEYS = ("user_id", "userId", "user", "end_user_id", "endUserId", "customer_id", "uid")
SESSION_KEYS = ("session_id", "sessionId", "session", "conversation_id", "conversationId", "thread_id", "threadId")

_TRUNCATED_ERROR = re.compile(r'^\{\s*"(?:error|Error)"\s*:\s*"(?:[^"\\]|\\.)+"')
_ERROR_PREFIX = re.compile(r"^\s*(error|exception|traceback)\b", re.IGNORECASE)


class Emitter:
    """Builds the events of ONE source record: fixed lineage, running ``seq``, shared defaults."""

    def __init__(self, src: SourceFile, fmt: str, line: int, offset: int, **defaults: Any):
        self.src = src
        self.fmt = fmt
        self.line = line
        self.offset = offset
        self.defaults = defaults
        self.events: list[dict] = []

    def emit(self, kind: str, **fields: Any) -> dict:
        kw = dict(self.defaults)
        kw.update({k: v for k, v in fields.items()})
        ev = new_event(
            source_file=self.src.rel,
            source_line=self.line,
            source_offset=self.offset,
            source_format=self.fmt,
            seq=len(self.events),
            kind=kind,
            **kw,
        )
        self.events.append(ev)
        return ev

    def last(self, *kinds: str) -> dict | None:
        for ev in reversed(self.events):
            if ev["kind"] in kinds:
                return ev
        return None

    def outcome(self) -> Outcome:
        return Outcome(line=self.line, offset=self.offset, events=self.events)


def guarded(line: int, offset: int, raw: bytes, fn, *args) -> Outcome:
    """Run a record parser; turn Quarantine (and, defensively, any bug) into a quarantine Outcome."""
    try:
        return fn(*args)
    except Quarantine as q:
        return Outcome.bad(line, offset, q.reason, q.detail, raw)
    except Exception as exc:  # noqa: BLE001 - a parser must never raise on input
        return Outcome.bad(line, offset, "parser_error", f"{type(exc).__name__}: {exc}"[:300], raw)


def json_records(src: SourceFile) -> Iterator[tuple[int, int, bytes, Any]]:
    """iter_json_lines + an explicit record for an empty file (so it never silently disappears).

    Yields (line, offset, raw, obj_or_Quarantine)."""
    n = 0
    for rec in iter_json_lines(src):
        n += 1
        yield rec
    if n == 0:
        yield 1, 0, b"", Quarantine("empty_file", "file holds no records")


def json_outcomes(src: SourceFile, parse_one) -> Iterator[Outcome]:
    """One Outcome per JSONL record: undecodable records are quarantined, ``parse_one(obj, line, offset, raw)``
    runs under :func:`guarded` for the others."""
    for line, offset, raw, obj in json_records(src):
        if isinstance(obj, Quarantine):
            yield Outcome.bad(line, offset, obj.reason, obj.detail, raw)
        else:
            yield guarded(line, offset, raw, parse_one, obj, line, offset, raw)


def read_document(src: SourceFile) -> tuple[str | None, bytes, Quarantine | None]:
    """Whole-file text for document formats; (None, raw, Quarantine) when unreadable or empty."""
    data, err = src.read_all()
    if err:
        return None, data, Quarantine(err.split(":")[0], err)
    try:
        text = decode(data)
    except Quarantine as q:
        return None, data, q
    if not text.strip():
        return None, data, Quarantine("empty_file", "file holds no records")
    return text, data, None


def first_json_objects(head: str, limit: int = 5) -> list[Any]:
    """Up to ``limit`` parsed JSON values from the first complete non-blank lines of a sniff head."""
    out: list[Any] = []
    lines = head.splitlines()
    if len(head) >= 65536 and lines:
        lines = lines[:-1]  # the last line of a full head may be cut
    for ln in lines:
        s = ln.strip()
        if not s:
            continue
        if s[0] not in "{[":
            break
        try:
            out.append(json.loads(s))
        except (ValueError, RecursionError):
            break
        if len(out) >= limit:
            break
    return out


def text_of(content: Any) -> tuple[str, list[str]]:
    """Message content -> (text, non-text part types). Accepts str, None, a list of parts, or a single part."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        texts: list[str] = []
        other: list[str] = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                ptype = str(part.get("type") or "")
                if isinstance(part.get("text"), str) and ptype in ("", "text", "input_text", "output_text"):
                    texts.append(part["text"])
                elif ptype == "refusal" and isinstance(part.get("refusal"), str):
                    texts.append(part["refusal"])
                else:
                    kind = _placeholder_kind(ptype or "unknown")
                    other.append(kind)
                    texts.append(f"[{kind}]")
            else:
                raise Quarantine("wrong_type:content", f"content part of type {type(part).__name__}")
        return "\n".join(texts), other
    raise Quarantine("wrong_type:content", f"content of type {type(content).__name__}")


def _placeholder_kind(ptype: str) -> str:
    p = ptype.lower()
    for k in ("image", "audio", "video", "file"):
        if k in p:
            return k
    return re.sub(r"[^a-z0-9_]", "", p) or "unknown"


def is_error_result(text: str | None) -> bool:
    """A tool result that clearly reports an error: 'Error...'/'ERROR...' text, or JSON with a truthy error key."""
    if not text:
        return False
    if _ERROR_PREFIX.match(text):
        return True
    s = text.strip()
    if s.startswith("{") and s.endswith("}"):
        try:
            obj = json.loads(s)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            for k in ("error", "Error", "errors"):
                if obj.get(k):
                    return True
            if str(obj.get("status", "")).lower() in ("error", "failed", "failure"):
                return True
            return False
    # truncated JSON (e.g. ToolBench observations cut at a length limit): a non-empty leading "error" string
    return bool(_TRUNCATED_ERROR.match(s))


def normalize_tools(tools: Any) -> list[dict] | None:
    """Declared tools -> OpenAI function format list (``{"type":"function","function":{...}}``); None if none."""
    if tools is None:
        return None
    if isinstance(tools, dict):
        tools = [tools]
    if not isinstance(tools, list):
        raise Quarantine("wrong_type:tools", f"tools of type {type(tools).__name__}")
    out = []
    for t in tools:
        if not isinstance(t, dict):
            raise Quarantine("wrong_type:tools", "tool entry is not an object")
        if isinstance(t.get("function"), dict):
            fn = dict(t["function"])
            out.append({"type": "function", "function": fn})
        elif "name" in t:
            fn = {"name": str(t["name"])}
            if "description" in t:
                fn["description"] = t["description"]
            params = t.get("parameters", t.get("input_schema"))
            if params is not None:
                fn["parameters"] = params
            out.append({"type": "function", "function": fn})
        else:
            out.append(t)  # unknown tool shape (e.g. built-in tools): kept verbatim
    return out or None


def norm_thumbs(value: Any) -> str | None:
    """up | down | neutral from booleans, +1/-1/0, 'thumbs_up', 'positive', ...; None when unrecognised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "up" if value else "down"
    if isinstance(value, (int, float)):
        return "up" if value > 0 else ("down" if value < 0 else "neutral")
    raw = str(value).strip().lower()
    if raw in ("+1", "1"):
        return "up"
    if raw == "-1":
        return "down"
    if raw == "0":
        return "neutral"
    s = raw.replace("_", "").replace("-", "").replace(" ", "")
    if s in ("up", "thumbsup", "positive", "good", "like", "liked", "yes", "true", "\U0001f44d"):
        return "up"
    if s in ("down", "thumbsdown", "negative", "bad", "dislike", "disliked", "no", "false", "\U0001f44e"):
        return "down"
    if s in ("neutral", "meh", "mixed"):
        return "neutral"
    return None


def norm_outcome(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "success" if value else "failure"
    s = str(value).strip().lower()
    if s in ("success", "succeeded", "successful", "ok", "pass", "passed", "resolved", "win", "true", "completed"):
        return "success"
    if s in ("failure", "failed", "fail", "error", "unresolved", "loss", "false", "abandoned"):
        return "failure"
    return None


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def to_int(value: Any) -> int | None:
    f = to_float(value)
    return None if f is None else int(f)


def consent_of(value: Any) -> tuple[bool | None, list[str] | None]:
    """consent: bool, "yes"/"no", or {"training": bool, "purposes": [...]}, -> (consent_training, purposes)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str):
        s = value.strip().lower()
        if s in ("true", "yes", "granted", "opt_in", "opt-in", "1"):
            return True, None
        if s in ("false", "no", "denied", "opt_out", "opt-out", "0", "revoked"):
            return False, None
        return None, None
    if isinstance(value, dict):
        training = value.get("training", value.get("train", value.get("allowed")))
        c, _ = consent_of(training) if training is not None else (None, None)
        purposes = value.get("purposes")
        if isinstance(purposes, list):
            plist = sorted({str(p) for p in purposes})
        else:
            plist = None
        if c is None and plist is not None:
            c = "training" in plist
        return c, plist
    return None, None


def derived_session(src: SourceFile, line: int, *extra: Any) -> str:
    """Stable session id for a record whose log carries none."""
    return "s_" + stable_id("session", src.rel, line, *extra, length=20)


def derived_call_id(src: SourceFile, line: int, seq: int) -> str:
    return "call_" + stable_id("call", src.rel, line, seq, length=16)


def first_key(d: dict, keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for k in keys:
        if k in d and d[k] is not None and d[k] != "":
            return k, d[k]
    return None, None


__all__ = [
    "Emitter",
    "guarded",
    "json_records",
    "read_document",
    "first_json_objects",
    "text_of",
    "is_error_result",
    "normalize_tools",
    "norm_thumbs",
    "norm_outcome",
    "consent_of",
    "derived_session",
    "derived_call_id",
    "loads",
]
