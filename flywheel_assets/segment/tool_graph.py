"""The tool-call dependency graph of a trajectory.

Nodes are tool calls (by call id, in call order). An edge ``a -> b`` means call ``b`` reuses a value that first
appeared in the result of call ``a`` (an order id returned by a lookup and then passed to a refund, say). Values are
scalar argument leaves of at least 3 characters (or numbers with 3+ digits) found verbatim in an earlier result.
"""

from __future__ import annotations

import json

from flywheel_assets.jsontext import json_leaves


def _tracked(value) -> str | None:
    """A scalar argument worth tracking: a number with 3+ digits or a string of 3+ characters (stripped)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        s = str(value)
        return s if len(s.replace("-", "").replace(".", "")) >= 3 else None
    if isinstance(value, str) and len(value.strip()) >= 3:
        return value.strip()
    return None


def argument_values(arguments: str | None) -> list[str]:
    try:
        parsed = json.loads(arguments or "{}")
    except (ValueError, RecursionError):
        return [arguments] if arguments else []
    return [v for v in map(_tracked, json_leaves(parsed)) if v is not None]


def build_tool_graph(messages: list[dict]) -> dict:
    """Return {"nodes": [call ids], "names": {id: tool}, "edges": [[from_id, to_id], ...], "parallel": [[ids]...],
    "depth": longest dependency chain (1 for independent calls, 0 when no calls)}."""
    nodes: list[str] = []
    names: dict[str, str] = {}
    parallel: list[list[str]] = []
    results: dict[str, str] = {}
    edges: list[list[str]] = []
    for m in messages:
        if m.get("role") == "assistant" and m.get("tool_calls"):
            turn_ids = []
            for tc in m["tool_calls"]:
                cid = tc.get("id") or f"call_{len(nodes)}"
                fn = tc.get("function") or {}
                vals = argument_values(fn.get("arguments"))
                for prev_id, text in results.items():
                    if any(v in text for v in vals):
                        edges.append([prev_id, cid])
                nodes.append(cid)
                names[cid] = fn.get("name") or ""
                turn_ids.append(cid)
            if len(turn_ids) > 1:
                parallel.append(turn_ids)
        elif m.get("role") == "tool" and m.get("tool_call_id"):
            results[m["tool_call_id"]] = m.get("content") or ""
    depth = {n: 1 for n in nodes}
    for a, b in edges:  # edges are in call order, so one pass gives longest paths
        if a in depth and b in depth:
            depth[b] = max(depth[b], depth[a] + 1)
    return {
        "nodes": nodes,
        "names": names,
        "edges": edges,
        "parallel": parallel,
        "depth": max(depth.values()) if depth else 0,
    }
