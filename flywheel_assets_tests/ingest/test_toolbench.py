"""toolbench parser on the real ToolBench runs and query lists + malformed documents."""

from __future__ import annotations

import json

import polars as pl

from flywheel_assets.ingest import toolbench
from flywheel_assets_tests.ingest.parser_helpers import assert_tool_links, attrs, gzip_copy, ingest


def _data_files(root):
    return sorted(p for p in root.rglob("*.json"))


def test_real_runs_and_queries(realdata, ingest_ctx):
    root = realdata / "toolbench_trees"
    files = _data_files(root)
    res = ingest(root, ingest_ctx, files=files)
    assert {s.source_format for s in res.files} == {"toolbench"}
    runs = [s for s in res.files if s.source_file.startswith("answer/")]
    queries = [s for s in res.files if s.source_file.startswith("instruction/")]
    assert len(runs) == 15 and all((s.records_in, s.records_accepted) == (1, 1) for s in runs)
    # one record per query in each list, counted independently from the raw JSON
    for s in queries:
        assert s.records_accepted == s.records_in == len(json.loads((root / s.source_file).read_text()))
    assert res.records_quarantined == 0
    ev = res.events
    assert_tool_links(ev)

    run_ev = ev.filter(pl.col("source_file").str.starts_with("answer/"))
    fb = run_ev.filter(pl.col("kind") == "feedback")
    assert fb.height == 15
    wins = {}
    for p in files:
        if p.parts[-3] == "answer":
            wins[str(p.relative_to(root))] = json.loads(p.read_text())["win"]
    assert sorted(wins.values()).count(True) == 9
    got = dict(zip(fb["source_file"], fb["outcome"]))
    assert got == {f: ("success" if w else "failure") for f, w in wins.items()}
    assert sorted(got.values()).count("success") == 9 and sorted(got.values()).count("failure") == 6

    # each run is one session: tools declared on its first event, calls linked, final answer from Finish
    for f in wins:
        g = run_ev.filter(pl.col("source_file") == f).sort("seq")
        assert g["session_id"].n_unique() == 1
        first = g.row(0, named=True)
        doc = json.loads((root / f).read_text())["answer_generation"]
        tools = json.loads(first["tools"])
        assert [t["function"]["name"] for t in tools] == [fn["name"] for fn in doc["function"]]
        assert g.filter(pl.col("kind") == "user").height >= 1
        assert g.filter(pl.col("kind") == "tool_call").height >= 1
        assert "Finish" not in g["tool_name"].drop_nulls().to_list()
        if doc["finish_type"] == "give_answer" and doc.get("train_messages"):
            final = json.loads(doc["final_answer"])["final_answer"]
            asst = g.filter(pl.col("kind") == "assistant")
            assert asst["content"].to_list()[-1] == final
            assert g.filter(pl.col("kind") == "feedback")["parent_event_id"].item() == asst["event_id"].to_list()[-1]

    # runs with train_messages reproduce their function calls in order
    f = "answer/G1_answer/10_ChatGPT_DFS_woFilter_w2.json"
    tm = json.loads((root / f).read_text())["answer_generation"]["train_messages"][-1]
    want = [m["function_call"]["name"] for m in tm if m.get("function_call") and m["function_call"]["name"] != "Finish"]
    calls = run_ev.filter((pl.col("source_file") == f) & (pl.col("kind") == "tool_call")).sort("seq")
    assert calls["tool_name"].to_list() == want
    # the two runs without train_messages are rebuilt from the search tree
    tree_runs = run_ev.filter(pl.col("seq") == 0).filter(
        pl.col("attributes").str.contains('"trajectory_source":"tree_first_path"'))
    assert sorted(tree_runs["source_file"].to_list()) == [
        "answer/G1_answer/69_ChatGPT_DFS_woFilter_w2.json", "answer/G3_answer/8_ChatGPT_DFS_woFilter_w2.json"]
    # JSON observations with a non-empty "error" are error results; empty "error" are ok
    results = run_ev.filter(pl.col("kind") == "tool_result")
    assert results.filter(pl.col("content").str.starts_with('{"error": ""'))["status"].unique().to_list() == ["ok"]
    assert results.filter(pl.col("status") == "error").height > 0

    # queries: a user turn with declared tools (when the list carries api_list), no assistant turn
    q_ev = ev.filter(pl.col("source_file").str.starts_with("instruction/"))
    assert set(q_ev["kind"].to_list()) == {"user"}
    g1 = q_ev.filter(pl.col("source_file") == "instruction/G1_query.json").sort("source_line")
    raw = json.loads((root / "instruction/G1_query.json").read_text())
    assert g1["content"].to_list() == [q["query"] for q in raw]
    assert [len(json.loads(t)) for t in g1["tools"]] == [len(q["api_list"]) for q in raw]
    assert attrs(g1.row(0, named=True))["query_id"] == raw[0]["query_id"]
    open_domain = q_ev.filter(pl.col("source_file").str.contains("open_domain"))
    assert open_domain["tools"].is_null().all()
    # offsets point at each query object inside the array
    text = (root / "instruction/G1_query.json").read_bytes()
    for off in g1["source_offset"].to_list():
        assert text[off:off + 1] == b"{"


