"""Ingest of tracing spans: OTLP JSON (OpenTelemetry GenAI semconv) and Langfuse trace exports.

Records (what one :class:`Outcome` stands for):

* **OTLP JSONL** (collector ``file`` exporter): one ``ExportTraceServiceRequest`` per line = one record; the
  record's events may span several traces (each trace is its own session unless a session id says otherwise).
  A trace whose spans continue on later lines (batches) keeps ONE conversation: each line emits the messages it
  adds; ``seq`` counts across the file.
* **OTLP JSON document** (one ``{"resourceSpans": [...]}`` object, possibly pretty-printed): one record per
  trace id, numbered 1.. in order of first appearance (``source_line`` = that index, ``source_offset`` = 0).
* **Langfuse export** ``{"trace": {...}, "observations": [...]}``: one record per trace (a JSON list of such
  exports, or JSONL of them, gives one record per element / line).

Both families go through the same model: a trace is a list of *observations* (spans) each with input messages,
output messages, timing, model and usage. Every GENERATION (LLM call) repeats the conversation history in its
input, so the observations' messages are merged into ONE ordered conversation per trace
(:func:`merge_observations`): each distinct message is emitted once, in conversation order (``seq``), and its
event ``attributes`` record the message id within the trace (``msg``) and every place it appeared
(``observations: [[obs_id, "input"|"output", position], ...]``). :func:`observation_conversations` rebuilds the
per-observation ChatML from events (used to check ourselves against Langfuse's own derivation).

Events: system/user/assistant messages -> one event each (an assistant message that only calls tools has no
``assistant`` event); each tool call -> ``tool_call``; a tool message -> ``tool_result`` (``parent_event_id`` ->
its call); an errored span -> ``error``; Langfuse trace scores -> ``feedback``. Timestamps are made
non-decreasing in ``seq`` order so that ordering by (timestamp, seq) keeps conversation order.

Quarantine reasons: ``invalid_json``, ``json_too_deep``, ``invalid_utf8``, ``nul_bytes``, ``not_spans``
(JSON that is neither OTLP nor a Langfuse export), ``no_genai_spans`` (spans without any ``gen_ai.*`` /
OpenInference LLM attribute; an export without generation/tool observations), ``no_chat_content`` (GenAI spans
that carry no message, no tool call and no error), plus the source reader's ``record_too_large`` /
``corrupt_compression``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterator

import polars as pl

from flywheel_assets.ingest.source import Outcome, Quarantine, decode, loads
from flywheel_assets.ingest.spans_messages import merge_tools, plain_message
from flywheel_assets.schema import new_event

FORMAT = "otlp"
FORMATS = ("langfuse",)

_WS = re.compile(r"\s+")


# ----------------------------------------------------------------------------------------------- detection
def sniff(head: str, rel: str) -> float:
    """High for OTLP ``resourceSpans`` JSON/JSONL and Langfuse ``{"trace":..., "observations": [...]}``."""
    h = head[:65536]
    if '"resourceSpans"' in h or '"resource_spans"' in h:
        return 0.95
    if '"observations"' in h and ('"trace"' in h or '"traceId"' in h):
        return 0.9
    if rel.endswith((".trace.json", ".otlp.json", ".otlp.jsonl")) and '"spans"' in h:
        return 0.5
    return 0.0


# ----------------------------------------------------------------------------------------------- model
class Obs:
    """One span/observation reduced to what the conversation needs (format independent)."""

    __slots__ = ("id", "kind", "name", "start", "end", "inputs", "outputs", "model", "prompt_tokens",
                 "completion_tokens", "error", "tools", "attrs")

    def __init__(self, id: str, kind: str, name: str | None = None, start: datetime | None = None,
                 end: datetime | None = None):
        self.id = id
        self.kind = kind  # generation | tool | other
        self.name = name
        self.start = start
        self.end = end
        self.inputs: list[dict] = []
        self.outputs: list[dict] = []
        self.model: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.error: str | None = None  # error message when the span failed
        self.tools: Any = None  # declared tool schemas
        self.attrs: dict = {}


def _norm_text(s: str) -> str:
    return _WS.sub(" ", s or "").strip()


def message_key(m: dict) -> tuple:
    """Identity of a message for de-duplication across observations."""
    if m["role"] == "tool" and m.get("tool_call_id"):
        return ("tool", m["tool_call_id"])
    calls = tuple((c["name"], c["arguments"]) for c in (m.get("tool_calls") or []))
    return (m["role"], _norm_text(m["content"]), calls)


def merge_observations(observations: list[Obs], conv: list[dict] | None = None) -> list[dict]:
    """Merge observations (already in time order) into one conversation (``conv``, extended in place when given:
    spans of one trace arriving in several OTLP batches are merged into the same conversation).

    Returns entries ``{"uid", "msg": plain message, "where": [(obs_id, side, pos)], "ts": datetime|None,
    "obs": Obs}`` in conversation order. Each observation's messages are aligned left-to-right against the
    conversation so far (a message matches the next equal message after the previous match); unmatched ones are
    inserted right after the previous match, or appended at the end when the observation has no match yet.
    A tool result with a call id is one message wherever it sits (parallel results listed in another order are not
    copied; new ones go after their call's earlier-listed results); assistant renderings whose call ids differ are
    different messages (a retried call with the same tool and arguments); a tool span that starts before the
    generation producing its call is merged after that generation (:func:`_calls_before_tools`).
    """
    conv = [] if conv is None else conv
    for o in _calls_before_tools(observations):
        pos: int | None = None
        seq = [("input", i, m, o.start) for i, m in enumerate(o.inputs)]
        seq += [("output", i, m, o.end or o.start) for i, m in enumerate(o.outputs)]
        for side, i, m, ts in seq:
            if o.kind == "tool" and m["role"] == "tool" and not m.get("tool_call_id"):
                m = _infer_call_id(m, conv)
            key = message_key(m)
            found = None
            for j in range(0 if pos is None else pos + 1, len(conv)):
                e = conv[j]
                if e["key"] == key and o.id not in e["seen"] and _same_call_ids(e["msg"], m):
                    found = j
                    break
            if found is None and m["role"] == "tool" and m.get("tool_call_id"):
                # a call id names one result: it may sit before ``pos`` when parallel results arrived in another
                # order than this observation lists them (never copy it twice)
                found = next((j for j, e in enumerate(conv) if e["key"] == key and o.id not in e["seen"]), None)
            if found is None and o.kind == "tool" and m["role"] == "tool" and not m.get("tool_call_id"):
                # a tool span without a call id restating a result the conversation already holds
                for j, e in enumerate(conv):
                    if e["msg"]["role"] == "tool" and o.id not in e["seen"] \
                            and _norm_text(e["msg"]["content"]) == _norm_text(m["content"]):
                        found = j
                        break
            ids = {c["id"] for c in m.get("tool_calls") or [] if c["id"]}
            if found is None and ids and len(ids) == len(m["tool_calls"]):
                # the same call(s) seen elsewhere (e.g. a tool span restating the call of a generation)
                for j, e in enumerate(conv):
                    if o.id not in e["seen"] and ids <= {c["id"] for c in e["msg"].get("tool_calls") or []}:
                        found = j
                        break
            if found is None:
                found = len(conv) if pos is None else pos + 1
                if m["role"] == "tool" and m.get("tool_call_id"):
                    found = _result_slot(conv, m["tool_call_id"], found)
                conv.insert(found, {"uid": len(conv), "msg": m, "key": key, "where": [], "seen": set(), "ts": ts,
                                    "obs": o, "side": side})
            else:
                e = conv[found]
                if e["obs"].kind == "tool" and o.kind == "generation" and m["role"] == "tool":
                    e["msg"] = m  # keep the tool result as the model saw it, not the tool span's own rendering
                # prefer the richer copy (tool call ids present) of the same message
                if m.get("tool_calls") and any(c["id"] for c in m["tool_calls"]) and not any(
                        c["id"] for c in (e["msg"].get("tool_calls") or [])):
                    e["msg"] = m
                if side == "output" and e["side"] != "output":
                    e["obs"], e["side"] = o, side  # the generation that produced it
            conv[found]["where"].append((o.id, side, i))
            conv[found]["seen"].add(o.id)
            pos = found
    return conv


def _same_call_ids(a: dict, b: dict) -> bool:
    """Two renderings of an assistant message may be the same message unless both name their calls' ids and the
    ids differ (a retried call with the same tool and arguments is a new message)."""
    ia = [c["id"] for c in a.get("tool_calls") or [] if c.get("id")]
    ib = [c["id"] for c in b.get("tool_calls") or [] if c.get("id")]
    return not (ia and ib and ia != ib)


def _calls_before_tools(observations: list[Obs]) -> list[Obs]:
    """Observation order for merging: time order, except that a tool span whose call id(s) are first produced by a
    later generation's output (clock skew: the tool span starts before the model call that requested it ends) is
    merged right after that generation, so the call is not copied as a separate assistant turn."""
    produced_at: dict[str, int] = {}
    for k, o in enumerate(observations):
        if o.kind == "generation":
            for m in o.outputs:
                for c in m.get("tool_calls") or []:
                    if c.get("id"):
                        produced_at.setdefault(c["id"], k)
    moved: dict[int, list[Obs]] = {}
    order: list[Obs] = []
    for k, o in enumerate(observations):
        ids = [c["id"] for m in o.inputs for c in m.get("tool_calls") or [] if c.get("id")] if o.kind == "tool" else []
        later = max((produced_at.get(i, -1) for i in ids), default=-1)
        if later > k:
            moved.setdefault(later, []).append(o)
            continue
        order.append(o)
        order.extend(moved.pop(k, []))
    return order


def _result_slot(conv: list[dict], call_id: str, default: int) -> int:
    """Where a new tool result goes: after the assistant message that made the call and after the results of that
    message's earlier calls (parallel results in call order, whatever order their tool spans started in)."""
    for a, e in enumerate(conv):
        calls = [c["id"] for c in e["msg"].get("tool_calls") or []]
        if call_id not in calls:
            continue
        rank = calls.index(call_id)
        j = a + 1
        while j < len(conv) and conv[j]["msg"]["role"] == "tool" and conv[j]["msg"].get("tool_call_id") in calls \
                and calls.index(conv[j]["msg"]["tool_call_id"]) < rank:
            j += 1
        between = conv[j:default]
        if a < j <= default and all(e2["msg"]["role"] == "tool" and e2["msg"].get("tool_call_id") in calls
                                    for e2 in between):
            return j
        return default
    return default


def _infer_call_id(m: dict, conv: list[dict]) -> dict:
    """A tool span that does not log its call id answers the oldest unanswered call of the same tool."""
    answered = {e["msg"].get("tool_call_id") for e in conv if e["msg"]["role"] == "tool"}
    for e in conv:
        for c in e["msg"].get("tool_calls") or []:
            if c["id"] and c["id"] not in answered and (m.get("name") is None or c["name"] == m["name"]):
                return {**m, "tool_call_id": c["id"], "name": m.get("name") or c["name"]}
    return m


def conversation_events(conv: list[dict], observations: list[Obs], *, source_file: str, source_line: int,
                        source_offset: int, source_format: str, session_id: str | None, user_hash: str | None,
                        seq_start: int = 0, extra_attrs: dict | None = None,
                        state: dict | None = None) -> list[dict]:
    """Events for a merged conversation + error events for failed spans (ordered by time).

    With a ``state`` dict (kept by the caller between calls on a growing conversation) only entries not emitted
    before are emitted, so a trace split over several records yields each message once."""
    events: list[dict] = []
    seq = seq_start
    state = {} if state is None else state
    call_event: dict[str, str] = state.setdefault("call_event", {})
    pending: dict[str, str] = state.setdefault("pending", {})  # open tool calls: id -> tool name, in call order
    errored: set = state.setdefault("errored", set())
    last_ts: datetime | None = None
    first_tools = None if state.get("tools_done") else merge_tools(*[e["obs"].tools for e in conv])
    tools_done = False
    common = dict(source_file=source_file, source_line=source_line, source_offset=source_offset,
                  source_format=source_format, session_id=session_id, user_hash=user_hash)
    for e in conv:
        m, o = e["msg"], e["obs"]
        ts = e.get("ev_ts", e["ts"])
        if ts is None or (last_ts is not None and ts < last_ts and "ev_ts" not in e):
            ts = last_ts
        last_ts = max(ts, last_ts) if ts and last_ts else (ts or last_ts)
        if "ev_ts" in e:
            continue  # emitted with an earlier record
        e["ev_ts"] = ts
        attrs = {"msg": e["uid"], "observations": sorted([list(w) for w in e["where"]])}
        if extra_attrs:
            attrs.update(extra_attrs)
        produced = e["side"] == "output"
        gen = dict(model=o.model, latency_ms=_latency(o), prompt_tokens=o.prompt_tokens,
                   completion_tokens=o.completion_tokens) if produced and o.kind == "generation" else {}
        tools = None
        if not tools_done and first_tools:
            tools, tools_done = first_tools, True
            state["tools_done"] = True
        role = m["role"]
        if role in ("system", "user"):
            named = {**attrs, "name": m["name"]} if m.get("name") else attrs
            events.append(new_event(**common, seq=seq, kind=role, timestamp=ts, content=m["content"],
                                    tools=tools, attributes=named))
            seq += 1
        elif role == "assistant":
            if m["content"] or not m.get("tool_calls"):
                events.append(new_event(**common, seq=seq, kind="assistant", timestamp=ts, content=m["content"],
                                        tools=tools, attributes=attrs, **gen))
                seq += 1
                tools, gen = None, {}
            for k, c in enumerate(m.get("tool_calls") or []):
                ev = new_event(**common, seq=seq, kind="tool_call", timestamp=ts, tool_name=c["name"],
                               tool_call_id=c["id"], tool_arguments=c["arguments"], tools=tools,
                               attributes={**attrs, "call": k}, **gen)
                tools, gen = None, {}
                if c["id"]:
                    call_event.setdefault(c["id"], ev["event_id"])
                    pending.setdefault(c["id"], c["name"])
                events.append(ev)
                seq += 1
        else:  # tool
            cid, name = m.get("tool_call_id"), m.get("name")
            if cid and cid in pending:
                name = name or pending[cid]
            if not cid:  # no call id in the log: answer the oldest open call of the same tool (FIFO)
                cid = next((k for k, v in pending.items() if name is None or v == name), None)
                if cid is not None:
                    name = name or pending[cid]
                    attrs["call_id_inferred"] = True
            pending.pop(cid, None)
            events.append(new_event(**common, seq=seq, kind="tool_result", timestamp=ts, content=m["content"],
                                    tool_name=name, tool_call_id=cid, tools=tools,
                                    parent_event_id=call_event.get(cid or ""),
                                    status="error" if (m["content"] or "").startswith("ERROR") else "ok",
                                    attributes=attrs))
            seq += 1
    for o in observations:
        if o.error is None or (o.kind == "tool" and o.outputs) or o.id in errored:
            continue  # a failed tool call is already its "ERROR: ..." tool_result
        errored.add(o.id)
        ts = o.end or o.start
        if last_ts is not None and (ts is None or ts < last_ts):
            ts = last_ts
        events.append(new_event(**common, seq=seq, kind="error", timestamp=ts, content=o.error[:2000],
                                status="error", model=o.model, latency_ms=_latency(o),
                                tool_name=o.attrs.get("tool_name") if o.kind == "tool" else None,
                                attributes={"observation": o.id, "span_name": o.name, "span_kind": o.kind}))
        seq += 1
    return events


def _latency(o: Obs) -> float | None:
    if o.start is None or o.end is None:
        return None
    return max(0.0, (o.end - o.start).total_seconds() * 1000.0)


def observation_conversations(events: pl.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """Rebuild, per observation id, the ``{"input": [msgs], "output": [msgs]}`` it contained, from events
    written by this module (uses ``attributes.msg`` / ``attributes.observations``). Messages are plain
    ``{role, content, tool_calls: [{id, name, arguments}] | None, tool_call_id, name}`` dicts."""
    msgs: dict[tuple, dict] = {}
    where: dict[tuple, list] = {}
    order: list[tuple] = []
    rows = events.filter(pl.col("kind").is_in(["system", "user", "assistant", "tool_call", "tool_result"]))
    for r in rows.sort(["source_file", "source_line", "seq"]).iter_rows(named=True):
        try:
            a = json.loads(r["attributes"] or "{}")
        except ValueError:
            continue
        if "msg" not in a:
            continue
        k = (r["source_file"], r["source_line"], a["msg"])
        kind = r["kind"]
        if k not in msgs:
            role = {"tool_call": "assistant", "tool_result": "tool"}.get(kind, kind)
            msgs[k] = plain_message(role, "", name=a.get("name") if role in ("system", "user") else None)
            where[k] = a.get("observations") or []
            order.append(k)
        m = msgs[k]
        if kind == "tool_call":
            m["tool_calls"] = (m["tool_calls"] or []) + [
                {"id": r["tool_call_id"], "name": r["tool_name"], "arguments": r["tool_arguments"] or "{}"}]
        elif kind == "tool_result":
            m.update(content=r["content"] or "", tool_call_id=r["tool_call_id"], name=r["tool_name"])
        else:
            m["content"] = r["content"] or ""
    out: dict[str, dict[str, list]] = {}
    placed: dict[str, dict[str, list]] = {}
    for k in order:
        for obs_id, side, pos in where[k]:
            placed.setdefault(obs_id, {"input": [], "output": []})[side].append((pos, msgs[k]))
    for obs_id in sorted(placed):
        out[obs_id] = {s: [m for _, m in sorted(v, key=lambda t: t[0])] for s, v in placed[obs_id].items()}
    return out


# ----------------------------------------------------------------------------------------------- parse
def parse(src, ctx) -> Iterator[Outcome]:
    """One Outcome per record (see module docstring). Never raises on content."""
    from flywheel_assets.ingest import spans_otlp

    data, err = src.read_all()
    if err:
        yield Outcome.bad(1, 0, err.split(":")[0], err, data)
        return
    try:
        text = decode(data)
    except Quarantine as q:
        yield Outcome.bad(1, 0, q.reason, q.detail, data)
        return
    if not text.strip():
        yield Outcome.bad(1, 0, "empty_file", "no content", data)
        return
    try:
        doc = loads(text)
        whole = True
    except Quarantine as q:
        doc, whole, whole_q = None, False, q
    if whole:
        if isinstance(doc, dict) and ("resourceSpans" in doc or "resource_spans" in doc):
            yield from spans_otlp.parse_document(doc, src.rel, ctx, data)
            return
        items = doc if isinstance(doc, list) else [doc]
        if not items:
            yield Outcome.bad(1, 0, "not_spans", "empty JSON array", data)
            return
        for i, item in enumerate(items, start=1):
            yield _one_langfuse(item, src.rel, i, 0, ctx, data if len(items) == 1 else b"")
        return
    # not one JSON document: JSONL (one record per non-blank line)
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    try:
        loads(first)
        jsonl = len([ln for ln in lines if ln.strip()]) > 1
    except Quarantine:
        jsonl = False
    if not jsonl:  # one (broken, e.g. truncated) document, not JSON lines: one record
        yield Outcome.bad(1, 0, whole_q.reason, whole_q.detail, data)
        return
    offset = 0
    otlp_state: dict = {}  # traces split over several lines (collector batches) merge into one conversation
    for line_no, line in enumerate(lines, start=1):
        raw = line.encode("utf-8", "surrogatepass")
        start = offset
        offset += len(raw) + 1
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except Quarantine as q:
            yield Outcome.bad(line_no, start, q.reason, q.detail, raw)
            continue
        if isinstance(obj, dict) and ("resourceSpans" in obj or "resource_spans" in obj):
            yield spans_otlp.parse_request(obj, src.rel, line_no, start, ctx, raw, otlp_state)
        else:
            yield _one_langfuse(obj, src.rel, line_no, start, ctx, raw)


def _one_langfuse(item, rel, line, offset, ctx, raw) -> Outcome:
    from flywheel_assets.ingest import spans_langfuse

    if not (isinstance(item, dict) and isinstance(item.get("trace"), dict)
            and isinstance(item.get("observations", []), list)):
        return Outcome.bad(line, offset, "not_spans", "neither OTLP resourceSpans nor a Langfuse trace export",
                           raw)
    try:
        events = spans_langfuse.trace_events(item, rel, line, offset, ctx)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return Outcome.bad(line, offset, "invalid_structure", f"{type(exc).__name__}: {exc}"[:300], raw)
    if not events:
        n_gen = sum(1 for o in item.get("observations") or []
                    if isinstance(o, dict) and str(o.get("type") or "").upper() in ("GENERATION", "TOOL"))
        if n_gen:
            return Outcome.bad(line, offset, "no_chat_content", f"{n_gen} generation/tool observations, no messages",
                               raw)
        return Outcome.bad(line, offset, "no_genai_spans", "trace has no generation or tool observation", raw)
    return Outcome(line=line, offset=offset, events=events)
