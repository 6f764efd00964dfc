"""Langfuse trace exports (real: /work/shared/realdata/langfuse_framework_traces, MIT, langfuse/langfuse @ 6275144).

The required oracle test compares, for every GENERATION observation, the conversation we derive with the ChatML
that Langfuse itself derives (``*.chatml.json``) on roles, order, contents (whitespace-normalised) and tool calls
(names, arguments as parsed JSON, ids where the oracle has them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from flywheel_assets.ingest import spans
from flywheel_assets.ingest.pipeline import ingest_paths
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets.ingest.spans_merge import observation_conversations

_WS = re.compile(r"\s+")

# Measured (see test output): strict exact match on 17/20 traces, 105/108 messages. The 3 differing messages
# are deliberate (documented in docs): Langfuse shows pydantic-ai's ``gen_ai.choice`` event as raw JSON (we
# extract the assistant message it holds, 2 traces that are copies of one another) and keeps a Gemini
# ``function_response`` as a ``user`` message (we emit a ``tool`` message). With exactly those two equivalences
# the agreement is 20/20.
STRICT_TRACES = 17
STRICT_MESSAGES = 105
TOTAL_MESSAGES = 108


def _nt(s) -> str:
    return _WS.sub(" ", s or "").strip()


def _args(a):
    try:
        return json.loads(a) if isinstance(a, str) else a
    except ValueError:
        return a


def project_oracle(m: dict, lenient: bool) -> dict | None:
    """Langfuse ChatML message -> comparable form. Messages with neither role, content nor tool calls are
    Langfuse's tool-definition / raw-JSON rows, not conversation messages: dropped (unless lenient unwraps a raw
    ``gen_ai.choice`` event, ``{"index", "message": {...}}``)."""
    if lenient and set(m) == {"json"} and isinstance(m["json"], dict) and isinstance(m["json"].get("message"), dict):
        m = m["json"]["message"]
    role, content, calls = m.get("role"), m.get("content"), m.get("tool_calls")
    if role is None and content is None and not calls:
        return None
    role = {"model": "assistant", "developer": "system"}.get(role, role)
    if role not in ("system", "user", "assistant", "tool"):
        role = "tool"  # LangChain JS tool messages carry the tool name as role
    tcs = []
    if isinstance(content, list):
        texts = []
        for p in content:
            if isinstance(p, dict) and p.get("type") in ("text", "output_text", "input_text"):
                texts.append(p.get("text", ""))
            elif isinstance(p, dict) and p.get("type") == "tool_use":
                tcs.append({"id": p.get("id"), "name": p.get("name"), "arguments": p.get("input")})
        content = "".join(texts)
    tcs += list(calls or [])
    return {"role": role, "content": _nt(content if isinstance(content, str) else
                                         ("" if content is None else json.dumps(content))),
            "tool_calls": [(c.get("name"), _args(c.get("arguments")), c.get("id") or None) for c in tcs],
            "tool_call_id": m.get("tool_call_id")}


def project_ours(m: dict) -> dict:
    return {"role": m["role"], "content": _nt(m["content"]),
            "tool_calls": [(c["name"], _args(c["arguments"]), c["id"]) for c in m.get("tool_calls") or []],
            "tool_call_id": m.get("tool_call_id")}


def _same_text(a: str, b: str) -> bool:
    """Equal after whitespace normalisation; JSON texts compare as parsed JSON (their whitespace is layout)."""
    if a == b:
        return True
    try:
        return json.loads(a) == json.loads(b)
    except (ValueError, TypeError):
        return False


def same(exp: dict | None, got: dict | None, lenient: bool, raw: str) -> bool:
    if exp is None or got is None:
        return False
    role_ok = exp["role"] == got["role"] or (
        lenient and exp["role"] == "user" and got["role"] == "tool" and "function_response" in raw)
    if not role_ok or not _same_text(exp["content"], got["content"]) or len(exp["tool_calls"]) != len(
            got["tool_calls"]):
        return False
    for (en, ea, ei), (gn, ga, gi) in zip(exp["tool_calls"], got["tool_calls"]):
        if en != gn or ea != ga or (ei and ei != gi):
            return False
    return not (exp["tool_call_id"] and exp["tool_call_id"] != got["tool_call_id"])


@pytest.fixture(scope="module")
def lf(realdata, pii_key):
    from flywheel_assets.ingest.context import IngestContext

    root = realdata / "langfuse_framework_traces"
    files = sorted(root.glob("*.trace.json"))
    return root, files, ingest_paths(root, IngestContext(key=pii_key), files=files)


def measure(files: list[Path], events: pl.DataFrame, lenient: bool):
    traces_ok, agree, total, report = 0, 0, 0, []
    for f in files:
        raw = f.read_text()
        types = {o["id"]: o["type"] for o in json.loads(raw)["observations"]}
        oracle = json.loads(f.with_name(f.name.replace(".trace.json", ".chatml.json")).read_text())
        conv = observation_conversations(events.filter(pl.col("source_file") == f.name))
        ok = True
        for oid, sides in oracle.items():
            if types.get(oid) != "GENERATION":
                continue
            for side in ("input", "output"):
                s = sides.get(side)
                if not (isinstance(s, dict) and s.get("success")):
                    continue  # Langfuse itself could not derive ChatML here: nothing to compare
                exp = [x for x in (project_oracle(m, lenient) for m in s["data"]) if x is not None]
                got = [project_ours(m) for m in conv.get(oid, {}).get(side, [])]
                n = max(len(exp), len(got))
                hits = sum(1 for i in range(min(len(exp), len(got))) if same(exp[i], got[i], lenient, raw))
                total += n
                agree += hits
                if hits != n:
                    ok = False
                    for i in range(n):
                        e = exp[i] if i < len(exp) else None
                        g = got[i] if i < len(got) else None
                        if not same(e, g, lenient, raw):
                            report.append(f"{f.name} {oid} {side}[{i}]\n  oracle {json.dumps(e)[:200]}\n"
                                          f"  ours   {json.dumps(g)[:200]}")
        traces_ok += ok
    return traces_ok, agree, total, report


def test_oracle_langfuse_chatml(lf):
    root, files, res = lf
    assert len(files) == 20
    assert res.reconciles() and res.records_quarantined == 0
    n, agree, total, report = measure(files, res.events, lenient=False)
    print(f"\nstrict: {n}/20 traces exact, {agree}/{total} messages agree")
    print("\n".join(report))
    ln, lagree, ltotal, lreport = measure(files, res.events, lenient=True)
    print(f"with the 2 documented equivalences: {ln}/20 traces, {lagree}/{ltotal} messages")
    assert total == TOTAL_MESSAGES
    assert n >= STRICT_TRACES and agree >= STRICT_MESSAGES
    assert ln == 20 and lagree == ltotal, "\n".join(lreport)


def test_one_conversation_per_trace_without_duplicates(lf):
    root, files, res = lf
    ev = res.events
    assert set(ev["source_format"].unique()) == {"langfuse"}
    msgs = ev.filter(pl.col("kind") != "feedback")
    # one record (= trace) per file, each with contiguous seq and non-decreasing timestamps along seq
    for (fname,), g in msgs.group_by(["source_file"]):
        g = g.sort("seq")
        assert g["source_line"].unique().to_list() == [1]
        assert g["seq"].to_list() == list(range(g.height))
        ts = [t for t in g["timestamp"].to_list()]
        assert all(a <= b for a, b in zip(ts, ts[1:]) if a and b), fname
        assert g["session_id"].n_unique() == 1
    # pydantic-ai-tools-2025-12-04: 4 generations whose inputs repeat history (2, 6, 8 and 2 input messages) +
    # 3 TOOL spans; every message is emitted once: the writer's 8-message history + its final joke, then the
    # critic's system + user + final_result call.
    g = msgs.filter(pl.col("source_file") == "pydantic-ai-tools-2025-12-04.trace.json").sort("seq")
    assert g["kind"].to_list() == ["system", "user"] + ["tool_call"] * 3 + ["tool_result"] * 3 + [
        "assistant", "user", "assistant", "system", "user", "tool_call"]
    users = g.filter(pl.col("kind") == "user")["content"].to_list()
    assert len(users) == len(set(users)) == 3
    calls = g.filter(pl.col("kind") == "tool_call")
    assert calls.height == calls["tool_call_id"].n_unique() == 4
    assert calls["tool_name"].to_list()[-1] == "final_result"
    results = g.filter(pl.col("kind") == "tool_result")
    assert results["tool_call_id"].to_list() == calls["tool_call_id"].to_list()[:3]
    # each result points to its call
    call_ids = dict(zip(calls["event_id"], calls["tool_call_id"]))
    assert all(call_ids[p] == c for p, c in zip(results["parent_event_id"], results["tool_call_id"]))


def test_claude_agent_trace_order_and_tool_pairing(lf):
    """Generations carry only their outputs here; tool results come from TOOL observations without call ids."""
    root, files, res = lf
    g = res.events.filter((pl.col("source_file") == "claude-agent-2025-12-22.trace.json")
                          & (pl.col("kind") != "feedback")).sort("seq")
    assert g["kind"].to_list() == ["user", "assistant", "tool_call", "tool_call", "tool_result", "tool_result",
                                   "assistant"]
    calls = g.filter(pl.col("kind") == "tool_call")
    assert [json.loads(a)["city"] for a in calls["tool_arguments"]] == ["Berlin", "New York"]
    results = g.filter(pl.col("kind") == "tool_result")
    assert results["content"].to_list() == ["Weather in Berlin: Cloudy, 59°F", "Weather in New York: Sunny, 75°F"]
    assert results["parent_event_id"].to_list() == calls["event_id"].to_list()
    last = g.row(-1, named=True)
    assert last["content"].startswith("Great! Here's the current weather") and last["model"].startswith("claude")


def test_openai_agents_tool_span_not_duplicated(lf):
    root, files, res = lf
    g = res.events.filter((pl.col("source_file") == "openai-agents-2025-09-30.trace.json")
                          & (pl.col("kind") != "feedback")).sort("seq")
    assert g["kind"].to_list() == ["user", "tool_call", "tool_result", "assistant"]
    assert g["tool_call_id"][1] == g["tool_call_id"][2] == "call_Kud0j0DxWSmLzv9W5m6qVqXn"
    a = g.row(3, named=True)
    assert a["model"] == "gpt-4.1-2025-04-14" and a["prompt_tokens"] == 85 and a["latency_ms"] > 0


def test_scores_become_feedback(lf):
    root, files, res = lf
    fb = res.events.filter(pl.col("kind") == "feedback")
    n_scores, values = 0, []
    for f in files:
        scores = json.loads(f.read_text())["trace"].get("scores") or []
        n_scores += len(scores)
        values += sorted(float(s["value"]) for s in scores)
        got = fb.filter(pl.col("source_file") == f.name)
        assert sorted(got["feedback_rating"].to_list()) == sorted(float(s["value"]) for s in scores)
        conv_end = res.events.filter((pl.col("source_file") == f.name) & (pl.col("kind") != "feedback"))[
            "timestamp"].max()
        assert all(t == conv_end for t in got["timestamp"])  # feedback sorts after the conversation it rates
        rated = res.events.filter((pl.col("source_file") == f.name) & pl.col("kind").is_in(["assistant", "tool_call"]))
        if got.height:  # the score rates the trace's last model turn
            assert set(got["parent_event_id"]) == {rated.sort("seq")["event_id"][-1]}
    assert fb.height == n_scores == 24
    names = {json.loads(a)["score_name"] for a in fb["attributes"]}
    assert names >= {"hallucination", "toxicity", "correctness"}


def test_user_ids_are_hashed_and_sessions_kept(lf, ingest_ctx):
    root, files, res = lf
    for f in files:
        t = json.loads(f.read_text())["trace"]
        g = res.events.filter(pl.col("source_file") == f.name)
        assert set(g["session_id"]) == {t.get("sessionId") or t["id"]}
        assert set(g["user_hash"].to_list()) == {ingest_ctx.hash_user(t.get("userId"))}
        if t.get("userId"):
            assert t["userId"] not in "".join(g["attributes"].fill_null("").to_list())


def test_deterministic(realdata, ingest_ctx):
    root = realdata / "langfuse_framework_traces"
    files = sorted(root.glob("*.trace.json"))[:6]
    a = ingest_paths(root, ingest_ctx, files=files).events
    b = ingest_paths(root, ingest_ctx, files=list(reversed(files))).events
    key = ["source_file", "source_line", "seq"]
    assert a.sort(key).equals(b.sort(key))


def test_sniff(realdata):
    root = realdata / "langfuse_framework_traces"
    f = root / "koog-2025-08-26.trace.json"
    o = root / "koog-2025-08-26.chatml.json"
    assert spans.sniff(SourceFile(f, f.name).head().decode(), f.name) >= 0.9
    assert spans.sniff(SourceFile(o, o.name).head().decode(), o.name) == 0.0


def test_tool_definitions_collected(lf):
    root, files, res = lf
    g = res.events.filter(pl.col("source_file") == "langgraph-python-2025-08-22.trace.json").sort("seq")
    tools = [t for t in g["tools"].to_list() if t]
    assert len(tools) == 1 and g["tools"][0] is not None  # on the record's first event only
    (tool,) = json.loads(tools[0])
    assert tool["function"]["name"] == "Web-Search"
    assert tool["function"]["parameters"]["properties"] == {"query": {"type": "string"}}


def _export(trace_id: str, level: str = "DEFAULT", scores=None) -> dict:
    """A minimal Langfuse export built by hand (field names as in the real exports)."""
    return {
        "trace": {"id": trace_id, "sessionId": None, "userId": "alice@example.com", "scores": scores or []},
        "observations": [
            {"id": f"{trace_id}-g1", "type": "GENERATION", "name": "chat", "level": level,
             "statusMessage": "upstream 503" if level == "ERROR" else None,
             "startTime": "2026-01-05T10:00:00.000Z", "endTime": "2026-01-05T10:00:02.500Z", "model": "gpt-4o",
             "usageDetails": {"input": 12, "output": 5},
             "input": json.dumps([{"role": "user", "content": "Hi there"}]),
             "output": None if level == "ERROR" else json.dumps({"role": "assistant", "content": "Hello!"})},
        ],
    }


def test_synthetic_exports_errors_feedback_and_containers(tmp_path, ingest_ctx):
    thumbs = [{"id": "s1", "name": "user-feedback", "value": 0, "dataType": "NUMERIC", "source": "API",
               "timestamp": "2026-01-05T11:00:00Z"}]
    (tmp_path / "one.trace.json").write_text(json.dumps(_export("t-ok", scores=thumbs)))
    (tmp_path / "many.json").write_text(json.dumps([_export("t-a"), _export("t-err", level="ERROR"), {"x": 1}]))
    (tmp_path / "lines.jsonl").write_text("\n".join([json.dumps(_export("t-l1")), "{broken", "",
                                                     json.dumps(_export("t-l2"))]) + "\n")
    res = ingest_paths(tmp_path, ingest_ctx)
    assert res.reconciles()
    assert (res.records_in, res.records_accepted) == (7, 5)
    assert sorted(zip(res.quarantined["source_file"], res.quarantined["source_line"], res.quarantined["reason"])) == [
        ("lines.jsonl", 2, "invalid_json"), ("many.json", 3, "not_spans")]
    ev = res.events
    ok = ev.filter(pl.col("source_file") == "one.trace.json").sort("seq")
    assert ok["kind"].to_list() == ["user", "assistant", "feedback"]
    a = ok.row(1, named=True)
    assert (a["model"], a["prompt_tokens"], a["completion_tokens"], a["latency_ms"]) == ("gpt-4o", 12, 5, 2500.0)
    fb = ok.row(2, named=True)
    assert fb["feedback_thumbs"] == "down" and fb["parent_event_id"] == a["event_id"]
    assert set(ok["session_id"]) == {"t-ok"}  # no sessionId -> trace id
    assert "alice@example.com" not in "".join(ev["attributes"].fill_null("").to_list())
    assert set(ev["user_hash"]) == {ingest_ctx.hash_user("alice@example.com")}
    err = ev.filter((pl.col("source_file") == "many.json") & (pl.col("source_line") == 2)).sort("seq")
    assert err["kind"].to_list() == ["user", "error"]
    assert err["content"][1] == "upstream 503" and err["status"][1] == "error"
    assert set(ev.filter(pl.col("source_file") == "lines.jsonl")["source_line"]) == {1, 4}
