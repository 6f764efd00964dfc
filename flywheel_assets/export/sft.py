"""SFT rows in the TRL conversational format.

One row per curated unit (a multi-turn trajectory is ONE row)::

    {"messages": [{"role", "content", "name", "tool_calls", "tool_call_id"}, ...], "tools": "<JSON string>"}

Encoding (the one documented choice, see docs/exports.md):

- every message has exactly the keys of :data:`EXPORT_MESSAGE_KEYS` (nulls where unused) so Arrow never merges
  structs differently across rows; ``event_ids`` lineage is dropped;
- assistant tool calls are ``{"id", "type": "function", "function": {"name", "arguments"}}`` with ``arguments``
  a canonical JSON **string** (sorted keys, compact); ``name`` is set only on ``tool`` messages;
- ``tools`` is the unit's declared tool schemas as a canonical JSON **string** (TRL 1.16 ``json.loads`` it);
- the system prompt is kept exactly as logged (nothing injected), so training matches inference.

Lineage columns: unit_id, session_id, group_id, split, complexity_bucket, phase, sampling_weight, task_type,
tool_mix, is_synthetic, event_date.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import polars as pl

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.jsontext import json_or
from flywheel_assets.privacy.placeholders import has_malformed
from flywheel_assets.schema import to_json

EXPORT_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")
ROLES = ("system", "user", "assistant", "tool")

TOOL_CALL_DTYPE = pl.Struct(
    {"id": pl.Utf8, "type": pl.Utf8, "function": pl.Struct({"name": pl.Utf8, "arguments": pl.Utf8})}
)
MESSAGE_DTYPE = pl.Struct(
    {
        "role": pl.Utf8,
        "content": pl.Utf8,
        "name": pl.Utf8,
        "tool_calls": pl.List(TOOL_CALL_DTYPE),
        "tool_call_id": pl.Utf8,
    }
)
MESSAGES_DTYPE = pl.List(MESSAGE_DTYPE)

SFT_SCHEMA: dict[str, pl.DataType] = {
    "messages": MESSAGES_DTYPE,
    "tools": pl.Utf8,
    "unit_id": pl.Utf8,
    "session_id": pl.Utf8,
    "group_id": pl.Utf8,
    "split": pl.Utf8,
    "complexity_bucket": pl.Utf8,
    "phase": pl.Int64,
    "sampling_weight": pl.Float64,
    "task_type": pl.Utf8,
    "tool_mix": pl.Utf8,
    "is_synthetic": pl.Boolean,
    "event_date": pl.Date,
}
# a rejected row: its id, the reason code and the row-level expectation it failed (null for a selection reason:
# excluded_split, not_sft_task, negative_feedback - those rows were never meant to be exported)
REJECT_SCHEMA = {"unit_id": pl.Utf8, "reason": pl.Utf8, "expectation": pl.Utf8}
SELECTION_REASONS = frozenset({"excluded_split", "not_sft_task", "negative_feedback", "no_user_turn"})

_BUCKET_SYNONYMS = {
    "easy": "simple", "low": "simple", "trivial": "simple",
    "medium": "moderate", "mid": "moderate",
    "hard": "complex", "high": "complex", "very_hard": "expert",
}


# ----------------------------------------------------------------------------------------------- messages
def _canon_args(arguments: Any) -> str:
    """Tool-call arguments -> canonical JSON string. Unparseable strings are kept verbatim (validation flags them)."""
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        try:
            return to_json(json.loads(arguments))
        except ValueError:
            return arguments
    return to_json(arguments)


def export_message(m: dict) -> dict:
    """Canonical message -> export message (same keys for every role, no lineage)."""
    role = m.get("role")
    calls = None
    if role == "assistant" and m.get("tool_calls"):
        calls = []
        for i, tc in enumerate(m["tool_calls"]):
            fn = tc.get("function") or {}
            calls.append(
                {
                    "id": str(tc.get("id") or f"call_{i}"),
                    "type": "function",
                    "function": {"name": str(fn.get("name") or ""), "arguments": _canon_args(fn.get("arguments"))},
                }
            )
    content = m.get("content")
    if isinstance(content, list):  # multimodal parts -> text only
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return {
        "role": role,
        "content": "" if content is None else str(content),
        "name": (m.get("name") if role == "tool" else None),
        "tool_calls": calls,
        "tool_call_id": (str(m["tool_call_id"]) if role == "tool" and m.get("tool_call_id") is not None else None),
    }


def parse_messages(value: Any) -> list[dict] | None:
    """JSON string / list of canonical messages -> list of export messages, or None when unusable."""
    value = json_or(value, None)
    if isinstance(value, pl.Series):
        value = value.to_list()
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        return None
    return [export_message(m) for m in value]


def parse_tools(value: Any) -> list:
    value = json_or(value, [])
    return value if isinstance(value, list) else []


def merge_consecutive(messages: list[dict]) -> list[dict]:
    """Merge back-to-back user turns (text joined by a blank line) and back-to-back assistant turns (text joined
    by a newline, tool calls concatenated): several real frameworks log one turn as several messages."""
    out: list[dict] = []
    for m in messages:
        prev = out[-1] if out else None
        if prev is not None and m["role"] == prev["role"] and m["role"] in ("user", "assistant"):
            sep = "\n\n" if m["role"] == "user" else "\n"
            content = sep.join(c for c in (prev["content"], m["content"]) if c)
            calls = (prev["tool_calls"] or []) + (m["tool_calls"] or [])
            out[-1] = {**prev, "content": content, "tool_calls": calls or None}
        else:
            out.append(m)
    return out


def order_tool_results(messages: list[dict]) -> list[dict]:
    """Each tool result moved up to follow the assistant turn whose call it answers (after that turn's earlier
    results), order otherwise kept. Agent logs record parallel / asynchronous tool results where they arrived,
    sometimes after the agent's next turn; the chat APIs want them right after their call."""
    owner: dict[str, int] = {}  # call id -> index in out of the assistant turn that made it
    out: list[dict] = []
    for m in messages:
        k = owner.get(m.get("tool_call_id")) if m.get("role") == "tool" else None
        if k is None:
            out.append(m)
            if m.get("role") == "assistant":
                owner.update({tc["id"]: len(out) - 1 for tc in (m.get("tool_calls") or []) if tc.get("id")})
            continue
        j = k + 1
        while j < len(out) and out[j].get("role") == "tool":
            j += 1
        out.insert(j, m)
        owner = {cid: (i + 1 if i >= j else i) for cid, i in owner.items()}
    return out


