"""chatlog parser: synthetic fixtures (tool calls, feedback, consent, hashed user ids) and malformed input."""

from __future__ import annotations

import json

import polars as pl

from flywheel_assets.ingest import chatlog
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets_tests.ingest.parser_helpers import (
    FIXTURES,
    assert_tool_links,
    attrs,
    copy_fixture,
    gzip_copy,
    ingest,
    reasons,
)

RAW_USER_IDS = ("alice.w@example.com", "U-448812", "bob-314", "Bob Marley")


def _basic(tmp_path, ingest_ctx):
    copy_fixture("chatlog_basic.jsonl", tmp_path / "drop")
    return ingest(tmp_path / "drop", ingest_ctx)


def test_basic_records_and_kinds(tmp_path, ingest_ctx):
    res = _basic(tmp_path, ingest_ctx)
    assert res.files[0].source_format == "chatlog"
    assert (res.records_in, res.records_accepted, res.records_quarantined) == (4, 4, 0)
    ev = res.events.sort("source_line", "seq")
    kinds = ev.filter(pl.col("source_line") == 1)["kind"].to_list()
    assert kinds == ["system", "user", "tool_call", "tool_result", "assistant", "feedback"]
    kinds2 = ev.filter(pl.col("source_line") == 2)["kind"].to_list()
    assert kinds2 == ["user", "assistant", "tool_call", "tool_call", "tool_result", "tool_result", "assistant", "feedback"]
    # sessions: explicit id, conversation_id fallback, derived stable id, top-level harness key
    sids = ev.group_by("source_line").agg(pl.col("session_id").unique()).sort("source_line")["session_id"].to_list()
    assert sids[0] == ["sess-001"] and sids[1] == ["conv-77"] and sids[3] == ["sess-harness-5"]
    assert len(sids[2]) == 1 and sids[2][0].startswith("s_")
    assert_tool_links(res.events)


