"""applog parser: key=value and JSON app logs, non-LLM lines quarantined, malformed input."""

from __future__ import annotations

import json

import polars as pl

from flywheel_assets.ingest import applog
from flywheel_assets_tests.ingest.parser_helpers import FIXTURES, attrs, copy_fixture, gzip_copy, ingest, reasons


def _basic(tmp_path, ingest_ctx):
    copy_fixture("applog_basic.log", tmp_path / "drop")
    return ingest(tmp_path / "drop", ingest_ctx)


def test_llm_lines_become_events_and_others_are_counted(tmp_path, ingest_ctx):
    res = _basic(tmp_path, ingest_ctx)
    assert res.files[0].source_format == "applog"
    assert reasons(res) == [
        (1, "non_llm_line"),  # server started
        (7, "non_llm_line"),  # WARNING cache miss
        (12, "non_llm_line"),  # ERROR disk full: not about the LLM
        (15, "non_llm_line"),  # JSON healthcheck
        (16, "unparseable_line"),
    ]
    # 16 lines, 3 of them the traceback continuation of line 8
    assert (res.records_in, res.records_accepted) == (13, 8)
    ev = res.events.sort("source_line", "seq")
    assert ev["kind"].to_list() == ["user", "tool_call", "tool_result", "assistant", "feedback", "error", "user",
                                    "assistant", "assistant"]


def test_session_linking_fields_and_quoting(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events.sort("source_line", "seq")
    s100 = ev.filter(pl.col("session_id") == "s-100")
    assert s100["kind"].to_list() == ["user", "tool_call", "tool_result", "assistant", "feedback"]
    call, result = s100.row(1, named=True), s100.row(2, named=True)
    assert json.loads(call["tool_arguments"]) == {"order_id": 5512}  # single-quoted JSON value
    assert result["parent_event_id"] == call["event_id"] and result["tool_call_id"] == "c1"
    assert result["content"] == '{"status": "shipped"}'  # escaped quotes inside a double-quoted value
    assert result["timestamp"].isoformat() == "2026-11-20T09:15:03.480000+00:00"  # '[ts] level:' with comma ms
    asst = s100.row(3, named=True)
    assert (asst["model"], asst["latency_ms"]) == ("gpt-4o-mini", 950.0)
    fb = s100.row(4, named=True)
    assert fb["feedback_thumbs"] == "down" and fb["parent_event_id"] == asst["event_id"]
    assert fb["content"] == "It shipped Tuesday; arrives Friday."
    assert s100.row(0, named=True)["consent_training"] is True
    # prompt= + response= on one line -> user + assistant events of one record, no session (stitched later)
    pair = ev.filter(pl.col("source_line") == 13)
    assert pair["kind"].to_list() == ["user", "assistant"] and pair["session_id"].is_null().all()
    assert pair["content"].to_list() == ["translate 'bonjour'", "hello"]
    assert attrs(pair.row(0, named=True))["log_message"] == "llm call"


def test_error_lines_with_traceback(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events
    err = ev.filter(pl.col("kind") == "error").row(0, named=True)
    assert err["session_id"] == "s-101" and err["status"] == "error" and err["model"] == "gpt-4o-mini"
    assert err["content"].startswith("llm provider timeout\nTraceback")
    assert err["content"].endswith("TimeoutError: upstream took 30s")


def test_user_ids_hashed_never_stored(tmp_path, ingest_ctx):
    ev = _basic(tmp_path, ingest_ctx).events
    dump = ev.write_ndjson()
    for raw in ("carol.k@example.org", "frank-77", "erin"):
        assert raw not in dump
    assert ev.filter(pl.col("session_id") == "s-102")["user_hash"].item() == ingest_ctx.hash_user("frank-77")


def test_malformed_and_compressed(tmp_path, ingest_ctx):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "bad.log").write_bytes(
        b'2026-11-20T09:00:00Z INFO x event=user_message session=a text="ok"\n'
        b'2026-11-20T09:00:01Z INFO x event=assistant_message session=a text="caf\xe9"\n'
        b'{"ts": "2026-11-20T09:00:02Z", "level": "info", "msg": "trunc", "event": "user_mes\n'
        b'[1, 2, 3]\n'
        b'2026-11-20T09:00:03Z INFO x event=tool_result session=a tool=t text="orphan"\n'
    )
    (drop / "empty.log").write_bytes(b"")
    gzip_copy(FIXTURES / "applog_basic.log", drop / "app.log.gz")
    res = ingest(drop, ingest_ctx, fmt="applog")
    q = {(f, ln): r for f, ln, r in zip(res.quarantined["source_file"], res.quarantined["source_line"],
                                       res.quarantined["reason"])}
    assert q[("bad.log", 2)] == "invalid_utf8"
    assert q[("bad.log", 3)] == "invalid_json"
    assert q[("bad.log", 4)] == "wrong_type:record"
    assert q[("empty.log", 1)] == "empty_file"
    stats = {s.source_file: s for s in res.files}
    assert (stats["app.log.gz"].records_in, stats["app.log.gz"].records_accepted) == (13, 8)
    orphan = res.events.filter((pl.col("source_file") == "bad.log") & (pl.col("kind") == "tool_result"))
    assert orphan.height == 1 and attrs(orphan.row(0, named=True))["orphan_result"] is True


def test_sniff():
    assert applog.sniff((FIXTURES / "applog_basic.log").read_text(), "app.log") > 0.5
    assert applog.sniff((FIXTURES / "transcripts_basic.txt").read_text(), "t.txt") == 0.0
    assert applog.sniff((FIXTURES / "chatlog_basic.jsonl").read_text(), "c.jsonl") == 0.0
    js = '{"level": "info", "msg": "llm reply", "event": "assistant_message"}\n'
    assert applog.sniff(js * 3, "app.jsonl") > 0.5