def test_malformed_documents(tmp_path, ingest_ctx):
    drop = tmp_path / "drop"
    drop.mkdir()
    good_q = {"query": "find cheap flights", "query_id": 1, "api_list": [
        {"tool_name": "Flights", "api_name": "Search", "api_description": "search",
         "required_parameters": [{"name": "to", "type": "STRING", "description": "dest"}], "optional_parameters": []}]}
    (drop / "queries.json").write_text(json.dumps([good_q, {"query_id": 2}, {"query": 3}, "str", good_q]))
    (drop / "truncated_queries.json").write_text(json.dumps([good_q, good_q])[:-40])
    (drop / "run_truncated.json").write_text('{"win": true, "answer_generation": {"query": "x", "train_mess')
    (drop / "run_badtype.json").write_text(json.dumps({"win": False, "answer_generation": "oops"}))
    (drop / "notrun.json").write_text(json.dumps({"hello": "world"}))
    (drop / "empty.json").write_text("  \n")
    (drop / "bad_utf8.json").write_bytes(b'[{"query": "caf\xe9"}]')
    gzip_copy(drop / "queries.json", drop / "gz" / "queries.json.gz")
    res = ingest(drop, ingest_ctx, fmt="toolbench")
    got = {(f, ln): r for f, ln, r in zip(res.quarantined["source_file"], res.quarantined["source_line"],
                                         res.quarantined["reason"])}
    assert got == {
        ("queries.json", 2): "missing_field:query",
        ("queries.json", 3): "wrong_type:query",
        ("queries.json", 4): "wrong_type:record",
        ("gz/queries.json.gz", 2): "missing_field:query",
        ("gz/queries.json.gz", 3): "wrong_type:query",
        ("gz/queries.json.gz", 4): "wrong_type:record",
        ("truncated_queries.json", 2): "invalid_json",
        ("run_truncated.json", 1): "invalid_json",
        ("run_badtype.json", 1): "wrong_type:answer_generation",
        ("notrun.json", 1): "missing_field:answer_generation",
        ("empty.json", 1): "empty_file",
        ("bad_utf8.json", 1): "invalid_utf8",
    }
    stats = {s.source_file: s for s in res.files}
    assert stats["queries.json"].records_accepted == 2
    assert stats["truncated_queries.json"].records_accepted == 1  # the intact first element survives
    q = res.events.filter(pl.col("source_file") == "queries.json").row(0, named=True)
    fn = json.loads(q["tools"])[0]["function"]
    assert fn["name"] == "search_for_flights" and fn["parameters"]["required"] == ["to"]


def test_sniff(realdata):
    root = realdata / "toolbench_trees"
    for p in _data_files(root):
        head = p.read_bytes()[:65536].decode("utf-8", "replace")
        assert toolbench.sniff(head, str(p.relative_to(root))) >= 0.9, p
    assert toolbench.sniff('[{"full_text": "x", "spans": []}]', "generated.json") == 0.0
    assert toolbench.sniff('{"messages": []}', "c.json") == 0.0
