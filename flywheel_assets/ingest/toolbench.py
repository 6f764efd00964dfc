"""ToolBench agent runs and query lists (``FORMAT = "toolbench"``), whole-JSON-document files.

Record mapping (documented contract):

- **Run file** (``answer/G*_answer/*.json``: an object with ``answer_generation``): the file is ONE record
  (``source_line`` 1, offset 0) -> one trajectory session ``toolbench/<file stem>``:
  ``system`` (when the run has one), ``user`` (the query turn), for each assistant step an ``assistant`` event for
  its thought text (when any) and a ``tool_call`` event (legacy ``function_call``; ids derived), each ``function``
  message a ``tool_result`` linked to its call (``status="error"`` when its JSON ``error`` field is non-empty),
  the ``Finish`` call becomes the final ``assistant`` event (content = ``final_answer``; a give-up keeps the
  thought, ``attributes.finish`` holds the return type), and a ``feedback`` event with ``outcome`` success/failure
  from ``win`` (parent = the final assistant event). The conversation is the last (longest) entry of
  ``answer_generation.train_messages``; runs without ``train_messages`` are rebuilt from the search ``tree`` by
  following the first child at every node (the first path the DFS explored; ``attributes.trajectory_source``).
  ``answer_generation.function`` -> the ``tools`` column (OpenAI function format).
- **Query list** (``instruction/*.json``: a JSON array of ``{"query", "query_id", "api_list"?}``): one record per
  query (``source_line`` = 1-based index in the array, ``source_offset`` = its byte offset) -> a session
  ``toolbench-query/<file stem>/<query_id>`` with a single ``user`` event; ``api_list`` -> declared ``tools``.
  There is no assistant turn, so later stages filter these out of SFT; they still ingest and count.
- A JSONL file of runs / queries is also accepted (one record per line).

A malformed element of a query list is quarantined on its own; an unparseable document is one quarantined record.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any, Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    derived_call_id,
    Emitter,
    guarded,
    is_error_result,
    json_outcomes,
    normalize_tools,
    read_document,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, loads

FORMAT = "toolbench"
_FINISH = "Finish"


def sniff(head: str, rel: str) -> float:
    s = head.lstrip()
    if not s:
        return 0.0
    window = s[:65536]
    if s[0] == "{":
        if '"answer_generation"' in window and ('"train_messages"' in window or '"finish_type"' in window):
            return 0.95
        if re.match(r'\{\s*"win"\s*:', s) and '"node_type"' in window:
            return 0.9  # answer_generation lies beyond the sniff window, after the search tree
        return 0.0
    if s[0] == "[":
        m = re.match(r'\[\s*\{\s*"(api_list|query|query_id)"\s*:', s)
        if m and '"query"' in window and ('"query_id"' in window or '"api_list"' in window):
            return 0.9
    return 0.0


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    head = src.head(4096).lstrip()
    text, raw, q = read_document(src)
    if q is not None:
        yield Outcome.bad(1, 0, q.reason, q.detail, raw)
        return
    try:
        doc = loads(text)
    except Quarantine as q1:
        if head[:1] == b"{" and b"\n{" in raw.strip():
            yield from _parse_jsonl(src)  # JSON lines of runs / queries
            return
        if head[:1] == b"[":
            yield from _parse_array_elements(src, text, q1)
            return
        yield Outcome.bad(1, 0, q1.reason, q1.detail, raw)
        return
    if isinstance(doc, dict):
        yield guarded(1, 0, raw, _record, doc, src, 1, 0, None)
    elif isinstance(doc, list):
        if not doc:
            yield Outcome.bad(1, 0, "empty_field:queries", "empty query list", raw)
            return
        offsets = _element_offsets(text)
        for i, item in enumerate(doc):
            off = offsets[i] if i < len(offsets) else 0
            item_raw = _raw_of(item)
            yield guarded(i + 1, off, item_raw, _record, item, src, i + 1, off, i)
    else:
        yield Outcome.bad(1, 0, "wrong_type:record", f"document is {type(doc).__name__}", raw)


def _raw_of(item: Any) -> bytes:
    try:
        return json.dumps(item, ensure_ascii=False)[:4096].encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return b""


def _element_offsets(text: str) -> list[int]:
    """Byte offsets of the top-level elements of a JSON array (walks the text once, strings aware)."""
    out: list[int] = []
    depth = 0
    in_str = esc = False
    pos_b = 0
    expecting = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        else:
            if depth == 1 and expecting and not ch.isspace() and ch not in ",]":
                out.append(pos_b)
                expecting = False
            if ch == '"':
                in_str = True
            elif ch in "[{":
                depth += 1
                if depth == 1:
                    expecting = True
            elif ch in "]}":
                depth -= 1
            elif ch == "," and depth == 1:
                expecting = True
        pos_b += len(ch.encode("utf-8", "surrogatepass"))
    return out


def _parse_array_elements(src: SourceFile, text: str, q: Quarantine) -> Iterator[Outcome]:
    """A truncated / partly broken array: accept each element that decodes, quarantine the broken tail."""
    dec = json.JSONDecoder()
    idx = 0
    pos = text.index("[") + 1
    while True:
        m = re.compile(r"[\s,]*").match(text, pos)
        pos = m.end()
        if pos >= len(text) or text[pos] == "]":
            return
        off_b = len(text[:pos].encode("utf-8", "surrogatepass"))
        try:
            item, end = dec.raw_decode(text, pos)
        except (ValueError, RecursionError):
            yield Outcome.bad(idx + 1, off_b, q.reason, q.detail, text[pos:pos + 4096].encode("utf-8", "replace"))
            return
        idx += 1
        yield guarded(idx, off_b, _raw_of(item), _record, item, src, idx, off_b, idx - 1)
        pos = end


def _parse_jsonl(src: SourceFile) -> Iterator[Outcome]:
    yield from json_outcomes(src, lambda obj, line, offset, raw: _record(obj, src, line, offset, line - 1))


def _record(obj: Any, src: SourceFile, line: int, offset: int, index: int | None) -> Outcome:
    if not isinstance(obj, dict):
        raise Quarantine("wrong_type:record", f"record is {type(obj).__name__}")
    if "answer_generation" in obj:
        return _run(obj, src, line, offset, index)
    if "query" in obj or "query_id" in obj or "api_list" in obj or index is not None:
        return _query(obj, src, line, offset, index)
    raise Quarantine("missing_field:answer_generation", "neither a run (answer_generation) nor a query (query)")


def _stem(src: SourceFile) -> str:
    name = PurePosixPath(src.rel.replace("\\", "/"))
    stem = name.name
    for suf in (".gz", ".json", ".jsonl"):
        if stem.endswith(suf):
            stem = stem[: -len(suf)]
    parent = name.parent.name
    return f"{parent}/{stem}" if parent else stem


# ---------------------------------------------------------------- query lists
def _query(obj: dict, src: SourceFile, line: int, offset: int, index: int | None) -> Outcome:
    query = obj.get("query")
    if not isinstance(query, str) or not query.strip():
        raise Quarantine("wrong_type:query" if query is not None else "missing_field:query", "query text")
    qid = obj.get("query_id")
    sid = f"toolbench-query/{_stem(src)}/{qid if qid is not None else index}"
    api_list = obj.get("api_list")
    tools = _api_list_tools(api_list) if api_list is not None else None
    attrs = {"query_id": qid, "record_kind": "query"}
    rel = obj.get("relevant APIs")
    if isinstance(rel, list):
        attrs["relevant_apis"] = rel
    em = Emitter(src, FORMAT, line, offset, session_id=sid)
    em.emit("user", content=query, tools=tools, attributes={k: v for k, v in attrs.items() if v is not None})
    return em.outcome()


def _api_list_tools(api_list: Any) -> list[dict]:
    if not isinstance(api_list, list):
        raise Quarantine("wrong_type:api_list", f"api_list is {type(api_list).__name__}")
    tools = []
    for api in api_list:
        if not isinstance(api, dict):
            raise Quarantine("wrong_type:api_list", "api_list entry is not an object")
        name = _tool_fn_name(api.get("api_name"), api.get("tool_name"))
        props: dict = {}
        required: list[str] = []
        for group, req in (("required_parameters", True), ("optional_parameters", False)):
            for p in api.get(group) or []:
                if isinstance(p, dict) and isinstance(p.get("name"), str):
                    props[p["name"]] = {"type": _json_type(p.get("type")), "description": p.get("description") or ""}
                    if req:
                        required.append(p["name"])
        fn = {"name": name, "description": (api.get("api_description") or "").strip(),
              "parameters": {"type": "object", "properties": props, "required": required}}
        tools.append({"type": "function", "function": fn})
    return tools


def _tool_fn_name(api_name: Any, tool_name: Any) -> str:
    """ToolBench's own naming: ``<api>_for_<tool>``, lower snake case (as in answer_generation.function)."""
    def snake(x: Any) -> str:
        return re.sub(r"[^a-z0-9]+", "_", str(x or "").lower()).strip("_")
    a, t = snake(api_name), snake(tool_name)
    return f"{a}_for_{t}" if t else (a or "unknown")


