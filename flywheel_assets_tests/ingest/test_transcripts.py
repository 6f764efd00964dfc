"""transcript parser: plain-text fixtures, the real tau-bench demonstrations, malformed input."""

from __future__ import annotations

import json
import re

import polars as pl

from flywheel_assets.ingest import transcripts
from flywheel_assets_tests.ingest.parser_helpers import (
    FIXTURES,
    assert_tool_links,
    attrs,
    copy_fixture,
    gzip_copy,
    ingest,
    reasons,
)


def test_headers_multiline_turns_and_speakers(tmp_path, ingest_ctx):
    copy_fixture("transcripts_basic.txt", tmp_path / "drop")
    res = ingest(tmp_path / "drop", ingest_ctx)
    assert res.files[0].source_format == "transcript"
    assert (res.records_in, res.records_accepted) == (2, 2)
    ev = res.events.sort("source_line", "seq")
    c1 = ev.filter(pl.col("session_id") == "support-001")
    assert c1["kind"].to_list() == ["system", "user", "assistant", "tool_call", "tool_result", "assistant", "user"]
    assert c1["source_line"].unique().to_list() == [1]
    user = c1.filter(pl.col("kind") == "user")["content"].to_list()
    # continuation lines (and the blank line inside the turn, since this file uses headers) join the turn
    assert user[0] == "My order hasn't arrived.\nIt was supposed to come on Monday.\n\nOrder number is 55123."
    assert user[1] == "thanks!"  # 'human:' prefix, lower case
    assert c1["timestamp"][0].isoformat() == "2026-11-20T14:03:00+00:00"
    # the Tool: line implies a call the transcript does not show: reconstructed, linked, name unknown
    call = c1.filter(pl.col("kind") == "tool_call").row(0, named=True)
    assert call["tool_name"] == "unknown" and attrs(call)["call_reconstructed"] is True
    assert_tool_links(ev)
    c2 = ev.filter(pl.col("source_line") == 13)
    assert c2["session_id"].unique().to_list() == ["support-002"]  # first header wins
    assert c2["kind"].to_list() == ["user", "assistant"]


def test_blank_line_separated_and_preamble_quarantined(tmp_path, ingest_ctx):
    copy_fixture("transcripts_blank_separated.txt", tmp_path / "drop")
    res = ingest(tmp_path / "drop", ingest_ctx)
    assert reasons(res) == [(1, "no_speaker_turns")]
    ev = res.events.sort("source_line", "seq")
    assert ev["source_line"].unique().sort().to_list() == [3, 6]
    assert ev.filter(pl.col("source_line") == 3)["content"].to_list() == ["hi there", "Hello! How can I help?"]
    # a blank line followed by prose continues the turn; a blank line followed by a speaker starts a conversation
    assert ev.filter(pl.col("source_line") == 6)["content"].to_list() == ["what is 2+2", "4\n\nIt is a small sum."]
    assert ev.group_by("source_line").agg(pl.col("session_id").n_unique())["session_id"].to_list() == [1, 1]
    assert ev["session_id"].n_unique() == 2


def test_tau_bench_real_demos(realdata, ingest_ctx):
    root = realdata / "tau_bench_demos"
    files = sorted(root.glob("*.jsonl"))
    res = ingest(root, ingest_ctx, files=files)
    assert {s.source_format for s in res.files} == {"transcript"}
    assert (res.records_in, res.records_accepted, res.records_quarantined) == (88, 88, 0)
    ev = res.events
    assert ev["session_id"].n_unique() == 88
    assert_tool_links(ev)
    # independent count from the raw text: every 'tool:' line is one result with one (reconstructed) call
    n_tool_lines = n_user_lines = 0
    for f in files:
        for line in f.read_text().splitlines():
            text = json.loads(line)["messages_display"]
            n_tool_lines += len(re.findall(r"(?m)^tool: ", text))
            n_user_lines += len(re.findall(r"(?m)^user: ", text))
    kinds = dict(ev.group_by("kind").len().iter_rows())
    assert kinds["tool_result"] == n_tool_lines == kinds["tool_call"]
    assert kinds["user"] == n_user_lines
    # 'assistant: None' is never kept as literal text
    assert ev.filter((pl.col("kind") == "assistant") & (pl.col("content") == "None")).height == 0
    # the transfer tool is named from its result; the rest stay unknown
    calls = ev.filter(pl.col("kind") == "tool_call")
    named = calls.filter(pl.col("tool_name") == "transfer_to_human_agents")
    results = ev.filter(pl.col("kind") == "tool_result")
    assert named.height == results.filter(pl.col("content") == "Transfer successful").height > 0
    assert set(calls["tool_name"].unique().to_list()) == {"unknown", "transfer_to_human_agents"}
    # 'Error: ...' results are flagged
    err = results.filter(pl.col("content").str.starts_with("Error"))
    assert err.height > 0 and set(err["status"].to_list()) == {"error"}
    # a multi-line assistant turn stays one event
    assert ev.filter((pl.col("kind") == "assistant") & pl.col("content").str.contains("\n\n")).height > 0


