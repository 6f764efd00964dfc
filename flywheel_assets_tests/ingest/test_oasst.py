"""oasst parser on the real Open Assistant trees + malformed trees."""

from __future__ import annotations

import json

import polars as pl

from flywheel_assets.ingest import oasst
from flywheel_assets_tests.ingest.parser_helpers import attrs, gzip_copy, ingest, reasons


def _walk(msg, path, out):
    path = path + [msg]
    if msg["role"] == "assistant":
        out.append(path)
    for r in msg.get("replies", []):
        _walk(r, path, out)


def _expected(path):
    """Independent reading of the raw file: one (tree_id, path) per assistant message."""
    out = []
    for line in path.read_text().splitlines():
        tree = json.loads(line)
        paths = []
        _walk(tree["prompt"], [], paths)
        out.extend((tree["message_tree_id"], p) for p in paths)
    return out


def test_real_trees(realdata, ingest_ctx):
    src = realdata / "oasst_feedback" / "en_100_tree.jsonl"
    res = ingest(src.parent, ingest_ctx, files=[src])
    assert res.files[0].source_format == "oasst"
    assert (res.records_in, res.records_accepted, res.records_quarantined) == (100, 100, 0)
    ev = res.events
    expected = _expected(src)
    assert len(expected) == 687  # README: 1,167 messages; 687 of them assistant replies
    fb = ev.filter(pl.col("kind") == "feedback")
    assert fb.height == ev["session_id"].n_unique() == len(expected)
    by_session = {sid: grp.sort("seq") for (sid,), grp in ev.group_by("session_id")}
    n_up = n_down = 0
    for tree_id, path in expected:
        target = path[-1]
        g = by_session[f"{tree_id}/{target['message_id']}"]
        turns = g.filter(pl.col("kind") != "feedback")
        assert turns["content"].to_list() == [m["text"] for m in path]
        assert turns["kind"].to_list() == ["user" if m["role"] == "prompter" else "assistant" for m in path]
        f = g.filter(pl.col("kind") == "feedback").row(0, named=True)
        assert f["parent_event_id"] == turns.row(-1, named=True)["event_id"]
        up = target.get("emojis", {}).get("+1", 0)
        down = target.get("emojis", {}).get("-1", 0)
        want = "up" if up > down else "down" if down > up else ("neutral" if up else None)
        assert f["feedback_thumbs"] == want
        n_up += want == "up"
        n_down += want == "down"
        if "rank" in target:
            assert f["feedback_rating"] == 1.0 / (1 + target["rank"]) and attrs(f)["rank"] == target["rank"]
        else:
            assert f["feedback_rating"] is None
        a = attrs(f)
        assert a["message_id"] == target["message_id"] and a["parent_id"] == target["parent_id"]
        assert a["lang"] == target["lang"] and a["synthetic"] == target["synthetic"]
    assert n_up > n_down > 0
    # siblings share the same prompt prefix (what the pair miner relies on)
    prefixes: dict[str, set] = {}
    for tree_id, path in expected:
        g = by_session[f"{tree_id}/{path[-1]['message_id']}"].filter(pl.col("kind") != "feedback")
        prefixes.setdefault(path[-1]["parent_id"], set()).add(tuple(g["content"].to_list()[:-1]))
    assert all(len(v) == 1 for v in prefixes.values())
    assert sum(1 for _, p in expected if p[-1].get("rank", 0) > 0) > 100  # many ranked siblings to pair


