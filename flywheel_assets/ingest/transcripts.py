"""Plain-text transcripts (``FORMAT = "transcript"``).

Two shapes:

1. **Text files** with speaker prefixes ``User:``/``Human:``/``Assistant:``/``AI:``/``System:``/``Tool:``
   (case-insensitive, at the start of a line). A line without a prefix continues the previous turn. Optional
   header lines ``Session: <id>``, ``Conversation: <id>``, ``### conversation <id>``, ``Date: <iso>``,
   ``Model: <name>`` describe the conversation that follows. Conversations are separated by header lines when the
   file has any; otherwise by blank lines (a file with headers keeps blank lines inside turns), except in the
   ``\n\nHuman: ...\n\nAssistant: ...`` layout (a blank line before every turn), where the whole file is one
   conversation.
   One record = one conversation; its ``source_line`` is the conversation's first line. Tool turns may be explicit:
   ``Assistant: [tool_call NAME id=ID] {json args}`` (one line per call; consecutive call lines are one assistant
   message) and ``Tool: [NAME id=ID] result`` (matched to its call by id).
2. **tau-bench JSONL** (``{"messages_display": "user: ...\\nassistant: ...\\ntool: ..."}``), one record per line.
   In that data an ``assistant: None`` line stands for an assistant turn whose only output was a tool call (the
   flattening dropped the call): it becomes a ``tool_call`` event whose name is ``"unknown"`` (arguments unknown,
   ``attributes.call_reconstructed``), and the following ``tool:`` line its ``tool_result``. The one call that the
   result identifies unambiguously, ``Transfer successful`` -> ``transfer_to_human_agents``, is named.

A conversation with no recognisable speaker turn is quarantined (``no_speaker_turns``).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    derived_call_id,
    derived_session,
    Emitter,
    first_json_objects,
    guarded,
    is_error_result,
    json_outcomes,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, decode
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "transcript"

SPEAKERS = {
    "user": "user", "human": "user", "customer": "user", "assistant": "assistant", "ai": "assistant",
    "bot": "assistant", "agent": "assistant", "system": "system", "tool": "tool", "function": "tool",
    "observation": "tool",
}
_SPEAKER_RE = re.compile(r"^\s*(user|human|customer|assistant|ai|bot|agent|system|tool|function|observation)\s*:(.*)$",
                         re.IGNORECASE)
_SNIFF_SPEAKER_RE = re.compile(r"^\s*(user|human|assistant|ai|system|tool)\s*:", re.IGNORECASE)
_HEADER_RE = re.compile(r"^\s*(?:(session|conversation|date|timestamp|model)\s*(?:id)?\s*:\s*(.*?)\s*$"
                        r"|#{2,}\s*conversation\b[\s:#-]*(.*?)\s*$)", re.IGNORECASE)
BLANK_TURN_SHARE = 0.8  # share of turns after a blank line from which a file is one Human/Assistant conversation
KNOWN_RESULTS = {"Transfer successful": "transfer_to_human_agents"}  # tau-bench tool whose result names it
# explicit tool turns: ``Assistant: [tool_call NAME id=ID] {json args}`` and ``Tool: [NAME id=ID] result``
_CALL_RE = re.compile(r"^\s*\[(?:tool_call|function_call|tool_use)\s+(?P<name>[A-Za-z_][\w.\-]*)"
                      r"(?:\s+id=(?P<id>[^\s\]]+))?\]\s*(?P<args>.*)$", re.DOTALL)
_RESULT_RE = re.compile(r"^\s*\[(?P<name>[A-Za-z_][\w.\-]*)\s+id=(?P<id>[^\s\]]+)\]\s?(?P<text>.*)$", re.DOTALL)


def sniff(head: str, rel: str) -> float:
    objs = first_json_objects(head)
    if objs:
        ok = sum(1 for o in objs if isinstance(o, dict) and isinstance(o.get("messages_display"), str))
        return 0.95 * ok / len(objs)
    s = head.lstrip()
    if not s or s[0] in "{[":
        return 0.0
    lines = [ln for ln in head.splitlines() if ln.strip()][:200]
    if not lines:
        return 0.0
    turns = [m.group(1).lower() for ln in lines if (m := _SNIFF_SPEAKER_RE.match(ln))]
    roles = {SPEAKERS[t] for t in turns}
    if len(turns) < 2 or not ({"user", "assistant"} <= roles):
        return 0.0
    frac = len(turns) / len(lines)
    score = 0.5 + 0.4 * min(1.0, frac * 2)
    if rel.lower().endswith((".txt", ".txt.gz")):
        score += 0.05
    return min(score, 0.95)


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    head = src.head(4096).lstrip()
    if head[:1] in (b"{", b"["):
        yield from _parse_jsonl(src)
    else:
        yield from _parse_text(src)


# ---------------------------------------------------------------- tau-bench style JSONL
def _parse_jsonl(src: SourceFile) -> Iterator[Outcome]:
    yield from json_outcomes(src, lambda obj, line, offset, raw: _jsonl_record(obj, src, line, offset, raw))


def _jsonl_record(obj: Any, src: SourceFile, line: int, offset: int, raw: bytes) -> Outcome:
    if not isinstance(obj, dict):
        raise Quarantine("wrong_type:record", f"record is {type(obj).__name__}")
    text = obj.get("messages_display", obj.get("transcript", obj.get("text")))
    if text is None:
        raise Quarantine("missing_field:messages_display", "no transcript text")
    if not isinstance(text, str):
        raise Quarantine("wrong_type:messages_display", f"messages_display is {type(text).__name__}")
    sid = obj.get("session_id") or obj.get("id")
    turns = _turns([(line, ln) for ln in text.split("\n")])
    em = Emitter(src, FORMAT, line, offset,
                 session_id=str(sid) if isinstance(sid, (str, int)) else derived_session(src, line))
    _emit_turns(em, turns, {"transcript_shape": "messages_display"})
    return em.outcome()


# ---------------------------------------------------------------- plain text
def _parse_text(src: SourceFile) -> Iterator[Outcome]:
    n = 0
    for o in _text_outcomes(src):
        n += 1
        yield o
    if n == 0:
        yield Outcome.bad(1, 0, "empty_file", "file holds no records")


def _text_outcomes(src: SourceFile) -> Iterator[Outcome]:
    lines: list[tuple[int, int, str]] = []
    for line_no, offset, raw, err in src.iter_lines():
        bad = None
        if err:
            bad = Outcome.bad(line_no, offset, err.split(":")[0], err, raw or b"")
        else:
            try:
                lines.append((line_no, offset, decode(raw)))
            except Quarantine as q:
                # an undecodable line is quarantined on its own; it also ends the conversation before it
                bad = Outcome.bad(line_no, offset, q.reason, q.detail, raw)
        if bad is not None:
            yield from _conversations(src, lines)
            lines = []
            yield bad
    yield from _conversations(src, lines)


def _is_header(t: str) -> bool:
    return bool(_HEADER_RE.match(t)) and not _SPEAKER_RE.match(t)


def blank_before_every_turn(lines: list[tuple[int, int, str]]) -> bool:
    """True for the ``\n\nHuman: ...\n\nAssistant: ...`` layout: (nearly) every speaker line after the first
    follows a blank line. In blank-separated files only a conversation's first turn does (at most half of them)."""
    after_blank = n = 0
    prev_blank, seen_first = True, False
    for _, _, t in lines:
        if _SPEAKER_RE.match(t):
            if seen_first:
                n += 1
                after_blank += prev_blank
            seen_first = True
        prev_blank = not t.strip()
    return n >= 1 and after_blank >= BLANK_TURN_SHARE * n