def test_malformed_jsonl_and_text(tmp_path, ingest_ctx):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "t.jsonl").write_text(
        '{"messages_display": "user: hi\\nassistant: hello"}\n'
        '{"messages_display": "user: trunc\n'
        '{"other": 1}\n'
        '{"messages_display": 7}\n'
        '{"messages_display": "no speakers here"}\n'
    )
    (drop / "empty.txt").write_bytes(b"\n\n")
    (drop / "bad.txt").write_bytes(b"User: hello\nAssistant: caf\xe9 is open\nUser: thanks\nAssistant: bye\n")
    gzip_copy(FIXTURES / "transcripts_basic.txt", drop / "gz.txt.gz")
    res = ingest(drop, ingest_ctx, fmt="transcript")
    q = {(f, ln): r for f, ln, r in zip(res.quarantined["source_file"], res.quarantined["source_line"],
                                       res.quarantined["reason"])}
    assert q == {
        ("t.jsonl", 2): "invalid_json",
        ("t.jsonl", 3): "missing_field:messages_display",
        ("t.jsonl", 4): "wrong_type:messages_display",
        ("t.jsonl", 5): "no_speaker_turns",
        ("empty.txt", 1): "empty_file",
        ("bad.txt", 2): "invalid_utf8",
    }
    stats = {s.source_file: s for s in res.files}
    assert stats["gz.txt.gz"].records_accepted == 2
    assert stats["bad.txt"].records_accepted == 2  # the turns before and after the bad line survive


def test_sniff():
    assert transcripts.sniff((FIXTURES / "transcripts_basic.txt").read_text(), "a.txt") > 0.8
    assert transcripts.sniff("2026-11-20T09:00:00Z INFO user: started\n", "a.log") == 0.0
    assert transcripts.sniff('{"messages": [{"role": "user", "content": "User: hi"}]}\n', "a.jsonl") == 0.0
    assert transcripts.sniff("User: only one speaker\nUser: again\n", "a.txt") == 0.0


def test_human_assistant_layout_is_one_conversation_per_file(tmp_path, ingest_ctx):
    """``\\n\\nHuman: ...\\n\\nAssistant: ...`` files (a blank line before every turn) are one conversation each;
    a blank line followed by prose stays inside the turn."""
    names = ["transcripts_human_assistant_1.txt", "transcripts_human_assistant_2.txt"]
    for n in names:
        copy_fixture(n, tmp_path / "drop")
    copy_fixture("transcripts_blank_separated.txt", tmp_path / "drop")  # the other layout, in the same drop
    res = ingest(tmp_path / "drop", ingest_ctx)
    assert {f.source_format for f in res.files} == {"transcript"}
    ev = res.events.sort("source_file", "source_line", "seq")
    one = ev.filter(pl.col("source_file") == names[0])
    assert one["session_id"].n_unique() == 1 and one["source_line"].unique().to_list() == [3]
    assert one["kind"].to_list() == ["user", "assistant"] * 3
    assert one["content"][1].endswith("print the label.\n\nRefunds arrive within five business days of the "
                                      "warehouse scan.")
    two = ev.filter(pl.col("source_file") == names[1])
    assert two["session_id"].n_unique() == 1 and two["content"].to_list() == [
        'Translate "good morning" into Spanish.', '"Buenos días."', "And into Italian?", '"Buongiorno."']
    # the blank-separated file in the same drop still splits at a speaker line after a blank line
    other = ev.filter(pl.col("source_file") == "transcripts_blank_separated.txt")
    assert other["session_id"].n_unique() == 2


def test_layout_share_rule():
    lines = [(i + 1, 0, t) for i, t in enumerate(["User: a", "Assistant: b", "", "User: c", "Assistant: d"])]
    assert not transcripts.blank_before_every_turn(lines)
    lines = [(i + 1, 0, t) for i, t in enumerate(["", "Human: a", "", "Assistant: b", "", "Human: c"])]
    assert transcripts.blank_before_every_turn(lines)
