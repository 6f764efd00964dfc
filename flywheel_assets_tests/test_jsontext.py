"""jsontext.json_leaves (the one walk over a parsed JSON value's scalar leaves, used by privacy.audit and
segment.tool_graph) on real agent-run records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flywheel_assets.jsontext import json_leaves
from flywheel_assets.segment.tool_graph import argument_values

RUNS = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "agent_runs_dev" / "runs.jsonl"


def test_leaves_in_document_order_values_not_keys():
    doc = {"k1": "a", "k2": [1, {"k3": None, "k4": True}, [2.5, "b"]], "k5": {}}
    assert list(json_leaves(doc)) == ["a", 1, None, True, 2.5, "b"]
    assert list(json_leaves("scalar")) == ["scalar"] and list(json_leaves([])) == []


def test_real_record_leaves_hold_every_message_text_in_order_and_no_key():
    """On real agent runs: every message's text is a string leaf, in conversation order; object keys never are."""
    if not RUNS.exists():
        pytest.skip("real data not present")
    for line in RUNS.read_text(encoding="utf-8").splitlines()[:40]:
        run = json.loads(line)
        leaves = iter(v for v in json_leaves(run) if isinstance(v, str))
        contents = [m["content"] for m in run["messages"] if isinstance(m.get("content"), str) and m["content"]]
        assert contents and all(any(v == c for v in leaves) for c in contents)  # a subsequence, in order
        strings = {v for v in json_leaves(run) if isinstance(v, str)}
        assert not {"role", "content", "messages", "tool_calls"} & strings


def test_argument_values_of_real_tool_calls():
    """Tracked argument values: strings of 3+ characters (stripped), numbers of 3+ digits, never booleans / nulls."""
    assert argument_values('{"order_id": " #W123 ", "qty": 2, "n": 12345, "ok": true, "x": null, "s": "ab"}') == \
        ["#W123", "12345"]
    assert argument_values("not json") == ["not json"] and argument_values(None) == []
    if not RUNS.exists():
        pytest.skip("real data not present")
    n = 0
    for line in RUNS.read_text(encoding="utf-8").splitlines()[:60]:
        for m in json.loads(line)["messages"]:
            for tc in m.get("tool_calls") or []:
                vals = argument_values(tc["function"]["arguments"])
                assert all(v in tc["function"]["arguments"] for v in vals)
                n += 1
    assert n > 50
