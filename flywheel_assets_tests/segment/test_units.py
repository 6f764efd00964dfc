"""Segmentation: sessions -> qa / thread / trajectory units with lineage, tool graph, feedback and errors."""

import json
from datetime import datetime, timedelta, timezone

import polars as pl

from flywheel_assets.schema import UNIT_SCHEMA, events_frame, new_event
from flywheel_assets.segment.tool_graph import build_tool_graph
from flywheel_assets.segment.units import segment_events

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def ev(line, seq, kind, session="s1", ts=None, fmt="chatlog", file="a.jsonl", **kw):
    e = new_event(source_file=file, source_line=line, source_offset=line * 100, source_format=fmt, seq=seq,
                  kind=kind, session_id=session, timestamp=ts or T0, **kw)
    e["event_date"] = (ts or T0).date()
    return e


def test_qa_thread_and_trajectory_units_with_lineage():
    rows = [
        ev(1, 0, "system", content="You are Acme support."),
        ev(1, 1, "user", content="Where is my order?"),
        ev(1, 2, "assistant", content="It ships tomorrow.", model="m1"),
        ev(2, 0, "user", session="s2", content="hi"),
        ev(2, 1, "assistant", session="s2", content="hello"),
        ev(2, 2, "user", session="s2", content="refund?"),
        ev(2, 3, "assistant", session="s2", content="sure"),
        ev(3, 0, "user", session="s3", content="Refund order 12345"),
        ev(3, 1, "assistant", session="s3", content="Looking it up."),
        ev(3, 2, "tool_call", session="s3", tool_name="lookup_order", tool_call_id="c1",
           tool_arguments={"order_id": "12345"}),
        ev(3, 3, "tool_result", session="s3", tool_call_id="c1", content='{"order_id": "12345", "total": 40}'),
        ev(3, 4, "tool_call", session="s3", tool_name="issue_refund", tool_call_id="c2",
           tool_arguments={"order_id": "12345", "amount": 40}),
        ev(3, 5, "tool_result", session="s3", tool_call_id="c2", content="Error: payment gateway timeout",
           status="error"),
        ev(3, 6, "assistant", session="s3", content="Refund failed, escalating."),
        ev(3, 7, "feedback", session="s3", feedback_thumbs="down", outcome="failure", content="Refund issued."),
    ]
    units = segment_events(events_frame(rows))
    assert units.schema == pl.Schema(UNIT_SCHEMA)
    by = {u["session_id"]: u for u in units.to_dicts()}
    assert by["s1"]["unit_type"] == "qa" and by["s2"]["unit_type"] == "thread"
    t = by["s3"]
    assert t["unit_type"] == "trajectory"
    assert sorted(t["event_ids"]) == sorted(r["event_id"] for r in rows if r["session_id"] == "s3")
    msgs = json.loads(t["messages"])
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert msgs[1]["content"] == "Looking it up." and msgs[1]["tool_calls"][0]["function"]["name"] == "lookup_order"
    assert msgs[2]["name"] == "lookup_order" and msgs[4]["content"].startswith("Error")
    assert all(set(m) == {"role", "content", "name", "tool_calls", "tool_call_id", "event_ids"} for m in msgs)
    assert t["n_tool_calls"] == 2 and t["n_errors"] == 1
    assert t["feedback_thumbs"] == "down" and t["outcome"] == "failure" and t["edited_response"] == "Refund issued."
    graph = json.loads(t["attributes"])["tool_graph"]
    assert graph["edges"] == [["c1", "c2"]] and graph["depth"] == 2  # refund reused the looked-up order id


def test_sessions_stitched_by_user_and_gap_when_ids_missing():
    rows = []
    for i, minutes in enumerate([0, 5, 10, 200, 205]):  # a 190-minute gap splits the stream
        kind = "user" if i % 2 == 0 else "assistant"
        rows.append(ev(i + 1, 0, kind, session=None, ts=T0 + timedelta(minutes=minutes), fmt="applog",
                       file="app.log", user_hash="u1", content=f"m{i}"))
    rows.append(ev(9, 0, "user", session=None, fmt="applog", file="app.log", user_hash="u2", content="other"))
    units = segment_events(events_frame(rows), gap_minutes=30)
    sizes = sorted(len(u) for u in units["event_ids"].to_list())
    assert sizes == [1, 2, 3]
    assert units["session_id"].n_unique() == 3


def test_retry_replaces_failed_attempt_and_api_error_counts():
    rows = [
        ev(1, 0, "user", session="s", content="q"),
        ev(1, 1, "error", session="s", content="rate limited", status="error", attributes={"http_status": 429}),
        ev(2, 0, "assistant", session="s", ts=T0 + timedelta(seconds=2), content="answer",
           attributes={"retry_of": "x", "attempt": 2}),
    ]
    u = segment_events(events_frame(rows)).row(0, named=True)
    assert [m["role"] for m in json.loads(u["messages"])] == ["user", "assistant"]
    assert u["n_errors"] == 1 and u["outcome"] == "unknown"
    assert json.loads(u["attributes"])["retries"] == 1


def test_segmentation_is_deterministic_under_row_order():
    rows = [ev(i, 0, "user" if i % 2 else "assistant", session=f"s{i // 4}", content=str(i)) for i in range(1, 40)]
    a = segment_events(events_frame(rows))
    b = segment_events(events_frame(list(reversed(rows))))
    assert a.equals(b)


def test_tool_graph_parallel_calls_and_depth():
    from flywheel_assets.schema import message, tool_call

    msgs = [
        message("user", "x"),
        message("assistant", "", tool_calls=[tool_call("a", "f", {"q": "alpha"}), tool_call("b", "g", {"q": "beta"})]),
        message("tool", "id=77821", tool_call_id="a"),
        message("tool", "nothing", tool_call_id="b"),
        message("assistant", "", tool_calls=[tool_call("c", "h", {"id": 77821})]),
    ]
    g = build_tool_graph(msgs)
    assert g["parallel"] == [["a", "b"]] and g["edges"] == [["a", "c"]] and g["depth"] == 2