def test_deleted_and_review_failed_are_kept_and_flagged(tmp_path, ingest_ctx):
    tree = {
        "message_tree_id": "t1",
        "prompt": {"message_id": "p", "role": "prompter", "text": "Q?", "lang": "en", "replies": [
            {"message_id": "a1", "parent_id": "p", "role": "assistant", "text": "A1", "rank": 0,
             "emojis": {"+1": 2, "-1": 2}, "replies": []},
            {"message_id": "a2", "parent_id": "p", "role": "assistant", "text": "A2", "rank": 1, "deleted": True,
             "review_result": False, "emojis": {"-1": 3}, "replies": [
                 {"message_id": "p2", "parent_id": "a2", "role": "prompter", "text": "Why?", "replies": [
                     {"message_id": "a3", "parent_id": "p2", "role": "assistant", "text": "Because.", "replies": []}]}]},
        ]},
    }
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "trees.jsonl").write_text(json.dumps(tree) + "\n")
    res = ingest(drop, ingest_ctx)
    assert res.files[0].source_format == "oasst"
    ev = res.events
    fb = {attrs(r)["message_id"]: r for r in ev.filter(pl.col("kind") == "feedback").iter_rows(named=True)}
    assert fb["a1"]["feedback_thumbs"] == "neutral" and fb["a1"]["feedback_rating"] == 1.0
    assert fb["a2"]["feedback_thumbs"] == "down" and fb["a2"]["feedback_rating"] == 0.5
    assert attrs(fb["a2"])["deleted"] is True and attrs(fb["a2"])["review_failed"] is True
    assert fb["a3"]["feedback_thumbs"] is None and fb["a3"]["feedback_rating"] is None
    deep = ev.filter(pl.col("session_id") == "t1/a3").sort("seq")
    assert deep["content"].to_list() == ["Q?", "A2", "Why?", "Because.", None]


def test_malformed(tmp_path, ingest_ctx):
    drop = tmp_path / "drop"
    drop.mkdir()
    good = {"message_tree_id": "g", "prompt": {"message_id": "g", "role": "prompter", "text": "hi", "replies": [
        {"message_id": "r", "role": "assistant", "text": "hello", "replies": []}]}}
    lines = [
        json.dumps(good),
        '{"message_tree_id": "x", "prompt": {"message_id": "x", "role": "prompter", "te',
        json.dumps({"message_tree_id": "x"}),
        json.dumps({"message_tree_id": "x", "prompt": "text"}),
        json.dumps({"message_tree_id": "x", "prompt": {"message_id": "x", "role": "prompter", "text": 5}}),
        json.dumps({"message_tree_id": "x", "prompt": {"message_id": "x", "role": "assistant", "text": "a"}}),
        json.dumps({"message_tree_id": "x", "prompt": {"message_id": "x", "role": "prompter", "text": "q",
                                                       "replies": [{"role": "wizard", "text": "w", "message_id": "w"}]}}),
    ]
    (drop / "t.jsonl").write_text("\n".join(lines) + "\n")
    (drop / "e.jsonl").write_bytes(b"")
    (drop / "u.jsonl").write_bytes(json.dumps(good).encode() + b"\n" + b'{"message_tree_id": "\xff"}\n')
    gzip_copy(drop / "t.jsonl", tmp_path / "gz" / "t.jsonl.gz")
    res = ingest(drop, ingest_ctx, fmt="oasst")
    got = {(f, ln): r for f, ln, r in zip(res.quarantined["source_file"], res.quarantined["source_line"],
                                         res.quarantined["reason"])}
    assert got == {
        ("t.jsonl", 2): "invalid_json",
        ("t.jsonl", 3): "missing_field:prompt",
        ("t.jsonl", 4): "wrong_type:prompt",
        ("t.jsonl", 5): "wrong_type:text",
        ("t.jsonl", 6): "invalid_value:prompt.role",
        ("t.jsonl", 7): "invalid_value:role",
        ("e.jsonl", 1): "empty_file",
        ("u.jsonl", 2): "invalid_utf8",
    }
    gz = ingest(tmp_path / "gz", ingest_ctx)
    assert gz.files[0].source_format == "oasst" and reasons(gz)[0] == (2, "invalid_json")
    assert gz.records_accepted == 1


def test_sniff(realdata):
    head = (realdata / "oasst_feedback" / "en_100_tree.jsonl").read_text()[:65536]
    assert oasst.sniff(head, "en_100_tree.jsonl") > 0.9
    assert oasst.sniff('{"messages": [{"role": "user", "content": "hi"}]}\n', "c.jsonl") == 0.0
