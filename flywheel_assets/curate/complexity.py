"""Complexity tags for every unit: counts from the canonical messages plus a documented score and bucket.

Score (see docs/curation.md)::

    score = log2(1 + steps) + 0.5 * min(turns - 1, 10)
          + 1.5 * log2(1 + tool_calls) + 0.5 * distinct_tools
          + 1.5 * max(graph_depth - 1, 0) + 0.5 * max(parallel_calls - 1, 0)
          + 1.0 * min(errors, 5) + 0.5 * retries + 1.0 * recoveries
          + 0.5 * log2(1 + context_tokens / 1000)

Buckets: simple < 3 <= moderate < 7 <= complex < 14 <= expert (a single-turn answer is simple, a multi-turn chat or
one tool call moderate, a chained 3-call trajectory complex, long multi-turn agent runs with retries expert).
"""

from __future__ import annotations

import json
import math

import polars as pl

from flywheel_assets.curate.parsed import Call, ParsedUnit, parse_units
from flywheel_assets.jsontext import json_leaves

BUCKETS = ("simple", "moderate", "complex", "expert")
DEFAULT_THRESHOLDS = (3.0, 7.0, 14.0)

TAG_SCHEMA = {
    "unit_id": pl.Utf8,
    "turns": pl.Int64,
    "steps": pl.Int64,
    "tool_calls": pl.Int64,
    "distinct_tools": pl.Int64,
    "graph_depth": pl.Int64,
    "parallel_calls": pl.Int64,
    "errors": pl.Int64,
    "retries": pl.Int64,
    "recoveries": pl.Int64,
    "context_tokens": pl.Int64,
    "complexity_score": pl.Float64,
    "complexity_bucket": pl.Utf8,
}
TAG_COLUMNS = [c for c in TAG_SCHEMA if c != "unit_id"]



def _values(obj, out: set[str]) -> None:
    """Scalar values of a JSON value worth tracking across calls (ids, codes, names: >= 3 chars, not booleans)."""
    for v in json_leaves(obj):
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)):
            s = str(v)
            if len(s) >= 3:
                out.add(s)
        else:
            s = str(v).strip()
            if 3 <= len(s) <= 200:
                out.add(s.lower())


def _arg_values(call: Call) -> set[str]:
    try:
        args = json.loads(call.arguments or "{}")
    except (ValueError, RecursionError):
        args = call.arguments
    out: set[str] = set()
    _values(args, out)
    return out


def dependency_edges(pu: ParsedUnit) -> list[tuple[int, int]]:
    """Edges (i -> j) between calls (indices into pu.calls): attributes.tool_graph when present, otherwise j
    depends on i when i's result came before j and one of j's argument values appears in i's result."""
    ids = {c.call_id: k for k, c in enumerate(pu.calls)}
    graph = pu.attributes.get("tool_graph")
    if isinstance(graph, dict) and isinstance(graph.get("edges"), list) and graph["edges"]:
        edges = []
        for e in graph["edges"]:
            if isinstance(e, (list, tuple)) and len(e) == 2 and str(e[0]) in ids and str(e[1]) in ids:
                a, b = ids[str(e[0])], ids[str(e[1])]
                if a != b:
                    edges.append((a, b))
        if edges:
            return sorted(set(edges))
    edges = []
    arg_vals = [_arg_values(c) for c in pu.calls]
    for j, cj in enumerate(pu.calls):
        if not arg_vals[j]:
            continue
        for i, ci in enumerate(pu.calls[:j]):
            if ci.result is None or ci.result_index is None or ci.result_index > cj.index or ci.is_error:
                continue
            res = ci.result.lower()
            if any(v in res for v in arg_vals[j]):
                edges.append((i, j))
    return edges


def graph_depth(n: int, edges: list[tuple[int, int]]) -> int:
    """Longest path (in nodes) of the call DAG; 0 without calls, 1 when calls are independent."""
    if n == 0:
        return 0
    depth = [1] * n
    # edges from tool_graph may not be in call order: relax n times (DAG -> converges; cycles are bounded)
    for _ in range(n):
        changed = False
        for a, b in edges:
            if depth[a] + 1 > depth[b] and depth[a] + 1 <= n:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return max(depth)


def _int(v) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
        return int(v)
    if isinstance(v, list):
        return len(v)
    return 0


def unit_tags(pu: ParsedUnit, row: dict, thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS) -> dict:
    msgs = pu.messages
    turns = sum(1 for m in msgs if m["role"] == "user")
    steps = sum(1 for m in msgs if m["role"] == "assistant")
    calls = pu.calls
    distinct = len({c.name for c in calls if c.name})
    parallel = max((len(m.get("tool_calls") or []) for m in msgs if m["role"] == "assistant"), default=0)
    api_errors = _int(pu.attributes.get("errors"))
    tool_err = pu.tool_errors
    errors = max(_int(row.get("n_errors")), tool_err + api_errors)
    # retries: declared by the log, plus a call repeating the tool of an immediately preceding failed call
    retries = _int(pu.attributes.get("retries"))
    recoveries = 0
    for k, c in enumerate(calls):
        if c.is_error:
            later = calls[k + 1:]
            if later and later[0].name == c.name:
                retries += 1
            if any(l.name == c.name and l.result is not None and not l.is_error for l in later) or (
                    not c.name and any(l.result is not None and not l.is_error for l in later)):
                recoveries += 1
    if api_errors and pu.final_answer.strip() and row.get("outcome") != "failure":
        recoveries += 1  # the attempt failed at the API but the unit still ended with an answer
    chars = sum(len(m["content"]) for m in msgs) + sum(len(c.arguments) + len(c.name) for c in calls)
    chars += len(row.get("tools") or "")
    context_tokens = int(math.ceil(chars / 4))
    if row.get("prompt_tokens"):
        context_tokens = max(context_tokens, int(row["prompt_tokens"]))
    depth = graph_depth(len(calls), dependency_edges(pu))
    score = (math.log2(1 + steps) + 0.5 * min(max(turns - 1, 0), 10)
             + 1.5 * math.log2(1 + len(calls)) + 0.5 * distinct
             + 1.5 * max(depth - 1, 0) + 0.5 * max(parallel - 1, 0)
             + 1.0 * min(errors, 5) + 0.5 * retries + 1.0 * recoveries
             + 0.5 * math.log2(1 + context_tokens / 1000))
    return {
        "unit_id": pu.unit_id, "turns": turns, "steps": steps, "tool_calls": len(calls),
        "distinct_tools": distinct, "graph_depth": depth, "parallel_calls": parallel, "errors": errors,
        "retries": retries, "recoveries": recoveries, "context_tokens": context_tokens,
        "complexity_score": round(score, 4), "complexity_bucket": bucket(score, thresholds),
    }


def bucket(score: float, thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS) -> str:
    for name, t in zip(BUCKETS, thresholds):
        if score < t:
            return name
    return BUCKETS[-1]


def complexity_tags(units: pl.DataFrame, thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS) -> pl.DataFrame:
    """unit_id + turns, steps, tool_calls, distinct_tools, graph_depth, parallel_calls, errors, retries,
    recoveries, context_tokens, complexity_score, complexity_bucket (one row per unit, sorted by unit_id)."""
    rows = [unit_tags(pu, row, tuple(thresholds)) for pu, row in zip(parse_units(units), units.iter_rows(named=True))]
    if not rows:
        return pl.DataFrame(schema=TAG_SCHEMA)
    return pl.DataFrame(rows, schema=TAG_SCHEMA).unique("unit_id", keep="first", maintain_order=True).sort("unit_id")