def _json_type(t: Any) -> str:
    s = str(t or "").upper()
    return {"NUMBER": "number", "INTEGER": "integer", "BOOLEAN": "boolean", "ARRAY": "array",
            "OBJECT": "object"}.get(s, "string")


# ---------------------------------------------------------------- runs
def _run(obj: dict, src: SourceFile, line: int, offset: int, index: int | None) -> Outcome:
    ag = obj["answer_generation"]
    if not isinstance(ag, dict):
        raise Quarantine("wrong_type:answer_generation", f"answer_generation is {type(ag).__name__}")
    sid = f"toolbench/{_stem(src)}" + (f"/{index}" if index else "")
    tools = normalize_tools(ag.get("function")) if ag.get("function") is not None else None
    win = obj.get("win")
    attrs = {k: ag.get(k) for k in ("finish_type", "valid_data", "query_count", "total_tokens") if ag.get(k) is not None}
    attrs["record_kind"] = "run"
    tm = ag.get("train_messages")
    if isinstance(tm, list) and tm:
        msgs = tm[-1]
        if not isinstance(msgs, list) or not msgs:
            raise Quarantine("wrong_type:train_messages", "last train_messages entry is not a message list")
        attrs["trajectory_source"] = "train_messages"
    else:
        msgs = _from_tree(obj.get("tree"), ag.get("query"))
        attrs["trajectory_source"] = "tree_first_path"
    em = Emitter(src, FORMAT, line, offset, session_id=sid)
    final = _emit_messages(em, msgs, ag)
    if not em.events:
        raise Quarantine("no_events", "run has no messages")
    first = em.events[0]
    if tools:
        from flywheel_assets.schema import json_text

        first["tools"] = json_text(tools)
    first["attributes"] = json.dumps({**(json.loads(first["attributes"]) if first["attributes"] else {}), **attrs},
                                     ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    outcome = None if win is None else ("success" if win is True or str(win).lower() == "true" else "failure")
    em.emit("feedback", outcome=outcome, parent_event_id=final["event_id"] if final else None,
            attributes={"win": win, "finish_type": ag.get("finish_type")})
    return em.outcome()


def _emit_messages(em: Emitter, msgs: list, ag: dict) -> dict | None:
    pending: list[dict] = []
    final = None
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            raise Quarantine("wrong_type:train_messages", f"message {i} is {type(m).__name__}")
        role = m.get("role")
        content = m.get("content")
        if content is not None and not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False, sort_keys=True)
        if role in ("system", "user"):
            em.emit(role, content=content or "")
        elif role == "assistant":
            fc = m.get("function_call")
            if isinstance(fc, dict) and fc.get("name") == _FINISH:
                final = em.emit("assistant", content=_final_text(fc.get("arguments"), ag, content),
                                attributes=_finish_attrs(fc.get("arguments"), content))
                continue
            if content or not isinstance(fc, dict):
                final = em.emit("assistant", content=content or "")
            if isinstance(fc, dict):
                name = fc.get("name")
                seq = len(em.events)
                ev = em.emit("tool_call", tool_name=str(name) if name else "unknown",
                             tool_call_id=derived_call_id(em.src, em.line, seq),
                             tool_arguments=fc.get("arguments") if fc.get("arguments") not in (None, "") else {},
                             attributes={"legacy_function_call": True})
                pending.append(ev)
        elif role in ("function", "tool"):
            name = m.get("name")
            call = next((c for c in reversed(pending) if c["tool_name"] == name), None) or (
                pending[-1] if pending else None)
            if call is not None:
                pending.remove(call)
            em.emit("tool_result", content=content or "", tool_name=name or (call["tool_name"] if call else None),
                    tool_call_id=call["tool_call_id"] if call else None,
                    parent_event_id=call["event_id"] if call else None,
                    status="error" if is_error_result(content) else "ok",
                    attributes=None if call else {"orphan_result": True})
        else:
            raise Quarantine("invalid_value:role", f"message {i} role")
    return final


