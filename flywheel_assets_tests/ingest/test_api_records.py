"""api_records: gateway logs and recorded provider calls -> canonical events (+ quarantine), exchange report."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flywheel_assets.ingest import api_records, api_report
from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import detect_format, ingest_paths
from flywheel_assets.ingest.source import SourceFile

FIX = Path(__file__).parent / "fixtures" / "api_gateway_sample.jsonl"
REAL = "openllmetry_calls/interactions.jsonl"


# ------------------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def real_lines(realdata):
    with open(realdata / REAL, encoding="utf-8") as f:
        return [ln for ln in f.read().splitlines() if ln.strip()]


def _pick(real_lines, *source_files):
    keep = set(source_files)
    return [ln for ln in real_lines if json.loads(ln)["source_file"] in keep]


def _ingest_lines(tmp_path, lines, ctx, name="calls.jsonl"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths(p, ctx, fmt="api_records")
    assert res.reconciles()
    return res


def _rows(res, source_file=None):
    ev = res.events.sort("source_line", "seq")
    out = ev.to_dicts()
    for r in out:
        r["attrs"] = json.loads(r["attributes"]) if r["attributes"] else {}
    return out


@pytest.fixture(scope="module")
def real_result(realdata, tmp_path_factory):
    from flywheel_assets.ingest.context import IngestContext

    return ingest_paths(realdata / REAL, IngestContext(key=b"flywheel-test-key"), fmt="api_records")


# ------------------------------------------------------------------------------------------------ sniffing


def test_sniff_discriminates(realdata):
    real_head = (realdata / REAL).read_bytes()[:65536].decode("utf-8", "replace")
    assert api_records.sniff(real_head, REAL) >= 0.9
    assert api_records.sniff(FIX.read_text(), FIX.name) >= 0.9
    chat = "\n".join(json.dumps({"session_id": f"s{i}", "messages": [{"role": "user", "content": "hi"}]})
                     for i in range(3))
    assert api_records.sniff(chat, "chat.jsonl") < 0.1
    otlp = json.dumps({"resourceSpans": [{"scopeSpans": []}]})
    assert api_records.sniff(otlp, "trace.json") < 0.1
    assert api_records.sniff("User: hello\nAssistant: hi there\n", "t.txt") == 0.0
    assert detect_format(SourceFile(FIX, FIX.name)) == "api_records"


# ------------------------------------------------------------------------------------------------ gateway rows


def test_gateway_sample_end_to_end(ingest_ctx):
    res = ingest_paths(FIX, ingest_ctx)
    assert res.reconciles() and res.records_in == 10
    reasons = dict(zip(res.quarantined["source_line"].to_list(), res.quarantined["reason"].to_list()))
    assert reasons == {5: "unsupported_endpoint:embeddings", 7: "invalid_json", 8: "wrong_type:row",
                       9: "wrong_type:request_body", 10: "missing_field:response_body"}
    ev = _rows(res)
    by_line = {}
    for r in ev:
        by_line.setdefault(r["source_line"], []).append(r)

    # line 1: system + user, then the streamed tool call reassembled from argument deltas
    l1 = by_line[1]
    assert [r["kind"] for r in l1] == ["system", "user", "tool_call"]
    call = l1[2]
    assert call["tool_call_id"] == "call_abc" and json.loads(call["tool_arguments"]) == {"order_id": "A-1001"}
    assert call["attrs"]["stream"] == "openai_chat" and call["latency_ms"] == 812.5
    assert json.loads(l1[0]["tools"])[0]["function"]["name"] == "get_order_status"
    assert all(r["tools"] is None for r in ev[1:] if r["source_line"] == 1)

    # line 2 repeats the history: only the new tool result and the reply are emitted
    l2 = by_line[2]
    assert [r["kind"] for r in l2] == ["tool_result", "assistant", "feedback"]
    assert l2[0]["parent_event_id"] == call["event_id"] and l2[0]["tool_name"] == "get_order_status"
    assert l2[1]["attrs"]["replayed_messages"] == 3 and l2[1]["attrs"]["request_messages"] == 4
    assert l2[1]["prompt_tokens"] == 120 and l2[1]["completion_tokens"] == 18
    assert l2[2]["feedback_thumbs"] == "up" and l2[2]["feedback_rating"] == 5.0
    assert l2[2]["parent_event_id"] == l2[1]["event_id"]

    # 429 then a successful retry of the same request: recovered retry
    l3, l4 = by_line[3], by_line[4]
    assert [r["kind"] for r in l3] == ["user", "error"]
    assert l3[1]["status"] == "error" and l3[1]["content"] == "Rate limit reached for gpt-4o-mini"
    assert l3[1]["attrs"]["http_status"] == 429
    assert [r["kind"] for r in l4] == ["assistant"] and l4[0]["status"] == "ok"
    assert l4[0]["attrs"]["retry_of"] == l3[0]["event_id"] and l4[0]["attrs"]["attempt"] == 2
    assert l4[0]["attrs"]["recovered_retry"] is True

    # stream cut mid-chunk: received text kept, status truncated
    l6 = by_line[6]
    assert l6[-1]["kind"] == "assistant" and l6[-1]["status"] == "truncated"
    assert l6[-1]["content"] == "Our store opens at 9am and"

    # sessions from metadata, user ids only as keyed hashes, timestamps parsed as UTC
    assert {r["session_id"] for r in ev} == {"s1", "s2", "s4"}
    assert all(r["timestamp"] is not None for r in ev)
    hashes = {r["user_hash"] for r in ev if r["session_id"] == "s1"}
    assert len(hashes) == 1 and None not in hashes
    blob = res.events.write_json()
    assert "user-42@example.com" not in blob and "user-7" not in blob


def test_same_input_same_output(ingest_ctx):
    a = ingest_paths(FIX, ingest_ctx).events
    b = ingest_paths(FIX, ingest_ctx).events
    assert a.equals(b)


@pytest.mark.parametrize("row, reason", [
    ({"url": "https://api.openai.com/v1/chat/completions", "status": 200, "response_body": {}}, "missing_field:request_body"),
    ({"url": "https://api.openai.com/v1/moderations", "status": 200, "request_body": {"input": "x"},
      "response_body": {"results": []}}, "unsupported_endpoint:moderation"),
    ({"url": "https://api.anthropic.com/v1/messages/count_tokens", "status": 200,
      "request_body": {"messages": [{"role": "user", "content": "x"}]}, "response_body": {"input_tokens": 3}},
     "unsupported_endpoint:token_counting"),
    ({"url": "https://api.openai.com/v1/chat/completions", "status": 200,
      "request_body": {"messages": [{"role": "user", "content": "x"}]}, "response_body": {"weird": 1}},
     "unrecognized_response"),
    ("just a string", "wrong_type:row"),
])
def test_bad_rows_are_quarantined_with_reason(row, reason, ingest_ctx):
    with pytest.raises(api_records.Quarantine) as e:
        api_records.parse_record(row, rel="x.jsonl", line=1, offset=0, ctx=ingest_ctx)
    assert e.value.reason == reason


def test_error_row_with_text_body_and_string_status(ingest_ctx):
    row = {"endpoint": "/v1/chat/completions", "status": "500 Internal Server Error",
           "request": {"messages": [{"role": "user", "content": "hello"}]}, "response": "upstream timed out"}
    ev = api_records.parse_record(row, rel="x.jsonl", line=1, offset=0, ctx=ingest_ctx)
    assert [e["kind"] for e in ev] == ["user", "error"]
    assert ev[1]["content"] == "upstream timed out" and json.loads(ev[1]["attributes"])["http_status"] == 500


# ------------------------------------------------------------------------------------------------ real provider shapes


def test_real_file_reconciles_and_exchange_share(real_result):
    """Measured on interactions.jsonl (1,198 rows): 860 2xx chat calls, 831 well-formed = 0.9663.
    The 29 remaining failures: 23 Bedrock ``*-stream`` calls whose binary event-stream body the cassette did not
    record (``response_not_recorded:binary``), 3 Azure replies withheld by the content filter
    (``error_in_2xx:content_filter``) and 3 Azure 200s whose body is an error (``error_in_2xx:in_body_error``).
    Every call with a recorded reply yields a well-formed exchange."""
    res = real_result
    assert res.reconciles() and res.records_in == 1198
    rep = api_report.exchange_report(res.events, res.quarantined)
    assert rep["chat_calls_2xx"] >= 850
    assert rep["share"] >= 0.96
    allowed = ("response_not_recorded:binary", "error_in_2xx:")
    assert all(f["reason"].startswith(allowed) for f in rep["failures"]), rep["failure_reasons"]
    for prov in ("openai", "anthropic", "cohere", "ollama", "groq", "mistral", "openai_compatible"):
        assert rep["by_provider"][prov]["share"] == 1.0, prov
    # non-chat endpoints are quarantined, never silently dropped
    q = res.quarantined["reason"].value_counts()
    reasons = dict(zip(q["reason"].to_list(), q["count"].to_list()))
    assert reasons["unsupported_endpoint:embeddings"] >= 50
    assert reasons["unsupported_endpoint:assistants"] >= 100
    # every tool_result that names a call earlier in its session points at that call
    ev = res.events
    calls = set(ev.filter(pl.col("kind") == "tool_call")["event_id"].to_list())
    parents = ev.filter((pl.col("kind") == "tool_result") & pl.col("parent_event_id").is_not_null())
    assert parents.height >= 40 and set(parents["parent_event_id"].to_list()) <= calls


def test_anthropic_tool_use_and_tool_result_blocks(real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, "anthropic/test_messages_test_anthropic_tools_history_legacy.yaml"),
                        ingest_ctx)
    ev = _rows(res)
    assert [r["kind"] for r in ev] == ["user", "assistant", "tool_call", "tool_result", "tool_call"]
    assert ev[2]["tool_call_id"] == "call_1" and json.loads(ev[2]["tool_arguments"]) == {"location": "San Francisco, CA"}
    assert ev[3]["content"] == "Sunny and 65 degrees Fahrenheit" and ev[3]["parent_event_id"] == ev[2]["event_id"]
    assert ev[4]["tool_name"] == "get_time" and ev[4]["attrs"]["part"] == "response"
    assert ev[4]["prompt_tokens"] == 568 and ev[4]["attrs"]["finish_reason"] == "tool_use"
    tools = json.loads(ev[0]["tools"])
    assert tools[0]["function"]["name"] == "get_weather" and "properties" in tools[0]["function"]["parameters"]


def test_openai_responses_function_call_items(real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, "openai-agents/test_openai_agents_test_agent_with_function_tool_spans.yaml"),
                        ingest_ctx)
    ev = _rows(res)
    kinds = [r["kind"] for r in ev]
    assert kinds[0] == "system" and "user" in kinds and "tool_call" in kinds and "tool_result" in kinds
    res_ev = [r for r in ev if r["kind"] == "tool_result"]
    assert all(r["parent_event_id"] for r in res_ev)
    assert ev[-1]["kind"] == "assistant" and ev[-1]["content"].strip()


def test_cohere_v2_tool_history_and_v1_chat(real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, "cohere/test_chat_test_cohere_v2_chat_legacy_with_tool_calls_and_history.yaml",
                                        "cohere/test_chat_test_cohere_chat_legacy.yaml"), ingest_ctx)
    ev = _rows(res)
    v2 = [r for r in ev if "v2" in r["session_id"]]
    results = [r for r in v2 if r["kind"] == "tool_result"]
    assert {r["content"] for r in results} == {"4:20 PM", "Sunny 20 degrees Celsius"}
    assert all(r["parent_event_id"] for r in results)
    assert v2[-1]["kind"] == "assistant" and "4:20 PM" in v2[-1]["content"]
    v1 = [r for r in ev if r["session_id"].endswith("test_cohere_chat_legacy.yaml")]
    assert [r["kind"] for r in v1] == ["user", "assistant"]
    assert v1[0]["content"] == "Tell me a joke, pirate style" and v1[1]["content"].startswith("Arrrr")


def test_ollama_tool_result_without_id_links_to_call(real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, "ollama/test_chat_test_ollama_chat_tool_calls_legacy.yaml"), ingest_ctx)
    ev = _rows(res)
    call = next(r for r in ev if r["kind"] == "tool_call")
    result = next(r for r in ev if r["kind"] == "tool_result")
    assert call["tool_call_id"] and result["tool_call_id"] == call["tool_call_id"]
    assert result["parent_event_id"] == call["event_id"] and result["tool_name"] == "get_current_weather"
    assert ev[-1]["kind"] == "assistant" and ev[-1]["completion_tokens"] is not None


@pytest.mark.parametrize("source_file, raw_path", [
    ("bedrock/test_titan_test_titan_completion.yaml", ("results", 0, "outputText")),
    ("bedrock/test_meta_test_meta_llama2_completion_string_content.yaml", ("generation",)),
    ("bedrock/test_ai21_test_ai21_j2_completion_string_content.yaml", ("completions", 0, "data", "text")),
    ("bedrock/test_cohere_test_cohere_completion.yaml", ("generations", 0, "text")),
    ("bedrock/test_meta_test_meta_converse.yaml", ("output", "message", "content", 0, "text")),
    ("anthropic/test_completion_test_anthropic_completion_legacy.yaml", ("completion",)),
    ("cohere/test_completion_test_cohere_completion_legacy.yaml", ("generations", 0, "text")),
    ("ollama/test_generation_test_ollama_async_generation_legacy.yaml", ("response",)),
    ("mistralai/test_chat_test_mistralai_async_chat_legacy.yaml", ("choices", 0, "message", "content")),
    ("groq/test_chat_tracing_test_async_chat_legacy.yaml", ("choices", 0, "message", "content")),
    ("langchain/test_llms_test_custom_llm.yaml", (0, "generated_text")),
])
def test_provider_reply_text_matches_raw_field(source_file, raw_path, real_lines, tmp_path, ingest_ctx):
    lines = _pick(real_lines, source_file)
    if not lines:
        pytest.skip(f"{source_file} not in this copy of the data")
    res = _ingest_lines(tmp_path, lines[:1], ingest_ctx)
    raw = json.loads(lines[0])["response_body"]
    for k in raw_path:
        raw = raw[k]
    ev = _rows(res)
    assert ev[0]["kind"] in ("system", "user") and ev[0]["content"].strip()
    assert ev[-1]["kind"] == "assistant" and ev[-1]["content"] == raw and raw.strip()


@pytest.mark.parametrize("source_file, dialect", [
    ("openai/test_functions_test_open_ai_function_calls_tools_streaming_parallel.yaml", "openai_chat"),
    ("openai/test_azure_test_chat_async_streaming.yaml", "openai_chat"),
    ("openai/test_completions_test_async_completion_streaming.yaml", "openai_completion"),
    ("anthropic/test_messages_test_anthropic_tools_streaming_legacy.yaml", "anthropic"),
    ("openai-agents/test_complete_handoff_with_tools_test_router_analytics_complete_workflow.yaml", "responses"),
    ("cohere/test_chat_test_cohere_v2_chat_legacy_with_tool_calls_and_streaming.yaml", "cohere_v2"),
    ("cohere/test_chat_test_cohere_chat_legacy_with_streaming.yaml", "cohere_v1"),
    ("ollama/test_chat_test_ollama_async_streaming_chat_legacy.yaml", "ollama"),
    ("mistralai/test_chat_test_mistralai_async_streaming_chat_legacy.yaml", "openai_chat"),
])
def test_streamed_rows_become_whole_messages(source_file, dialect, real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, source_file), ingest_ctx)
    resp = [r for r in _rows(res) if r["attrs"].get("part") == "response"]
    assert resp and all(r["attrs"].get("stream") == dialect for r in resp)
    assert all(r["status"] == "ok" for r in resp)
    for r in resp:
        if r["kind"] == "tool_call":
            json.loads(r["tool_arguments"])  # whole, parseable arguments
            assert r["tool_name"]
        else:
            assert r["kind"] == "assistant" and r["content"].strip()
    # one reply event per streamed message part, never one per chunk
    assert len(resp) < 10


def test_azure_content_filter_and_refusal(real_lines, tmp_path, ingest_ctx):
    res = _ingest_lines(tmp_path, _pick(real_lines, "openai/test_azure_test_chat_content_filtering.yaml",
                                        "openai/test_chat_parse_test_parsed_refused_completion.yaml"), ingest_ctx)
    ev = _rows(res)
    err = [r for r in ev if r["kind"] == "error"]
    assert len(err) == 1 and err[0]["status"] == "error" and "content filter" in err[0]["content"]
    refusal = [r for r in ev if r["attrs"].get("refusal")]
    # the cassette records the same refused request three times: one exchange, then two marked retries
    assert len(refusal) == 3 and all(r["content"].startswith("I'm") for r in refusal)
    assert [r["attrs"].get("attempt") for r in refusal] == [None, 2, 3]
    assert len([r for r in ev if r["kind"] == "user" and "bomb" in r["content"]]) == 1


def test_binary_stream_request_kept_and_non_chat_calls_quarantined(real_lines, tmp_path, ingest_ctx):
    stream = _pick(real_lines, "bedrock/test_anthropic_test_anthropic_3_completion_streaming.yaml")
    lines = stream + _pick(real_lines, "langchain/test_agents_test_agents.yaml")
    res = _ingest_lines(tmp_path, lines, ingest_ctx)
    reasons = set(res.quarantined["reason"].to_list())
    assert "unsupported_endpoint:other" in reasons and "response_not_recorded:binary" not in reasons
    assert res.records_in == len(lines) and res.reconciles()
    # the binary stream's body was not recorded: the call is accepted with its request turns only
    ev = [r for r in _rows(res) if r["source_line"] <= len(stream)]
    assert ev and {r["kind"] for r in ev} == {"user"}
    assert all(r["attrs"]["response_not_recorded"].startswith("binary") for r in ev)
    rep = api_report.exchange_report(res.events, res.quarantined)
    assert rep["failure_reasons"] == {"response_not_recorded:binary": len(stream)}
    # opting out quarantines such calls, as before
    ctx = IngestContext(key=b"k", options={"api_records": {"keep_unrecorded_replies": False}})
    (tmp_path / "optout").mkdir()
    res2 = _ingest_lines(tmp_path / "optout", stream, ctx)
    assert set(res2.quarantined["reason"].to_list()) == {"response_not_recorded:binary"}


def test_repeated_recording_is_marked_retry_and_history_not_reemitted(real_lines, tmp_path, ingest_ctx):
    """The LangChain agent cassette runs the same agent four times in one recorded test (one session)."""
    res = _ingest_lines(tmp_path, _pick(real_lines, "langchain/test_agents_test_agents.yaml"), ingest_ctx)
    ev = _rows(res)
    users = [r for r in ev if r["kind"] == "user"]
    assert [u["content"] for u in users] == ["What is OpenLLMetry?"]  # emitted once, replayed afterwards
    first = ev[0]["event_id"]
    retries = [r for r in ev if r["attrs"].get("retry_of")]
    assert len(retries) == 3 and all(r["attrs"]["retry_of"] == first for r in retries)
    assert [r["attrs"]["attempt"] for r in retries] == [2, 3, 4]
    assert all(r["attrs"]["replayed_messages"] >= 2 for r in retries)


@pytest.mark.parametrize("source_file, raw_path", [
    ("langchain/test_chains_test_asequential_chain.yaml", ("choices", 0, "text")),
    ("openai/test_azure_test_chat.yaml", ("choices", 0, "message", "content")),
])
def test_openai_legacy_completion_and_azure_chat(source_file, raw_path, real_lines, tmp_path, ingest_ctx):
    lines = _pick(real_lines, source_file)
    res = _ingest_lines(tmp_path, lines[:1], ingest_ctx)
    raw = json.loads(lines[0])["response_body"]
    for k in raw_path:
        raw = raw[k]
    ev = _rows(res)
    assert ev[-1]["kind"] == "assistant" and ev[-1]["content"] == raw
    assert ev[-1]["prompt_tokens"] is not None and ev[-1]["timestamp"] is not None  # from the body's "created"


def test_openai_nonstream_parallel_tool_calls(real_lines, tmp_path, ingest_ctx):
    lines = _pick(real_lines, "langchain/test_tool_calls_test_parallel_tool_calls.yaml")
    res = _ingest_lines(tmp_path, lines[:1], ingest_ctx)
    raw_calls = json.loads(lines[0])["response_body"]["choices"][0]["message"]["tool_calls"]
    calls = [r for r in _rows(res) if r["kind"] == "tool_call"]
    assert [c["tool_call_id"] for c in calls] == [c["id"] for c in raw_calls] and len(calls) >= 2
    assert [json.loads(c["tool_arguments"]) for c in calls] == [json.loads(c["function"]["arguments"]) for c in raw_calls]


# ------------------------------------------------------------------------------------------------ shapes not recorded as JSON


def _one(row, ctx, sessions=None):
    ev = api_records.parse_record(row, rel="g.jsonl", line=1, offset=0, ctx=ctx, sessions=sessions)
    for e in ev:
        e["attrs"] = json.loads(e["attributes"]) if e["attributes"] else {}
    return ev


def test_bedrock_converse_tool_use_and_tool_result_blocks(ingest_ctx):
    row = {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku/converse",
           "status": 200,
           "request_body": {"system": [{"text": "Be brief."}], "messages": [
               {"role": "user", "content": [{"text": "Weather in Barcelona?"}]},
               {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tu1", "name": "get_weather",
                                                               "input": {"location": "Barcelona"}}}]},
               {"role": "user", "content": [{"toolResult": {"toolUseId": "tu1", "status": "error",
                                                             "content": [{"text": "service down"}]}}]}],
               "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "d",
                                                      "inputSchema": {"json": {"type": "object"}}}}]}},
           "response_body": {"output": {"message": {"role": "assistant", "content": [{"text": "Sorry, try later."}]}},
                             "stopReason": "end_turn", "usage": {"inputTokens": 40, "outputTokens": 5},
                             "metrics": {"latencyMs": 321}}}
    ev = _one(row, ingest_ctx)
    assert [e["kind"] for e in ev] == ["system", "user", "tool_call", "tool_result", "assistant"]
    assert ev[2]["tool_call_id"] == "tu1" and json.loads(ev[2]["tool_arguments"]) == {"location": "Barcelona"}
    assert ev[3]["content"] == "ERROR: service down" and ev[3]["parent_event_id"] == ev[2]["event_id"]
    assert ev[4]["latency_ms"] == 321 and ev[4]["prompt_tokens"] == 40 and ev[4]["model"] == "anthropic.claude-3-haiku"
    assert json.loads(ev[0]["tools"]) == [{"type": "function", "function": {
        "name": "get_weather", "description": "d", "parameters": {"type": "object"}}}]


def test_anthropic_stream_in_gateway_row_and_cut_ollama_stream(ingest_ctx):
    anth = ("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\","
            "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
            "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{}}}\n\n"
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"q\\\": \\\"ab\"}}\n\n")
    row = {"url": "https://api.anthropic.com/v1/messages", "status": 200,
           "request_body": {"model": "claude-x", "messages": [{"role": "user", "content": "find ab"}]},
           "response_body": anth}
    ev = _one(row, ingest_ctx)
    call = ev[-1]
    assert call["kind"] == "tool_call" and call["status"] == "truncated"  # cut before message_stop
    assert call["attrs"].get("arguments_valid") is False  # '{"q": "ab' kept, flagged
    rep = api_report.exchange_report(pl.DataFrame([{k: v for k, v in e.items() if k != "attrs"} for e in ev]),
                                      pl.DataFrame())
    assert rep["well_formed"] == 0 and rep["failure_reasons"] == {"truncated_stream": 1}

    olla = '{"model":"llama3","message":{"role":"assistant","content":"Hel"},"done":false}\n' \
           '{"model":"llama3","message":{"role":"assistant","content":"lo"},"done":false}\n{"model":"lla'
    row = {"url": "http://127.0.0.1:11434/api/chat", "status": 200,
           "request_body": {"model": "llama3", "messages": [{"role": "user", "content": "hi"}]}, "response_body": olla}
    ev = _one(row, ingest_ctx)
    assert ev[-1]["content"] == "Hello" and ev[-1]["status"] == "truncated"


def test_responses_nonstream_items_and_request_user_field_hashed(ingest_ctx):
    row = {"uri": "https://api.openai.com/v1/responses", "status": 200,
           "request_body": {"model": "gpt-4.1", "instructions": "Be nice.", "user": "alice@example.com",
                            "input": [{"role": "user", "content": [{"type": "input_text", "text": "2+2?"}]},
                                      {"type": "function_call", "call_id": "c1", "name": "calc",
                                       "arguments": "{\"expr\":\"2+2\"}"},
                                      {"type": "function_call_output", "call_id": "c1", "output": "4"}]},
           "response_body": {"model": "gpt-4.1", "status": "completed", "created_at": 1755280569,
                             "output": [{"type": "message", "content": [{"type": "output_text", "text": "4"}]}],
                             "usage": {"input_tokens": 20, "output_tokens": 1}}}
    ev = _one(row, ingest_ctx)
    assert [e["kind"] for e in ev] == ["system", "user", "tool_call", "tool_result", "assistant"]
    assert ev[3]["parent_event_id"] == ev[2]["event_id"] and ev[3]["tool_name"] == "calc"
    assert ev[-1]["content"] == "4" and ev[-1]["attrs"]["finish_reason"] == "completed"
    assert ev[0]["user_hash"] == ingest_ctx.hash_user("alice@example.com")
    assert "alice" not in json.dumps([{k: str(v) for k, v in e.items()} for e in ev])
    assert ev[0]["timestamp"].year == 2025


def test_identical_successful_request_in_session_is_retry(ingest_ctx):
    row = {"url": "https://api.groq.com/openai/v1/chat/completions", "status": 200,
           "request_body": {"model": "m", "messages": [{"role": "user", "content": "yes"}]},
           "response_body": {"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]},
           "metadata": {"session_id": "s"}}
    sessions: dict = {}
    a = _one(row, ingest_ctx, sessions)
    b = api_records.parse_record(row, rel="g.jsonl", line=2, offset=10, ctx=ingest_ctx, sessions=sessions)
    assert [e["kind"] for e in a] == ["user", "assistant"]
    assert [e["kind"] for e in b] == ["assistant"]
    attrs = json.loads(b[0]["attributes"])
    assert attrs["retry_of"] == a[0]["event_id"] and attrs["attempt"] == 2 and "recovered_retry" not in attrs
    # a later turn that says "yes" again is new content, not history
    row2 = json.loads(json.dumps(row))
    row2["request_body"]["messages"] += [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "yes"}]
    c = api_records.parse_record(row2, rel="g.jsonl", line=3, offset=20, ctx=ingest_ctx, sessions=sessions)
    assert [e["kind"] for e in c] == ["user", "assistant"]
    assert json.loads(c[-1]["attributes"])["replayed_messages"] == 2


def test_parse_never_raises_on_arbitrary_json(tmp_path, ingest_ctx):
    from hypothesis import given, settings, strategies as st

    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
    js = st.recursive(leaf, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(
        st.sampled_from(["role", "content", "messages", "choices", "message", "type", "text", "tool_calls",
                         "function", "arguments", "output", "delta", "error", "status", "input", "prompt"]),
        c, max_size=4)), max_leaves=20)
    urls = st.sampled_from(["https://api.openai.com/v1/chat/completions", "https://api.anthropic.com/v1/messages",
                            "https://api.openai.com/v1/responses", "http://127.0.0.1:11434/api/chat", None, 5])

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(req=js, resp=st.one_of(js, st.text(max_size=60)), url=urls, status=st.one_of(st.integers(), leaf))
    def check(req, resp, url, status):
        row = {"url": url, "status": status, "request_body": req, "response_body": resp}
        try:
            ev = api_records.parse_record(row, rel="f.jsonl", line=1, offset=0, ctx=ingest_ctx, sessions={})
        except api_records.Quarantine as q:
            assert q.reason
            return
        assert ev and all(e["source_line"] == 1 for e in ev)

    check()


def test_config_switches(ingest_ctx):
    from flywheel_assets.ingest.context import IngestContext

    rows = [{"url": "https://api.openai.com/v1/chat/completions", "status": 200, "metadata": {"session_id": "s"},
             "request_body": {"messages": [{"role": "user", "content": "x" * 5000}]},
             "response_body": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}}] * 2
    ctx = IngestContext(key=b"k", options={"api_records": {"dedupe_history": False, "mark_retries": False,
                                                           "max_text_chars": 1000}})
    cfg = api_records._config(ctx)
    sessions: dict = {}
    out = [api_records.parse_record(r, rel="c.jsonl", line=i + 1, offset=0, ctx=ctx, sessions=sessions, cfg=cfg)
           for i, r in enumerate(rows)]
    assert [[e["kind"] for e in ev] for ev in out] == [["user", "assistant"], ["user", "assistant"]]
    assert len(out[0][0]["content"]) == 1000 and json.loads(out[0][0]["attributes"])["content_truncated"] is True
    assert all("retry_of" not in json.loads(e["attributes"]) for ev in out for e in ev)
    with pytest.raises(Exception):
        api_records.ApiRecordsConfig(unknown=1)


def test_http_envelope_rows(ingest_ctx):
    row = {"timestamp": 1763800000123,
           "request": {"method": "POST", "url": "https://api.mistral.ai/v1/chat/completions",
                       "body": json.dumps({"model": "mistral-small", "messages": [{"role": "user", "content": "hi"}]})},
           "response": {"status": 503, "body": {"message": "Service unavailable, retry later"}}}
    ev = _one(row, ingest_ctx)
    assert [e["kind"] for e in ev] == ["user", "error"]
    assert ev[1]["content"] == "Service unavailable, retry later"
    assert ev[1]["attrs"]["http_status"] == 503 and ev[1]["attrs"]["provider"] == "mistral"
    assert ev[0]["timestamp"].year == 2025  # epoch milliseconds


def test_demo_gateway_logs(tmp_path, ingest_ctx):
    """The demo generator's gateway files (OpenAI chat, SSE streams, tool calls, 429/500 + retries, feedback)."""
    demo = pytest.importorskip("flywheel_assets.demo.generator")
    demo.generate_demo(tmp_path / "drop", sessions=60, days=1, manifest_path=tmp_path / "manifest.json")
    files = sorted((tmp_path / "drop").rglob("gateway_*"))
    if not files:
        pytest.skip("demo generator wrote no gateway file")
    res = ingest_paths(tmp_path / "drop", ingest_ctx, files=files)
    assert res.reconciles() and {f.source_format for f in res.files} == {"api_records"}
    assert set(res.quarantined["reason"].to_list()) <= {"invalid_json", "invalid_utf8", "wrong_type:row",
                                                         "missing_field:request_body", "missing_field:response_body"}
    rep = api_report.exchange_report(res.events, res.quarantined)
    assert rep["chat_calls_2xx"] > 10 and rep["share"] == 1.0
    attrs = [json.loads(a) for a in res.events["attributes"].to_list()]
    errors = [a for a in attrs if a.get("part") == "response" and a.get("http_status", 200) >= 400]
    assert all(a["http_status"] in (429, 500) for a in errors)
    # every 429 / non-final 500 is followed by a recovered retry pointing back at the failed record
    assert sum(1 for a in attrs if a.get("recovered_retry")) >= 1
    # history replay: each session's user turns are emitted exactly once (= the user turns of its longest request)
    longest: dict[str, int] = {}
    for f in files:
        for ln in f.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(ln)
                n = sum(m.get("role") == "user" for m in row["request_body"]["messages"])
                sid = row["metadata"]["session_id"]
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            longest[sid] = max(longest.get(sid, 0), n)
    users = res.events.filter(pl.col("kind") == "user").group_by("session_id").len()
    assert dict(zip(users["session_id"].to_list(), users["len"].to_list())) == {k: v for k, v in longest.items() if v}
