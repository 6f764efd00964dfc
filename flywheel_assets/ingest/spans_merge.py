"""The one model both span families go through (see :mod:`flywheel_assets.ingest.spans`): a trace is a list of
observations (:class:`Obs`: input / output messages, timing, model, usage); :func:`merge_observations` merges their
repeated histories into ONE ordered conversation, :func:`conversation_events` turns it into events, and
:func:`observation_conversations` rebuilds each observation's ChatML from those events."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import polars as pl

from flywheel_assets.ingest.spans_messages import merge_tools, plain_message
from flywheel_assets.schema import new_event

_WS = re.compile(r"\s+")


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
