"""providers/base.stream_reply: the one rule that turns a reassembled stream into a reply, used by the generic
api_records response parser (api_replies) and the Responses family (providers/openai_responses) alike.

Semantics: a final response object is authoritative; its own error wins over the stream's error event; the text /
tool calls rebuilt from the deltas fill in only when the final object has neither and reports no error (the partial
deltas of a failed response are not a reply); a stream without its terminal marker is ``truncated``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flywheel_assets.ingest import api_records, api_replies, sse
from flywheel_assets.ingest.providers import openai_responses
from flywheel_assets.ingest.providers.base import Reply, stream_reply
from flywheel_assets.ingest.source import Quarantine

CALLS = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "openllmetry_calls" / "interactions.jsonl"
PARSERS = {"api_replies": api_replies.parse_response, "openai_responses": openai_responses.parse_response}


def _real_response_streams() -> list[str]:
    if not CALLS.exists():
        pytest.skip("real data not present")
    rows = [json.loads(ln) for ln in CALLS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    out = [r["response_body"] for r in rows if isinstance(r.get("response_body"), str)
           and "response.output_text.delta" in r["response_body"]]
    assert len(out) >= 10
    return out


def _sse(events: list[dict]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


def _fields(rep: Reply) -> tuple:
    return (rep.text, rep.calls, rep.error, rep.status, rep.stream, rep.stream_chunks, rep.finish_reason, rep.model,
            rep.prompt_tokens, rep.completion_tokens)


def test_real_responses_streams_read_the_same_by_both_parsers():
    """Every recorded Responses API stream (real cassettes) gives the same reply through the generic parser and the
    Responses family, and the final object's text is used (a non-empty reply, complete, no error)."""
    for body in _real_response_streams():
        a, b = api_replies.parse_response(body), openai_responses.parse_response(body)
        assert _fields(a) == _fields(b)
        assert a.stream == "responses" and a.status == "ok" and a.error is None
        assert a.text or a.calls


def _failed_stream(final_error: dict | None, stream_error: str | None = None) -> str:
    events = [{"type": "response.created", "response": {"id": "resp_1", "model": "m-1", "status": "in_progress"}},
              {"type": "response.output_text.delta", "delta": "partial ans"}]
    if stream_error:
        events.append({"type": "error", "message": stream_error})
    final = {"id": "resp_1", "model": "m-1", "status": "failed", "output": []}
    if final_error is not None:
        final["error"] = final_error
    events.append({"type": "response.failed", "response": final})
    return _sse(events)


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_failed_response_keeps_no_partial_text(parser):
    """A failed final response with no output: the partial deltas are not the reply; the error is."""
    rep = PARSERS[parser](_failed_stream({"code": "server_error", "message": "The model failed."}))
    assert rep.text == "" and rep.calls == []
    assert rep.error == "The model failed." and rep.finish_reason == "failed" and rep.status == "ok"


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_final_object_error_wins_over_stream_error_event(parser):
    """The final object names its error by code, the stream's reassembly by type: the object's text wins."""
    rep = PARSERS[parser](_failed_stream({"code": "rate_limit_exceeded", "type": "tokens"}))
    assert rep.error == "rate_limit_exceeded"


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_stream_error_event_kept_when_final_object_has_none(parser):
    """An ``error`` event and a final object without ``error``: the stream's error is reported."""
    body = _sse([{"type": "response.output_text.delta", "delta": "Hel"},
                 {"type": "error", "message": "upstream hiccup"},
                 {"type": "response.completed", "response": {"status": "completed", "output": [
                     {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello"}]}]}}])
    rep = PARSERS[parser](body)
    assert rep.text == "Hello" and rep.error == "upstream hiccup"


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_deltas_fill_in_when_final_object_has_no_output(parser):
    """A completed final object whose output was not logged: the text and tool call rebuilt from the deltas."""
    body = _sse([{"type": "response.output_text.delta", "delta": "Hi "},
                 {"type": "response.output_text.delta", "delta": "there"},
                 {"type": "response.output_item.added", "output_index": 1,
                  "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "lookup"}},
                 {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": "{\"q\": 1}"},
                 {"type": "response.completed", "response": {"status": "completed", "output": []}}])
    rep = PARSERS[parser](body)
    assert rep.text == "Hi there" and rep.calls == [("call_1", "lookup", "{\"q\": 1}")] and rep.error is None


def test_stream_reply_without_final_object_and_cut_stream():
    """No final object: the reply is the deltas (with the stream's usage / model); no terminal marker -> truncated."""
    st = sse.reassemble('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}],"model":"gpt-x"}\n\n'
                        'data: {"choices":[{"index":0,"delta":{"content":"lo"}}]}\n\n')
    rep = stream_reply(st, lambda body: None)
    assert (rep.text, rep.model, rep.stream, rep.stream_chunks, rep.status) == ("Hello", "gpt-x", "openai_chat", 2,
                                                                                "truncated")


def test_failed_stream_becomes_an_error_event_on_a_gateway_route(ingest_ctx):
    """End to end through the driver: a Responses stream logged on a bare gateway route (generic parser) that
    failed after some deltas is an ``error`` event, not an assistant turn holding the partial text."""
    row = {"url": "https://gw.example/llm", "status": 200, "request_body": {"input": "hi", "model": "m-1"},
           "response_body": _failed_stream({"message": "The model failed."})}
    try:
        events = api_records.parse_record(row, rel="gw.jsonl", line=1, offset=0, ctx=ingest_ctx)
    except Quarantine as q:  # pragma: no cover - a failure message, not an expected path
        pytest.fail(f"quarantined: {q.reason}")
    assert [e["kind"] for e in events] == ["user", "error"]
    assert events[-1]["content"] == "The model failed."
