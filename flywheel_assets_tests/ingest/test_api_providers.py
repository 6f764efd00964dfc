"""api_records provider families (ingest/providers): Gemini / Vertex AI, OpenAI Responses, and the Anthropic Messages /
Bedrock Converse shapes, on rows written from the providers' documented request / response shapes
(fixtures/api_provider_formats.jsonl, see fixtures/api_README.md); Vertex AI PaLM ``:predict`` too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flywheel_assets.ingest import api_records, api_report
from flywheel_assets.ingest.pipeline import detect_format, ingest_paths
from flywheel_assets.ingest.providers import gemini, openai_responses
from flywheel_assets.ingest.source import SourceFile

FIX = Path(__file__).parent / "fixtures" / "api_provider_formats.jsonl"


@pytest.fixture(scope="module")
def result():
    from flywheel_assets.ingest.context import IngestContext

    return ingest_paths(FIX, IngestContext(key=b"flywheel-test-key"))


def _by_line(result) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in result.events.sort("source_line", "seq").to_dicts():
        r["attrs"] = json.loads(r["attributes"]) if r["attributes"] else {}
        out.setdefault(r["source_line"], []).append(r)
    return out


def _row(line: int) -> dict:
    return json.loads(FIX.read_text().splitlines()[line - 1])


def test_detected_and_reconciles(result):
    assert detect_format(SourceFile(FIX, FIX.name)) == "api_records"
    assert result.reconciles() and result.records_in == 26
    # only the calls that are not generations are quarantined, each with its kind
    q = dict(zip(result.quarantined["source_line"].to_list(), result.quarantined["reason"].to_list()))
    assert q == {9: "unsupported_endpoint:token_counting", 10: "unsupported_endpoint:embeddings",
                 11: "unsupported_endpoint:models", 20: "unsupported_endpoint:moderation",
                 23: "unsupported_endpoint:embeddings", 24: "unsupported_endpoint:image"}


@pytest.mark.parametrize("url,expected", [
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent", ("gemini", "gemini")),
    ("https://generativelanguage.googleapis.com/v1/models/gemini-pro:streamGenerateContent?alt=sse",
     ("gemini", "gemini")),
    ("https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/"
     "gemini-1.5-pro:streamGenerateContent", ("vertex_ai", "gemini")),
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/123:generateContent",
     ("vertex_ai", "gemini")),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:countTokens",
     ("google", "unsupported:token_counting")),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash", ("google", "unsupported:models")),
    ("https://generativelanguage.googleapis.com/v1beta/cachedContents", ("google", "unsupported:caching")),
    ("https://api.openai.com/v1/responses", ("openai", "responses")),
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/"
     "text-bison:predict", ("vertex_ai", "vertex_predict")),
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/"
     "multimodalembedding@001:predict", ("google", "unsupported:embeddings")),
    ("https://api.openai.com/v1/responses/input_tokens", ("openai", "unsupported:token_counting")),
])
def test_classify_endpoint(url, expected):
    assert api_records.classify_endpoint(url) == expected


def test_gemini_text_system_instruction_usage(result):
    ev = _by_line(result)[1]
    assert [e["kind"] for e in ev] == ["system", "user", "assistant"]
    assert ev[0]["content"] == "You answer in one sentence."
    # the reply's text parts are joined as they arrived
    assert ev[2]["content"] == "Sunlight scatters off air molecules, and blue light scatters most."
    assert (ev[2]["prompt_tokens"], ev[2]["completion_tokens"]) == (14, 12)
    assert ev[2]["model"] == "gemini-2.0-flash-001" and ev[2]["attrs"]["finish_reason"] == "STOP"
    assert ev[2]["attrs"]["provider"] == "gemini" and ev[2]["attrs"]["api"] == "gemini"


def test_gemini_function_call_then_response_links_across_calls(result):
    rows = _by_line(result)
    first, second = rows[2], rows[3]
    call = next(e for e in first if e["kind"] == "tool_call")
    assert call["tool_name"] == "get_forecast" and json.loads(call["tool_arguments"]) == {"city": "Lyon"}
    assert call["attrs"]["provider"] == "vertex_ai"
    tools = json.loads(first[0]["tools"])
    assert tools[0]["function"]["name"] == "get_forecast" and tools[0]["function"]["parameters"]["required"] == ["city"]
    # the second call resends the user turn and the model's call: replayed, not emitted again; its functionResponse
    # becomes a tool result linked to the first call's event, and the model's answer follows
    assert [e["kind"] for e in second] == ["tool_result", "assistant"]
    res = second[0]
    assert res["tool_call_id"] == call["tool_call_id"] and res["parent_event_id"] == call["event_id"]
    assert json.loads(res["content"]) == {"rain_probability": 0.7}
    assert second[1]["attrs"]["replayed_messages"] == 2
    assert second[1]["model"] == "gemini-1.5-pro"  # from the URL when the body names none


def test_gemini_streams_sse_and_json_array(result):
    rows = _by_line(result)
    sse_reply = rows[4][-1]
    assert sse_reply["content"] == "Roses are red, violets are blue."
    assert sse_reply["attrs"]["stream"] == "gemini_sse" and sse_reply["status"] == "ok"
    arr = rows[5][-1]
    assert arr["content"] == "Paris is the capital of France." and arr["attrs"]["stream"] == "gemini_json_array"
    assert arr["completion_tokens"] == 6
    cut = rows[6][-1]  # the array was cut mid-chunk: whole chunks kept, reply truncated
    assert cut["content"] == "Paris is the" and cut["status"] == "truncated"


def test_gemini_errors(result):
    rows = _by_line(result)
    err = rows[7][-1]
    assert err["kind"] == "error" and err["content"].startswith("API key not valid")
    assert err["attrs"]["http_status"] == 400 and err["attrs"]["error_type"] == "INVALID_ARGUMENT"
    blocked = rows[8][-1]  # a 200 whose prompt was blocked: an error inside the 2xx body
    assert blocked["kind"] == "error" and blocked["content"] == "prompt blocked (SAFETY)"


def test_gemini_parts_directly():
    msgs = gemini.request_messages({
        "system_instruction": {"parts": [{"text": "sys"}]},
        "contents": [{"role": "user", "parts": [{"text": "look"},
                                                {"inline_data": {"mime_type": "image/png", "data": "AA"}}]},
                     {"role": "model", "parts": [{"thought": True, "text": "thinking"},
                                                 {"function_call": {"id": "c1", "name": "f", "args": {"a": 1}}}]},
                     {"role": "user", "parts": [{"function_response": {"id": "c1", "name": "f",
                                                                       "response": {"error": "boom"}}},
                                                {"text": "and?"}]}]})
    assert [(m.role, m.text) for m in msgs] == [("system", "sys"), ("user", "look"), ("assistant", ""),
                                                 ("tool", ""), ("user", "and?")]
    assert msgs[1].n_images == 1
    assert msgs[2].calls == [("c1", "f", {"a": 1})]  # the thought part is dropped
    assert msgs[3].results == [("c1", "f", "boom", True)]
    # a safety-stopped candidate with no content is an error, not an empty reply
    rep = gemini.parse_response({"candidates": [{"finishReason": "SAFETY", "index": 0}]})
    assert rep.error and not rep.text
    # bodies written with enum-encoding=int carry the documented enum numbers
    rep = gemini.parse_response([{"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": 1}]}])
    assert rep.finish_reason == "STOP" and rep.status == "ok"
    rep = gemini.parse_response({"promptFeedback": {"blockReason": 1}})
    assert rep.error == "prompt blocked (SAFETY)"
    # not a Gemini body
    assert gemini.parse_response({"choices": []}) is None


def test_gemini_by_shape_on_a_gateway_route(ingest_ctx):
    row = {"url": "/proxy/llm", "status": 200,
           "request_body": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
           "response_body": {"candidates": [{"content": {"role": "model", "parts": [{"text": "hello"}]}}]}}
    ev = api_records.parse_record(row, rel="g.jsonl", line=1, offset=0, ctx=ingest_ctx)
    assert [(e["kind"], e["content"]) for e in ev] == [("user", "hi"), ("assistant", "hello")]


def test_responses_string_input_and_items(result):
    rows = _by_line(result)
    assert [(e["kind"], e["content"]) for e in rows[12]] == [
        ("system", "Be brief."), ("user", "Give me a synonym for happy."), ("assistant", "Joyful.")]
    assert rows[12][-1]["completion_tokens"] == 3 and rows[12][-1]["attrs"]["finish_reason"] == "completed"
    ev = rows[13]
    # developer message -> system; reasoning items (input and output) are dropped
    assert [e["kind"] for e in ev] == ["system", "user", "tool_call", "tool_result", "assistant"]
    assert ev[2]["tool_call_id"] == "call_881" and ev[3]["parent_event_id"] == ev[2]["event_id"]
    assert ev[3]["tool_name"] == "lookup_order" and ev[-1]["content"] == "Order 881 has shipped."
    assert json.loads(ev[0]["tools"])[0]["function"]["name"] == "lookup_order"


def test_responses_streams_and_failure(result):
    rows = _by_line(result)
    call = rows[14][-1]  # stream cut before response.completed: rebuilt from the deltas, marked truncated
    assert call["kind"] == "tool_call" and json.loads(call["tool_arguments"]) == {"order_id": "12"}
    assert call["tool_call_id"] == "call_9" and call["status"] == "truncated"
    done = rows[15][-1]
    assert done["content"] == "Hello!" and done["status"] == "ok" and done["completion_tokens"] == 2
    failed = rows[16][-1]
    assert failed["kind"] == "error" and failed["content"] == "The model failed to generate a response."


def test_responses_refusal_and_mcp_items():
    rep = openai_responses.parse_response({"output": [{"type": "message", "role": "assistant", "content": [
        {"type": "refusal", "refusal": "I can't help with that."}]}], "status": "completed"})
    assert rep.text == "I can't help with that." and rep.refusal
    msgs = openai_responses.request_messages({"input": [
        {"type": "mcp_call", "id": "m1", "name": "search", "arguments": "{}", "output": "3 hits"}]})
    assert [(m.role, m.calls, m.results) for m in msgs] == [
        ("assistant", [("m1", "search", "{}")], []), ("tool", [], [("m1", "search", "3 hits", False)])]


def test_anthropic_tool_blocks_and_streamed_tool_use(result):
    ev = _by_line(result)[17]
    assert [e["kind"] for e in ev] == ["system", "user", "assistant", "tool_call", "tool_result", "assistant",
                                       "tool_call"]
    assert ev[4]["status"] == "error" and ev[4]["content"] == "ERROR: timeout"  # is_error tool_result
    assert ev[4]["parent_event_id"] == ev[3]["event_id"]
    # streamed reply: text_delta + a tool_use whose input arrives as input_json_delta fragments
    assert ev[5]["content"] == "Retrying the lookup." and ev[5]["attrs"]["stream"] == "anthropic"
    assert json.loads(ev[6]["tool_arguments"]) == {"sku": "A7"} and ev[6]["tool_call_id"] == "toolu_02"
    assert (ev[5]["prompt_tokens"], ev[5]["completion_tokens"]) == (120, 40)


def test_bedrock_converse_blocks(result):
    ev = _by_line(result)[18]
    assert [e["kind"] for e in ev] == ["system", "user", "tool_call", "tool_result", "assistant", "tool_call"]
    assert json.loads(ev[3]["content"]) == {"free": True} and ev[3]["parent_event_id"] == ev[2]["event_id"]
    assert ev[5]["tool_name"] == "book_room" and ev[4]["latency_ms"] == _row(18)["latency_ms"]
    assert {t["function"]["name"] for t in json.loads(ev[0]["tools"])} == {"check_room", "book_room"}
    assert ev[0]["model"] == "amazon.nova-pro-v1:0"


def test_bedrock_converse_stream_decoded_events(result):
    rows = _by_line(result)
    ev = rows[25]  # the gateway logged the decoded event list
    assert [e["kind"] for e in ev] == ["user", "assistant", "tool_call"]
    assert ev[1]["content"] == "Checking the calendar." and ev[1]["attrs"]["stream"] == "bedrock_converse"
    assert ev[2]["tool_call_id"] == "tu_9" and json.loads(ev[2]["tool_arguments"]) == {"day": "monday"}
    assert (ev[1]["prompt_tokens"], ev[1]["completion_tokens"]) == (50, 20) and ev[1]["status"] == "ok"
    cut = rows[26][-1]  # NDJSON text cut before messageStop
    assert cut["content"] == "Checking the calendar." and cut["status"] == "truncated"


def test_claude_on_vertex(result):
    ev = _by_line(result)[19]
    assert [(e["kind"], e["content"]) for e in ev] == [("user", "Name a prime number."), ("assistant", "7")]
    assert ev[-1]["attrs"]["provider"] == "vertex_ai" and ev[-1]["model"] == "claude-3-5-haiku@20241022"


def test_vertex_palm_predict(result):
    rows = _by_line(result)
    text = rows[21]
    assert [(e["kind"], e["content"]) for e in text] == [("user", "List two uses of copper."),
                                                          ("assistant", "Electrical wiring and plumbing pipes.")]
    assert (text[-1]["prompt_tokens"], text[-1]["completion_tokens"]) == (6, 7)
    assert text[-1]["model"] == "text-bison@002" and text[-1]["attrs"]["api"] == "vertex_predict"
    chat = rows[22]
    assert [e["kind"] for e in chat] == ["system", "user", "assistant", "user", "assistant"]
    assert chat[-1]["content"] == "Aisle 12." and chat[2]["attrs"]["part"] == "request"
    blocked = gemini.parse_response({"predictions": [{"content": "", "safetyAttributes": {"blocked": True}}]})
    assert blocked.error and blocked.finish_reason == "SAFETY"


def test_exchange_report_counts_new_providers(result):
    rep = api_report.exchange_report(result.events, result.quarantined)
    # 2xx generation calls only (the 400 is not one): 2 ok + 1 prompt blocked inside a 200
    assert (rep["by_provider"]["gemini"]["calls"], rep["by_provider"]["gemini"]["well_formed"]) == (3, 2)
    # 2 Gemini calls + the array stream + Claude + 2 PaLM ok; the cut array stream is not well-formed
    assert (rep["by_provider"]["vertex_ai"]["calls"], rep["by_provider"]["vertex_ai"]["well_formed"]) == (7, 6)
    assert (rep["by_provider"]["bedrock"]["calls"], rep["by_provider"]["bedrock"]["well_formed"]) == (3, 2)
    assert rep["failure_reasons"] == {"error_in_2xx:prompt_blocked": 1, "truncated_stream": 3,
                                      "error_in_2xx:failed": 1}


def test_responses_previous_response_id_continues_the_session(tmp_path, ingest_ctx):
    """A stateful Responses call sends only the new items and names the response it continues."""
    url = "https://api.openai.com/v1/responses"
    tools = [{"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}]
    rows = [
        {"url": url, "status": 200, "request_body": {"model": "gpt-4.1", "tools": tools, "input": "What time is it?"},
         "response_body": {"id": "resp_1", "status": "completed", "output": [
             {"type": "function_call", "call_id": "call_t", "name": "get_time", "arguments": "{}"}]}},
        {"url": url, "status": 200, "request_body": {"model": "gpt-4.1", "previous_response_id": "resp_1", "input": [
            {"type": "function_call_output", "call_id": "call_t", "output": "10:42"}]},
         "response_body": {"id": "resp_2", "status": "completed", "output": [
             {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "It is 10:42."}]}]}},
        {"url": url, "status": 200, "request_body": {"model": "gpt-4.1", "input": "Unrelated question"},
         "response_body": {"id": "resp_3", "status": "completed", "output": [
             {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sure."}]}]}},
    ]
    p = tmp_path / "calls.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = ingest_paths(p, ingest_ctx, fmt="api_records")
    ev = _by_line(res)
    assert ev[2][0]["session_id"] == ev[1][0]["session_id"] != ev[3][0]["session_id"]
    call = next(e for e in ev[1] if e["kind"] == "tool_call")
    result = next(e for e in ev[2] if e["kind"] == "tool_result")
    assert result["parent_event_id"] == call["event_id"] and result["tool_name"] == "get_time"


_KEYS = ["contents", "parts", "role", "text", "functionCall", "functionResponse", "args", "response", "candidates",
         "content", "finishReason", "usageMetadata", "promptFeedback", "blockReason", "tools", "functionDeclarations",
         "instances", "predictions", "messages", "author", "prompt", "input", "output", "type", "call_id", "arguments",
         "error", "status", "contentBlockDelta", "delta", "toolUse", "messageStop", "metadata", "id",
         "previous_response_id"]


def test_family_parsers_never_raise_on_random_bodies(ingest_ctx):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from flywheel_assets.ingest.source import Quarantine

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 12), st.text(max_size=4),
                        st.sampled_from(["model", "user", "function_call", "message", "STOP", "SAFETY"]))
    values = st.recursive(scalars, lambda ch: st.one_of(st.lists(ch, max_size=3),
                                                        st.dictionaries(st.sampled_from(_KEYS), ch, max_size=4)),
                          max_leaves=20)
    urls = ["https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse",
            "https://x-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/m:predict",
            "https://api.openai.com/v1/responses", "https://bedrock-runtime.x.amazonaws.com/model/m/converse-stream"]

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(urls), values, values, st.booleans())
    def run(url, req, resp, as_text):
        row = {"url": url, "status": 200, "request_body": req, "response_body": json.dumps(resp) if as_text else resp}
        try:
            api_records.parse_record(row, rel="f.jsonl", line=1, offset=0, ctx=ingest_ctx)
        except Quarantine:
            pass

    run()


def test_anthropic_server_tools_are_not_app_tool_calls():
    """web search / code execution run inside the API: their blocks are neither tool calls nor results."""
    body = {"type": "message", "role": "assistant", "content": [
        {"type": "text", "text": "Let me look that up."},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "tide times"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
            {"type": "web_search_result", "url": "https://example.org/tides", "title": "Tides"}]},
        {"type": "text", "text": "High tide is at 14:05."}], "stop_reason": "end_turn"}
    rep = api_records.parse_response(body)
    assert rep.calls == [] and rep.text == "Let me look that up.\nHigh tide is at 14:05."
    msgs = api_records.request_messages({"messages": [{"role": "user", "content": "tides?"},
                                                      {"role": "assistant", "content": body["content"]}]})
    assert [(m.role, m.calls, m.results) for m in msgs] == [("user", [], []), ("assistant", [], [])]