def test_tool_calls_arguments_errors_and_tools_column(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events.sort("source_line", "seq")
    calls = ev.filter(pl.col("kind") == "tool_call")
    weather = calls.filter(pl.col("tool_call_id") == "call_w1").row(0, named=True)
    assert weather["tool_name"] == "get_weather"
    assert json.loads(weather["tool_arguments"]) == {"city": "Paris", "day": "tomorrow"}
    # dict arguments are serialised canonically
    assert calls.filter(pl.col("tool_call_id") == "call_b2")["tool_arguments"].item() == '{"text":"booked"}'
    results = ev.filter(pl.col("kind") == "tool_result").sort("source_line", "seq")
    status = dict(zip(results["tool_call_id"], results["status"]))
    assert status["call_w1"] == "ok"
    assert status["call_b1"] == "error"  # "Error: ..." text
    assert status["call_b2"] == "error"  # JSON with an error key
    # legacy function_call / role=function: derived call id, linked by name
    legacy = calls.filter(pl.col("tool_name") == "calculator").row(0, named=True)
    assert attrs(legacy)["legacy_function_call"] is True and legacy["tool_call_id"].startswith("call_")
    res_calc = results.filter(pl.col("tool_name") == "calculator").row(0, named=True)
    assert res_calc["parent_event_id"] == legacy["event_id"] and res_calc["content"] == "21"
    # declared tools sit on the first event of the record only
    first = ev.filter((pl.col("source_line") == 1) & (pl.col("seq") == 0)).row(0, named=True)
    tools = json.loads(first["tools"])
    assert tools[0]["type"] == "function" and tools[0]["function"]["name"] == "get_weather"
    assert ev.filter(pl.col("tools").is_not_null()).height == 1


def test_feedback_consent_and_metadata(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events.sort("source_line", "seq")
    fb = ev.filter(pl.col("kind") == "feedback").sort("source_line")
    by_id = {r["event_id"]: r for r in ev.iter_rows(named=True)}
    f1, f2, f4 = fb.iter_rows(named=True)
    assert (f1["feedback_thumbs"], f1["feedback_rating"], f1["content"]) == ("up", 5.0, None)
    assert by_id[f1["parent_event_id"]]["content"] == "Tomorrow in Paris: 18°C and cloudy."
    assert f2["feedback_thumbs"] == "down" and f2["outcome"] == "failure"
    assert f2["content"] == "7pm is full, but 8:30pm is free - shall I book that?"
    assert by_id[f2["parent_event_id"]]["content"] == "Sorry, 7pm is fully booked."
    assert f4["reward"] == 0.75 and f4["feedback_thumbs"] is None
    line1 = ev.filter(pl.col("source_line") == 1)
    assert line1["consent_training"].to_list() == [True] * line1.height
    assert line1["purposes"][0].to_list() == ["analytics", "training"]
    assert set(ev.filter(pl.col("source_line") == 2)["consent_training"].to_list()) == {False}
    assert ev.filter(pl.col("source_line") == 3)["consent_training"].is_null().all()
    # latency + model on the last assistant event; request_id/attempt on every event; rest -> attributes
    last_asst = ev.filter((pl.col("source_line") == 1) & (pl.col("kind") == "assistant")).row(0, named=True)
    assert last_asst["latency_ms"] == 812.0 and last_asst["model"] == "gpt-4o-mini"
    assert all(attrs(r)["request_id"] == "req-9" for r in line1.iter_rows(named=True))
    assert attrs(line1.row(0, named=True))["app_version"] == "3.2.1"
    # timestamps: record-level (ISO and epoch), per-message override, zone converted to UTC
    ts = ev.filter(pl.col("source_line") == 4).sort("seq")["timestamp"].to_list()
    assert ts[0].isoformat() == "2026-11-20T09:00:00+00:00"  # 10:00+01:00
    assert ts[1].isoformat() == "2026-11-20T09:00:01+00:00"  # the message's own timestamp
    assert ev.filter(pl.col("source_line") == 2)["timestamp"][0].year == 2026


def test_content_parts_and_placeholders(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events
    user = ev.filter((pl.col("source_line") == 4) & (pl.col("kind") == "user")).row(0, named=True)
    assert user["content"] == "What is in this picture and what is 3*7?\n[image]"
    assert attrs(user)["non_text_parts"] == ["image"]
    asst = ev.filter((pl.col("source_line") == 4) & (pl.col("kind") == "assistant")).row(0, named=True)
    assert asst["content"] == "A cat; 3*7 = 21."
    sysm = ev.filter((pl.col("source_line") == 4) & (pl.col("kind") == "system")).row(0, named=True)
    assert sysm["content"] == "Use the calculator."  # developer role -> system


def test_user_ids_are_hashed_and_never_stored(tmp_path, ingest_ctx):
    res = _basic(tmp_path, ingest_ctx)
    ev = res.events
    assert ev.filter(pl.col("source_line") == 1)["user_hash"].unique().to_list() == [
        ingest_ctx.hash_user("alice.w@example.com")]
    assert ev.filter(pl.col("source_line") == 4)["user_hash"].unique().to_list() == [ingest_ctx.hash_user("bob-314")]
    assert ev.filter(pl.col("source_line") == 3)["user_hash"].is_null().all()
    dump = ev.write_ndjson()
    for raw in RAW_USER_IDS:
        assert raw not in dump


def test_malformed_records_quarantined_with_reasons(tmp_path, ingest_ctx):
    copy_fixture("chatlog_malformed.jsonl", tmp_path / "drop")
    res = ingest(tmp_path / "drop", ingest_ctx, fmt="chatlog")
    assert reasons(res) == [
        (2, "invalid_json"),
        (3, "missing_field:messages"),
        (4, "wrong_type:messages"),
        (5, "empty_field:messages"),
        (6, "wrong_type:record"),
        (7, "wrong_type:messages"),
        (8, "invalid_value:messages.role"),
        (9, "missing_field:messages.role"),
        (10, "wrong_type:tool_calls"),
        (11, "wrong_type:content"),
    ]
    assert res.records_accepted == 2 and res.records_in == 12  # the blank line 12 is not a record
    assert sorted(res.events["source_line"].unique().to_list()) == [1, 13]
    # excerpts carry the raw record for the raw zone
    assert res.quarantined.filter(pl.col("source_line") == 2)["excerpt"].item().startswith('{"messages"')


def test_gzip_invalid_utf8_and_empty_file(tmp_path, ingest_ctx):
    drop = tmp_path / "drop"
    gzip_copy(FIXTURES / "chatlog_basic.jsonl", drop / "chat.jsonl.gz")
    good = (FIXTURES / "chatlog_basic.jsonl").read_bytes().splitlines()[2]
    (drop / "bad_utf8.jsonl").write_bytes(good + b"\n" + b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n')
    (drop / "empty.jsonl").write_bytes(b"")
    (drop / "truncated.jsonl.gz").write_bytes((drop / "chat.jsonl.gz").read_bytes()[:-30])
    res = ingest(drop, ingest_ctx, fmt="chatlog")
    stats = {s.source_file: s for s in res.files}
    assert (stats["chat.jsonl.gz"].records_accepted, stats["chat.jsonl.gz"].records_quarantined) == (4, 0)
    assert (stats["bad_utf8.jsonl"].records_accepted, stats["bad_utf8.jsonl"].records_quarantined) == (1, 1)
    assert (stats["empty.jsonl"].records_in, stats["empty.jsonl"].records_quarantined) == (1, 1)
    q = dict(zip(zip(res.quarantined["source_file"], res.quarantined["source_line"]), res.quarantined["reason"]))
    assert q[("bad_utf8.jsonl", 2)] == "invalid_utf8"
    assert q[("empty.jsonl", 1)] == "empty_file"
    trunc = [r for (f, _), r in q.items() if f == "truncated.jsonl.gz"]
    assert trunc and all(r in ("corrupt_compression", "invalid_json") for r in trunc)
    # the gzip file yields exactly the events of the plain file
    plain = ingest(FIXTURES / "chatlog_basic.jsonl", ingest_ctx)
    gz = res.events.filter(pl.col("source_file") == "chat.jsonl.gz")
    assert gz["content"].to_list() == plain.events["content"].to_list()


def test_deterministic(tmp_path, ingest_ctx):
    a = _basic(tmp_path / "a", ingest_ctx).events
    b = _basic(tmp_path / "b", ingest_ctx).events
    assert a.equals(b)


def test_sniff_discriminates():
    assert chatlog.sniff((FIXTURES / "chatlog_basic.jsonl").read_text(), "x.jsonl") >= 0.9
    api = json.dumps({"request": {"messages": [{"role": "user", "content": "hi"}]}, "response": {"choices": []}})
    assert chatlog.sniff(api + "\n", "calls.jsonl") == 0.0
    assert chatlog.sniff('{"resourceSpans": []}\n', "otlp.json") == 0.0
    assert chatlog.sniff('{"messages_display": "user: hi"}\n', "t.jsonl") == 0.0
    assert chatlog.sniff("User: hi\nAssistant: hello\n", "t.txt") == 0.0


def test_parser_never_raises_on_garbage(tmp_path, ingest_ctx):
    p = tmp_path / "garbage.jsonl"
    p.write_bytes(b"\x00\xff\xfe{{{{\n" + b"[" * 5000 + b"\n" + b'{"messages": [{"role": "tool"}]}\n')
    outs = list(chatlog.parse(SourceFile(p, "garbage.jsonl"), ingest_ctx))
    assert len(outs) == 3
    assert [o.reason for o in outs[:2]] == ["invalid_utf8", "json_too_deep"]
    # an orphan tool result is accepted (kept, flagged) rather than dropped
    assert outs[2].reason is None and attrs(outs[2].events[0])["orphan_result"] is True


def test_error_and_per_message_feedback(tmp_path, ingest_ctx):
    rec = {
        "messages": [
            {"role": "user", "content": "summarise this"},
            {"role": "assistant", "content": "Here is a summary.", "feedback": {"thumbs": "down", "comment": "too short"}},
            {"role": "user", "content": "longer please"},
        ],
        "error": {"type": "rate_limit", "message": "429 Too Many Requests"},
        "session_id": "e1",
    }
    p = tmp_path / "e.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    outs = list(chatlog.parse(SourceFile(p, "e.jsonl"), ingest_ctx))
    assert len(outs) == 1 and outs[0].reason is None
    ev = outs[0].events
    assert [e["kind"] for e in ev] == ["user", "assistant", "feedback", "user", "error"]
    assert ev[2]["parent_event_id"] == ev[1]["event_id"] and ev[2]["feedback_thumbs"] == "down"
    assert attrs(ev[2])["comment"] == "too short"
    assert ev[4]["content"] == "429 Too Many Requests" and ev[4]["status"] == "error"
    assert attrs(ev[4])["error"]["type"] == "rate_limit"