def role_order_problem(messages: list[dict], *, need_final_assistant: bool = True) -> str | None:
    """None when the conversation is well formed, else a short reason code.

    Rules (what the chat APIs accept): roles are known; the first non-system turn is a user turn or an
    assistant opening without tool calls (an agent's greeting); a tool message answers a tool call of the
    preceding assistant turn(s); user and assistant turns do not repeat back to back (tool turns may follow each
    other); optionally the last message is an assistant turn. A system message may stand anywhere (a mid-
    conversation instruction, as the OpenAI-style APIs accept); it does not break a tool call / result pairing.
    """
    if not messages:
        return "empty"
    open_calls: set[str] = set()
    prev = None
    for m in messages:
        r = m.get("role")
        if r not in ROLES:
            return "unknown_role"
        if r == "system":
            continue
        if prev is None:
            if r != "user" and not (r == "assistant" and not m.get("tool_calls")):
                return "first_turn_not_user"
        elif r == "tool":
            if prev not in ("assistant", "tool") or not open_calls:
                return "tool_without_call"
            if m.get("tool_call_id") is not None and m["tool_call_id"] not in open_calls:
                return "tool_call_id_mismatch"
        elif r == prev and r in ("user", "assistant"):
            return f"repeated_{r}"
        if r == "assistant":
            open_calls = {tc["id"] for tc in (m.get("tool_calls") or [])}
        prev = r
    if prev is None:
        return "empty"
    if need_final_assistant and messages[-1]["role"] != "assistant":
        return "no_final_assistant"
    return None


def tool_index(tools: Any) -> tuple[dict[str, dict] | None, str]:
    """A row's ``tools`` (JSON text or list) as {tool name: definition}, and "" or the reason it cannot be read (the
    SFT builder and the export validation both judge tool calls against it)."""
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            return None, "tools_not_json"
    if not tools:
        return {}, ""
    idx = {}
    for t in tools:
        fn = (t or {}).get("function", t) if isinstance(t, dict) else None
        if isinstance(fn, dict) and fn.get("name"):
            idx[str(fn["name"])] = fn.get("parameters") or {}
    return idx, ""


@lru_cache(maxsize=512)
def _validator(schema_json: str):
    """A cached JSON-schema validator (None when the schema itself is invalid or jsonschema is missing)."""
    try:
        import jsonschema

        schema = json.loads(schema_json)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)
    except Exception:
        return None


def _schema_ok(args: dict, schema_json: str) -> bool:
    v = _validator(schema_json)
    if v is None:  # unusable schema: fall back to required keys only
        required = json.loads(schema_json).get("required") or []
        return isinstance(required, list) and set(required) <= set(args)
    return next(iter(v.iter_errors(args)), None) is None