def _finish_args(arguments: Any) -> dict:
    if isinstance(arguments, dict):
        return arguments
    if isinstance(arguments, str):
        try:
            v = json.loads(arguments)
            return v if isinstance(v, dict) else {}
        except ValueError:
            return {}
    return {}


def _final_text(arguments: Any, ag: dict, thought: str | None) -> str:
    args = _finish_args(arguments)
    if isinstance(args.get("final_answer"), str):
        return args["final_answer"]
    fa = _finish_args(ag.get("final_answer"))
    if isinstance(fa.get("final_answer"), str) and args.get("return_type", "give_answer") == "give_answer":
        return fa["final_answer"]
    return thought or ""


def _finish_attrs(arguments: Any, thought: str | None) -> dict:
    args = _finish_args(arguments)
    a: dict = {"finish": args.get("return_type") or "unknown"}
    if thought and isinstance(args.get("final_answer"), str):
        a["thought"] = thought
    return a


def _from_tree(tree: Any, query: Any) -> list[dict]:
    """Rebuild one trajectory (legacy chat messages) from the DFS search tree: the first child at every node."""
    if not isinstance(query, str) or not query:
        raise Quarantine("missing_field:query", "run has neither train_messages nor a query")
    node = tree.get("tree") if isinstance(tree, dict) else None
    msgs: list[dict] = [{"role": "user", "content": query}]
    thought: str | None = None
    action: str | None = None
    guard = 0
    while isinstance(node, dict) and guard < 10_000:
        guard += 1
        nt = node.get("node_type")
        desc = node.get("description")
        if nt == "Thought":
            thought = desc if isinstance(desc, str) else None
        elif nt == "Action":
            action = desc if isinstance(desc, str) else None
        elif nt == "Action Input" and action:
            msgs.append({"role": "assistant", "content": thought,
                         "function_call": {"name": action, "arguments": desc if isinstance(desc, str) else "{}"}})
            if action != _FINISH:
                obs = node.get("observation")
                msgs.append({"role": "function", "name": action, "content": obs if isinstance(obs, str) else ""})
            thought = action = None
        children = node.get("children") or []
        node = children[0] if isinstance(children, list) and children else None
    if thought:
        msgs.append({"role": "assistant", "content": thought})
    return msgs


__all__ = ["FORMAT", "sniff", "parse"]
