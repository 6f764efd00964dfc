"""comparison parser: in-product A/B picks -> one session per answer + feedback carrying the pick."""

from __future__ import annotations

import json

from flywheel_assets.ingest import comparisons
from flywheel_assets.ingest.pipeline import detect_format
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets_tests.ingest.parser_helpers import FIXTURES, copy_fixture, ingest, reasons

FIX = "comparisons_ab.jsonl"


def _sessions(res) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in res.events.sort("source_line", "seq").to_dicts():
        out.setdefault(r["session_id"], []).append(r)
    return out


def _pick(events: list[dict]) -> dict:
    fb = [e for e in events if e["kind"] == "feedback"]
    assert len(fb) == 1
    return {**json.loads(fb[0]["attributes"])["comparison"], "thumbs": fb[0]["feedback_thumbs"],
            "parent": fb[0]["parent_event_id"]}


def test_detected_over_chatlog_and_reconciles(tmp_path, ingest_ctx):
    assert detect_format(SourceFile(FIXTURES / FIX, FIX)) == "comparison"
    # a chat-log line is not a comparison
    assert comparisons.sniff('{"messages": [{"role": "user", "content": "hi"}]}\n', "c.jsonl") == 0.0
    copy_fixture(FIX, tmp_path / "drop")
    res = ingest(tmp_path / "drop", ingest_ctx)
    assert (res.records_in, res.records_accepted) == (8, 5)
    assert reasons(res) == [(6, "invalid_value:choice"), (7, "unknown_comparison_shape"), (8, "wrong_type:record")]


def test_chosen_rejected_transcripts(tmp_path, ingest_ctx):
    copy_fixture(FIX, tmp_path / "drop")
    s = _sessions(ingest(tmp_path / "drop", ingest_ctx))
    line1 = {k: v for k, v in s.items() if v[0]["source_line"] == 1}
    assert sorted(k.rsplit("/", 1)[1] for k in line1) == ["chosen", "rejected"]
    chosen = next(v for k, v in line1.items() if k.endswith("/chosen"))
    assert [(e["kind"], e["content"]) for e in chosen[:2]] == [
        ("user", "How do I reset my router?"),
        ("assistant", "Hold the reset button on the back for ten seconds until the lights blink, then wait two "
                      "minutes for it to restart.")]
    pick = _pick(chosen)
    assert pick["choice"] == "chosen" and pick["thumbs"] == "up" and pick["parent"] == chosen[1]["event_id"]
    rejected = next(v for k, v in line1.items() if k.endswith("/rejected"))
    assert _pick(rejected)["choice"] == "rejected" and _pick(rejected)["thumbs"] == "down"
    # multi-turn transcripts keep every turn; only the last answer differs
    line2 = [v for v in s.values() if v[0]["source_line"] == 2]
    assert all([e["kind"] for e in v] == ["user", "assistant", "user", "assistant", "feedback"] for v in line2)


def test_prompt_with_two_responses_and_pick(tmp_path, ingest_ctx):
    copy_fixture(FIX, tmp_path / "drop")
    s = _sessions(ingest(tmp_path / "drop", ingest_ctx))
    a, b = s["ab-17/a"], s["ab-17/b"]
    assert [e["kind"] for e in a] == ["system", "user", "assistant", "feedback"]
    assert a[2]["model"] == "model-x" and b[2]["model"] == "model-y"
    assert _pick(a)["choice"] == "chosen" and _pick(b)["choice"] == "rejected"
    assert a[0]["user_hash"] and a[0]["user_hash"] != "u-991" and a[0]["timestamp"] is not None
    # a list of three answers with a 0-based pick: one chosen, two rejected
    three = [v for v in s.values() if v[0]["source_line"] == 4]
    assert sorted(_pick(v)["choice"] for v in three) == ["chosen", "rejected", "rejected"]
    assert {_pick(v)["n"] for v in three} == {3}
    # a tie: both answers kept, no thumbs, choice "tie"
    tie = [v for v in s.values() if v[0]["source_line"] == 5]
    assert [(_pick(v)["choice"], _pick(v)["thumbs"]) for v in tie] == [("tie", None), ("tie", None)]


def test_pick_values():
    labels, answers = ["a", "b"], ["x", "y"]
    assert [comparisons.pick_index(v, labels, answers) for v in ("A", "model_b", "response_a", 1, "second", "y")] == [
        0, 1, 0, 1, 1, 1]
    assert comparisons.pick_index("tie (bothbad)", labels, answers) is None