def tool_call_problem(messages: list[dict], tools: Any) -> str:
    """'' when every tool call has JSON-object arguments that match the declared schema, else a reason code."""
    idx, err = tool_index(tools)
    if err:
        return err
    for m in messages:
        for tc in m.get("tool_calls") or []:
            fn = tc.get("function") or {}
            args = fn.get("arguments")
            if not isinstance(args, str):
                return "arguments_not_string"
            try:
                parsed = json.loads(args)
            except ValueError:
                return "arguments_not_json"
            if not isinstance(parsed, dict):
                return "arguments_not_object"
            if idx:
                name = fn.get("name")
                if name not in idx:
                    return "unknown_tool"
                schema = idx[name]
                if schema and not _schema_ok(parsed, to_json(schema)):
                    return "arguments_schema_mismatch"
    return ""


def message_texts(messages: list[dict]) -> list[str]:
    """Every text of a conversation a reader sees: contents and tool-call arguments."""
    out = []
    for m in messages:
        out.append(m.get("content") or "")
        for tc in m.get("tool_calls") or []:
            out.append((tc.get("function") or {}).get("arguments") or "")
    return out


def message_keys_problem(messages: list[dict]) -> str | None:
    """'message_keys' when a message is not a dict with exactly :data:`EXPORT_MESSAGE_KEYS`."""
    want = tuple(sorted(EXPORT_MESSAGE_KEYS))
    ok = all(isinstance(m, dict) and tuple(sorted(m)) == want for m in messages)
    return None if ok else "message_keys"


def placeholder_problem(messages: list[dict]) -> str | None:
    """'malformed_placeholder' when a text holds a broken placeholder of the redactor's grammar
    (:mod:`flywheel_assets.privacy.placeholders`; chat-template tokens and tags are text)."""
    return "malformed_placeholder" if any(has_malformed(t) for t in message_texts(messages)) else None


def row_problem(conversations: list[list[dict]], tools: Any, *, need_final_assistant: bool = True
                ) -> tuple[str, str] | None:
    """(reason, expectation) of the first row-level expectation a row fails, or None. ``conversations``: the
    row's full conversations (SFT: its messages; DPO: prompt + chosen and prompt + rejected; a DPO completion is
    an agent block that may end on a tool result, e.g. a failed run's last tool error, so DPO passes
    ``need_final_assistant=False``)."""
    for conv in conversations:
        if (p := message_keys_problem(conv)):
            return p, "message_keys"
    for conv in conversations:
        if (p := role_order_problem(conv, need_final_assistant=need_final_assistant)):
            return p, "role_order"
    for conv in conversations:
        if (p := tool_call_problem(conv, tools)):
            return f"tool_call:{p}", "tool_calls"
    for conv in conversations:
        if (p := placeholder_problem(conv)):
            return p, "placeholders"
    return None


def reject(id_key: str, row_id: Any, reason: str, expectation: str | None = None) -> dict:
    return {id_key: row_id, "reason": reason, "expectation": expectation}


def reject_rate(kept: int, rejects: pl.DataFrame) -> tuple[int, float]:
    """(rows rejected by a row-level expectation, their share of the rows that reached the checks)."""
    n = int(rejects["expectation"].is_not_null().sum()) if rejects.height and "expectation" in rejects.columns else 0
    return n, (n / (n + kept) if n + kept else 0.0)


def tool_names(messages: list[dict]) -> list[str]:
    return sorted({tc["function"]["name"] for m in messages for tc in (m.get("tool_calls") or [])})


def tool_mix_of(messages: list[dict]) -> str:
    names = tool_names(messages)
    return "+".join(names) if names else "none"


def bucket_phase(bucket: Any, order: list[str]) -> int | None:
    """Curriculum phase (1-based) of a complexity bucket, None when unknown."""
    if bucket is None:
        return None
    b = str(bucket).strip().lower()
    lowered = [o.lower() for o in order]
    if b in lowered:
        return lowered.index(b) + 1
    if _BUCKET_SYNONYMS.get(b) in lowered:
        return lowered.index(_BUCKET_SYNONYMS[b]) + 1
    return None


def phases_for(frame: pl.DataFrame, cfg: ExportConfig) -> list[int]:
    """Phase per row from complexity_bucket; unknown buckets use complexity_score terciles, else phase 1."""
    n = frame.height
    buckets = frame["complexity_bucket"].to_list() if "complexity_bucket" in frame.columns else [None] * n
    scores = frame["complexity_score"].to_list() if "complexity_score" in frame.columns else [None] * n
    known = [s for s in scores if s is not None]
    k = max(1, len(cfg.phase_order))
    cuts = sorted(known)
    out = []
    for b, s in zip(buckets, scores):
        p = bucket_phase(b, cfg.phase_order)
        if p is None and s is not None and cuts:
            rank = sum(1 for c in cuts if c < s) / len(cuts)
            p = min(k, int(rank * k) + 1)
        out.append(p or 1)
    return out