def _conversations(src: SourceFile, lines: list[tuple[int, int, str]]) -> Iterator[Outcome]:
    """Split lines into conversations: at header lines when the file has any, else at a speaker line that follows
    a blank line (a blank line followed by prose continues the turn)."""
    has_headers = any(_is_header(t) for _, _, t in lines)
    whole = not has_headers and blank_before_every_turn(lines)
    blocks: list[list[tuple[int, int, str]]] = []
    cur: list[tuple[int, int, str]] = []
    cur_has_turn = prev_blank = False
    for item in lines:
        t = item[2]
        blank = not t.strip()
        if has_headers:
            split = _is_header(t) and bool(cur) and (cur_has_turn or not any(_is_header(x) for _, _, x in cur))
        elif whole:
            split = False  # Human/Assistant layout: a blank line before every turn, one conversation per file
        else:
            split = prev_blank and bool(cur) and bool(_SPEAKER_RE.match(t))
        if split:
            blocks.append(cur)
            cur, cur_has_turn = [], False
        prev_blank = blank
        if blank and not cur:
            continue
        cur.append(item)
        cur_has_turn = cur_has_turn or bool(_SPEAKER_RE.match(t))
    if cur:
        blocks.append(cur)
    for block in blocks:
        raw = "\n".join(t for _, _, t in block).encode("utf-8", "surrogatepass")
        yield guarded(block[0][0], block[0][1], raw, _text_record, block, src)


def _text_record(block: list[tuple[int, int, str]], src: SourceFile) -> Outcome:
    line, offset = block[0][0], block[0][1]
    header: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for ln, _, t in block:
        m = _HEADER_RE.match(t)
        if m and not _SPEAKER_RE.match(t) and not any(_SPEAKER_RE.match(x) for _, x in body):
            key = (m.group(1) or "conversation").lower()
            key = "session" if key == "conversation" else key
            header.setdefault(key, m.group(2) if m.group(1) else m.group(3))  # the first header line wins
            continue
        body.append((ln, t))
    turns = _turns(body)
    sid = header.get("session")
    ts = parse_timestamp(header.get("date") or header.get("timestamp"))
    em = Emitter(src, FORMAT, line, offset, session_id=sid or derived_session(src, line), timestamp=ts,
                 model=header.get("model") or None)
    _emit_turns(em, turns, None)
    return em.outcome()


