"""Stream reassembly (flywheel_assets.ingest.sse) on real recorded streams and on cut / malformed streams."""

from __future__ import annotations

import json

import pytest

from flywheel_assets.ingest import sse

REAL = "openllmetry_calls/interactions.jsonl"


@pytest.fixture(scope="module")
def real_rows(realdata):
    rows = {}
    with open(realdata / REAL, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            rows[(r["source_file"], r["interaction_index"])] = r
    return rows


def body(rows, source_file, idx=0) -> str:
    b = rows[(source_file, idx)]["response_body"]
    assert isinstance(b, str)
    return b


def test_parse_sse_rules():
    text = ": comment\nevent: a\ndata: {\"x\":\ndata: 1}\n\nid: 7\ndata: [DONE]\n\ndata: tail-without-blank"
    assert sse.parse_sse(text) == [("a", '{"x":\n1}'), (None, "[DONE]"), (None, "tail-without-blank")]
    assert sse.parse_sse("") == []
    assert sse.parse_sse(None) == []  # type: ignore[arg-type]


def test_openai_chat_tool_call_argument_deltas_by_index(real_rows):
    """Parallel tool calls streamed as argument fragments keyed by index (real OpenAI recording)."""
    r = sse.reassemble(body(real_rows, "openai/test_functions_test_open_ai_function_calls_tools_streaming_parallel.yaml"))
    assert r.dialect == "openai_chat" and r.complete
    assert [(c.name, json.loads(c.arguments)) for c in r.tool_calls] == [
        ("get_current_weather", {"location": "San Francisco"}),
        ("get_current_weather", {"location": "Boston"}),
    ]
    assert all(c.id and c.id.startswith("call_") for c in r.tool_calls)
    assert r.finish_reason == "tool_calls"


def test_openai_chat_text_stream_matches_chunks(real_rows):
    text = body(real_rows, "groq/test_chat_tracing_test_chat_streaming_legacy.yaml")
    r = sse.reassemble(text)
    # independent check: concatenate every delta.content by hand
    expected = "".join(
        (json.loads(d)["choices"][0]["delta"].get("content") or "")
        for _, d in sse.parse_sse(text) if d != "[DONE]" and json.loads(d)["choices"])
    assert r.dialect == "openai_chat" and r.text == expected and len(expected) > 50
    assert r.complete and r.finish_reason == "stop"
    assert r.prompt_tokens == 18 and r.completion_tokens == 73  # Groq puts usage under x_groq


def test_openai_legacy_completion_stream(real_rows):
    r = sse.reassemble(body(real_rows, "openai/test_completions_test_async_completion_streaming.yaml"))
    assert r.dialect == "openai_completion" and r.complete and r.finish_reason == "length"
    assert r.text.startswith(" that isn")


def test_anthropic_text_and_input_json_delta(real_rows):
    r = sse.reassemble(body(real_rows, "anthropic/test_messages_test_anthropic_tools_streaming_legacy.yaml"))
    assert r.dialect == "anthropic" and r.complete and r.finish_reason == "tool_use"
    assert r.text.startswith("Certainly!")
    assert [(c.name, json.loads(c.arguments)) for c in r.tool_calls] == [
        ("get_weather", {"location": "San Francisco, CA", "unit": "celsius"}),
        ("get_time", {"timezone": "America/Los_Angeles"}),
    ]
    assert r.prompt_tokens == 506 and r.completion_tokens == 153


def test_responses_api_stream_with_function_call(real_rows):
    src = "openai-agents/test_complete_handoff_with_tools_test_router_analytics_complete_workflow.yaml"
    r = sse.reassemble(body(real_rows, src, 0))
    assert r.dialect == "responses" and r.complete and r.response is not None
    assert [c.name for c in r.tool_calls] == ["transfer_to_analytics_agent"]
    assert json.loads(r.tool_calls[0].arguments) == {}


def test_cohere_v2_tool_call_stream(real_rows):
    r = sse.reassemble(body(real_rows, "cohere/test_chat_test_cohere_v2_chat_legacy_with_tool_calls_and_streaming.yaml"))
    assert r.dialect == "cohere_v2" and r.complete and r.finish_reason == "TOOL_CALL"
    assert sorted(c.name for c in r.tool_calls) == ["get_time", "get_weather"]
    assert all(json.loads(c.arguments) == {"location": "Tokyo"} for c in r.tool_calls)


def test_cohere_v1_ndjson_stream(real_rows):
    r = sse.reassemble(body(real_rows, "cohere/test_chat_test_cohere_chat_legacy_with_streaming.yaml"))
    assert r.dialect == "cohere_v1" and r.complete and r.text.startswith("Arrrr, matey!")


def test_ollama_ndjson_chat_and_generate(real_rows):
    chat = sse.reassemble(body(real_rows, "ollama/test_chat_test_ollama_async_streaming_chat_legacy.yaml"))
    gen = sse.reassemble(body(real_rows, "ollama/test_generation_test_ollama_async_streaming_generation_legacy.yaml"))
    assert chat.dialect == gen.dialect == "ollama"
    assert chat.complete and chat.text.startswith("Here's one") and chat.completion_tokens == 63
    assert gen.complete and gen.text.startswith("A brave soul")


def test_stream_cut_mid_way_keeps_received_text(real_rows):
    """Cut a real stream in the middle of a chunk: what arrived is kept, the reply is marked incomplete."""
    full = body(real_rows, "anthropic/test_messages_test_anthropic_tools_streaming_legacy.yaml")
    whole = sse.reassemble(full)
    cut_at = full.index("input_json_delta") + 40  # inside the first tool call's JSON fragments
    r = sse.reassemble(full[:cut_at])
    assert r.dialect == "anthropic" and not r.complete
    assert r.text and whole.text.startswith(r.text)
    assert r.n_bad_chunks == 1  # the half line

    oa = body(real_rows, "groq/test_chat_tracing_test_chat_streaming_legacy.yaml")
    half = sse.reassemble(oa[: len(oa) // 2])
    assert not half.complete and half.text and sse.reassemble(oa).text.startswith(half.text)


def test_garbage_never_raises():
    for junk in ["", "data: {not json}\n\n", "{\"a\":1}\n{\"b\":2}", "event: x\n\n", "data: [1,2]\n\n",
                 "data: {\"choices\": [null, 5]}\n\n", "data: {\"type\":\"content_block_delta\",\"delta\":3}\n\n"]:
        r = sse.reassemble(junk)
        assert isinstance(r, sse.Reassembled)
    assert not sse.reassemble("data: {not json}\n\n").complete