def _col(frame: pl.DataFrame, name: str, default: Any = None) -> list:
    return frame[name].to_list() if name in frame.columns else [default] * frame.height


# ----------------------------------------------------------------------------------------------- rows
def build_sft(units: pl.DataFrame, cfg: ExportConfig | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Curated units (with ``split`` from :func:`splits.assign_splits`, optional) -> (sft rows, rejects).

    Rejects keep every unit that did not become a row with a reason code (nothing disappears silently) and the
    row-level expectation it failed: selection reasons (excluded_split, not_sft_task, negative_feedback,
    no_user_turn; no expectation), bad_messages (schema), message_keys, role order codes (role_order),
    tool_call:* (tool_calls), malformed_placeholder (placeholders). One bad row never blocks the export: it is
    left out here.
    """
    cfg = cfg or ExportConfig()
    rows, rejects = [], []
    phases = phases_for(units, cfg) if units.height else []
    cols = {c: _col(units, c) for c in (
        "unit_id", "session_id", "group_id", "split", "complexity_bucket", "task_type", "is_synthetic",
        "event_date", "messages", "tools", "outcome", "feedback_thumbs", "edited_response", "sft_eligible")}
    for i in range(units.height):
        uid = cols["unit_id"][i]
        split = cols["split"][i] if "split" in units.columns else "train"
        if split not in ("train", "validation", "test"):
            rejects.append(reject("unit_id", uid, "excluded_split"))
            continue
        if cols["sft_eligible"][i] is False:
            rejects.append(reject("unit_id", uid, "not_sft_task"))
            continue
        msgs = parse_messages(cols["messages"][i])
        if msgs is None:
            rejects.append(reject("unit_id", uid, "bad_messages", "schema"))
            continue
        edited = cols["edited_response"][i]
        negative = cols["outcome"][i] == "failure" or cols["feedback_thumbs"][i] == "down"
        if cfg.use_edited_response and edited:
            # the user's correction replaces the last assistant answer
            while msgs and msgs[-1]["role"] != "assistant":
                msgs.pop()
            if msgs and not msgs[-1]["tool_calls"]:
                msgs[-1] = {**msgs[-1], "content": edited}
            negative = False
        if cfg.sft_exclude_negative and negative:
            rejects.append(reject("unit_id", uid, "negative_feedback"))
            continue
        # a trailing user/tool turn without an answer cannot be trained on: trim it
        while msgs and msgs[-1]["role"] != "assistant":
            msgs.pop()
        msgs = merge_consecutive(msgs)
        if msgs and not any(m["role"] == "user" for m in msgs):  # an agent step with no request: no prompt to learn
            rejects.append(reject("unit_id", uid, "no_user_turn"))
            continue
        tools_json = to_json(parse_tools(cols["tools"][i]))
        problem = row_problem([msgs], tools_json)
        if problem:
            rejects.append(reject("unit_id", uid, *problem))
            continue
        synth = bool(cols["is_synthetic"][i]) if cols["is_synthetic"][i] is not None else False
        rows.append(
            {
                "messages": msgs,
                "tools": tools_json,
                "unit_id": uid,
                "session_id": cols["session_id"][i],
                "group_id": cols["group_id"][i],
                "split": split,
                "complexity_bucket": None if cols["complexity_bucket"][i] is None else str(cols["complexity_bucket"][i]),
                "phase": phases[i],
                "sampling_weight": cfg.synthetic_weight if synth else 1.0,
                "task_type": cols["task_type"][i],
                "tool_mix": tool_mix_of(msgs),
                "is_synthetic": synth,
                "event_date": cols["event_date"][i],
            }
        )
    rows.sort(key=lambda r: (r["split"], r["unit_id"] or ""))
    rejects.sort(key=lambda r: (r["unit_id"] or "", r["reason"]))
    sft = pl.DataFrame(rows, schema=SFT_SCHEMA) if rows else pl.DataFrame(schema=SFT_SCHEMA)
    return sft, pl.DataFrame(rejects, schema=REJECT_SCHEMA) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)


def sft_rows(units: pl.DataFrame, cfg: ExportConfig | None = None) -> pl.DataFrame:
    """Curated (split) units -> SFT rows sorted by (split, unit_id). See :func:`build_sft` for the rejects."""
    return build_sft(units, cfg)[0]