# ---------------------------------------------------------------- shared
def parse_turns(text: str) -> list[tuple[str, str]]:
    """(role, text) turns of one speaker-prefixed transcript string (e.g. ``"\n\nHuman: hi\n\nAssistant: hello"``);
    role is user / assistant / system / tool. Prose before the first speaker line is dropped; raises
    :class:`Quarantine` (``no_speaker_turns``) when the text has no speaker line."""
    turns = _turns([(i + 1, ln) for i, ln in enumerate(text.split("\n"))])
    return [(role, t.strip("\n")) for role, t, _ in turns if role != "preamble"]


def _turns(body: list[tuple[int, str]]) -> list[tuple[str, str, int]]:
    """(role, text, line) turns; continuation lines join the previous turn; leading prose without a speaker is
    kept in ``preamble`` only if no turn exists (then the record is quarantined)."""
    turns: list[list] = []
    preamble: list[str] = []
    for ln, t in body:
        m = _SPEAKER_RE.match(t)
        if m:
            text = m.group(2)
            turns.append([SPEAKERS[m.group(1).lower()], text[1:] if text.startswith(" ") else text, ln])
        elif turns:
            turns[-1][1] += "\n" + t
        elif t.strip():
            preamble.append(t)
    if not turns:
        raise Quarantine("no_speaker_turns", "no line starts with a recognised speaker prefix")
    if preamble:
        turns.insert(0, ["preamble", "\n".join(preamble), body[0][0]])
    return [(r, txt.rstrip("\n") if r != "tool" else txt.strip("\n"), ln) for r, txt, ln in turns]


def _emit_turns(em: Emitter, turns: list[tuple[str, str, int]], attrs: dict | None) -> None:
    pending: list[dict] = []
    preamble: str | None = None
    for i, (role, text, _ln) in enumerate(turns):
        nxt = turns[i + 1][0] if i + 1 < len(turns) else None
        a = dict(attrs or {})
        if role == "preamble":
            preamble = text
            continue
        if preamble is not None:
            a["preamble"] = preamble  # prose before the first speaker line: kept, never dropped
            preamble = None
        if role == "assistant" and text.strip() == "None" and nxt == "tool":
            result = turns[i + 1][1].strip()
            name = KNOWN_RESULTS.get(result)
            a["call_reconstructed"] = True
            a["tool_name_source"] = "result" if name else "unknown"
            seq = len(em.events)
            ev = em.emit("tool_call", tool_name=name or "unknown", tool_call_id=derived_call_id(em.src, em.line, seq),
                         tool_arguments=None, attributes=a)
            pending.append(ev)
            continue
        if role == "assistant" and (cm := _CALL_RE.match(text)):
            # one line per call; consecutive call lines (and the assistant text line before them) form one message
            args = cm.group("args").strip()
            ev = em.emit("tool_call", tool_name=cm.group("name"),
                         tool_call_id=cm.group("id") or derived_call_id(em.src, em.line, len(em.events)),
                         tool_arguments=args if args else None, attributes=a or None)
            pending.append(ev)
            continue
        if role == "tool" and (rm := _RESULT_RE.match(text)):
            cid, name, body = rm.group("id"), rm.group("name"), rm.group("text").strip("\n")
            call = next((c for c in pending if c["tool_call_id"] == cid), None)
            if call is None:  # the call line is missing: reconstruct it from the result's name and id
                call = em.emit("tool_call", tool_name=name, tool_call_id=cid, tool_arguments=None,
                               attributes={**a, "call_reconstructed": True, "tool_name_source": "result"})
            else:
                pending.remove(call)
            em.emit("tool_result", content=body, tool_name=name or call["tool_name"], tool_call_id=cid,
                    parent_event_id=call["event_id"], status="error" if is_error_result(body) else "ok",
                    attributes=a or None)
            continue
        if role == "tool":
            if not pending:
                # a tool result implies a call the flattened transcript does not show: reconstruct it
                name = KNOWN_RESULTS.get(text.strip())
                seq = len(em.events)
                pending.append(em.emit(
                    "tool_call", tool_name=name or "unknown", tool_call_id=derived_call_id(em.src, em.line, seq),
                    tool_arguments=None,
                    attributes={**a, "call_reconstructed": True, "tool_name_source": "result" if name else "unknown"}))
            call = pending.pop(0)
            em.emit("tool_result", content=text, tool_name=call["tool_name"] if call else None,
                    tool_call_id=call["tool_call_id"] if call else None,
                    parent_event_id=call["event_id"] if call else None,
                    status="error" if is_error_result(text) else "ok", attributes=a or None)
            continue
        if role == "assistant" and text.strip() == "None":
            a["content_none"] = True
            text = ""
        em.emit(role, content=text, attributes=a or None)
