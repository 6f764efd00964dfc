from __future__ import annotations

import json

import polars as pl

from flywheel_assets.export.dpo import build_dpo
from flywheel_assets.export.sft import EXPORT_MESSAGE_KEYS, build_sft
from flywheel_assets.schema import message, new_unit, to_json, tool_call
from flywheel_assets_tests.export._data import ORDER_TOOL, agent_unit, curated_frame, pairs_frame, qa_unit


def test_sft_trajectory_is_one_row_with_uniform_keys_and_string_arguments():
    units = pl.DataFrame([agent_unit(0, with_refund=True), qa_unit(1)], infer_schema_length=None)
    sft, rejects = build_sft(units)
    assert sft.height == 2 and rejects.height == 0
    row = sft.filter(pl.col("session_id") == "agent-0").to_dicts()[0]
    roles = [m["role"] for m in row["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user", "assistant", "tool", "assistant"]
    assert all(tuple(m) == EXPORT_MESSAGE_KEYS for r in sft.to_dicts() for m in r["messages"])
    call = row["messages"][6]["tool_calls"][0]
    assert call["type"] == "function" and json.loads(call["function"]["arguments"]) == {"amount": 4.99, "order_id": "A1000"}
    assert call["function"]["arguments"] == '{"amount":4.99,"order_id":"A1000"}'  # canonical string
    tool_msg = row["messages"][3]
    assert tool_msg["name"] == "get_order" and tool_msg["tool_call_id"] == "c0a"
    assert row["messages"][0]["content"].startswith("You are the Acme")  # system prompt as logged
    assert json.loads(row["tools"])[0]["function"]["name"] == "get_order"
    assert row["tool_mix"] == "get_order+refund"


def test_sft_rejects_bad_input_with_reasons_instead_of_crashing():
    ok = qa_unit(0)
    broken = dict(qa_unit(1), messages="{not json")
    no_answer = new_unit([message("user", "hello?")], session_id="x")
    tool_first = new_unit([message("tool", "x", name="t", tool_call_id="z"), message("user", "q"),
                           message("assistant", "y")], session_id="y")
    no_request = new_unit([message("assistant", "", tool_calls=[tool_call("c", "t", {})]),
                           message("tool", "r", name="t", tool_call_id="c"), message("assistant", "done")],
                          session_id="z")
    greeting = new_unit([message("system", "s"), message("assistant", "Hi! How can I help?"), message("user", "q"),
                         message("system", "reminder: be brief"), message("assistant", "a")], session_id="g")
    negative = dict(qa_unit(2), feedback_thumbs="down")
    edited = dict(qa_unit(3), feedback_thumbs="down", edited_response="Corrected answer.")
    units = pl.DataFrame([ok, broken, no_answer, tool_first, negative, edited, no_request, greeting],
                         infer_schema_length=None)
    sft, rejects = build_sft(units)
    reasons = dict(zip(rejects["unit_id"], rejects["reason"]))
    assert reasons[no_request["unit_id"]] == "no_user_turn"  # an agent step without a request: selection
    assert greeting["unit_id"] in set(sft["unit_id"])  # an opening greeting and a mid-conversation system turn
    assert reasons[broken["unit_id"]] == "bad_messages"
    assert reasons[no_answer["unit_id"]] == "empty"
    assert reasons[tool_first["unit_id"]] == "first_turn_not_user"
    assert reasons[negative["unit_id"]] == "negative_feedback"
    assert sft.height + rejects.height == units.height
    fixed = sft.filter(pl.col("unit_id") == edited["unit_id"]).to_dicts()[0]
    assert fixed["messages"][-1]["content"] == "Corrected answer."


def test_dpo_rows_format_and_rejects():
    cur = curated_frame()
    pairs = pairs_frame(cur)
    bad = pairs.head(1).with_columns(pl.lit("bad").alias("pair_id"), pl.col("prompt").str.replace('"user"', '"assistant"'))
    same = pairs.head(1).with_columns(pl.lit("same").alias("pair_id"), pl.col("chosen").alias("rejected"))
    dpo, rejects = build_dpo(pl.concat([pairs, bad, same]))
    assert dpo.height == pairs.height
    assert dict(zip(rejects["pair_id"], rejects["reason"])) == {
        "bad": "prompt_not_ending_on_user", "same": "identical_completions"}
    r = dpo.to_dicts()[0]
    assert r["prompt"][-1]["role"] == "user" and r["chosen"][0]["role"] == "assistant"
    assert r["chosen"] != r["rejected"] and r["pair_source"] in {"thumbs", "edit", "rank"}
    assert all(tuple(m) == EXPORT_MESSAGE_KEYS for k in ("prompt", "chosen", "rejected") for m in r[k])


def test_arguments_given_as_objects_are_canonicalised():
    u = new_unit([message("user", "find A1"),
                  message("assistant", "", tool_calls=[{"id": "c", "type": "function",
                                                        "function": {"name": "get_order",
                                                                     "arguments": '{ "order_id" : "A1" }'}}]),
                  message("tool", "ok", name="get_order", tool_call_id="c"), message("assistant", "done")],
                 session_id="s", tools=[ORDER_TOOL])
    sft, _ = build_sft(pl.DataFrame([u]))
    assert sft["messages"][0][1]["tool_calls"][0]["function"]["arguments"] == '{"order_id":"A1"}'
    assert to_json(tool_call("c", "get_order", {"order_id": "A1"})["function"]["arguments"]) == '"{\\"order_id\\":\\"A1\\"}"'


def test_row_level_failures_are_rejected_with_their_expectation_and_template_tokens_are_text():
    """A broken placeholder costs one row (sft_rejects, expectation 'placeholders'); Llama-2 / ChatML template
    tokens, <think> and XML tags in a real prompt are text, so their rows are exported."""
    from flywheel_assets.export.sft import reject_rate

    ok = qa_unit(0)
    llama = new_unit([message("system", "<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>"),
                      message("user", "Is <SYS> a tag? <|im_start|>user <think>hmm</think> <b>bold</b> [/INST]"),
                      message("assistant", "<think>short</think> It is text, <PERSON_1>.")], session_id="llama")
    broken = new_unit([message("user", "hello"), message("assistant", "Hi <PERSON_>, your code is <EMAIL_0>.")],
                      session_id="broken")
    negative = dict(qa_unit(2), feedback_thumbs="down")
    units = pl.DataFrame([ok, llama, broken, negative], infer_schema_length=None)
    sft, rejects = build_sft(units)
    assert set(sft["session_id"]) == {ok["session_id"], "llama"}
    rej = {r["unit_id"]: (r["reason"], r["expectation"]) for r in rejects.to_dicts()}
    assert rej == {broken["unit_id"]: ("malformed_placeholder", "placeholders"),
                   negative["unit_id"]: ("negative_feedback", None)}
    # the rate counts expectation rejects only (the negative-feedback row was never meant to be exported)
    assert reject_rate(sft.height, rejects) == (1, 1 / 3)
    from flywheel_assets.export.validation import validate_exports

    res = {r["check"]: r for r in validate_exports({"sft": sft})}
    assert res["placeholders"]["success"] and res["role_order"]["success"]


def test_dpo_row_level_failure_goes_to_rejects():
    cur = curated_frame()
    pairs = pairs_frame(cur)
    broken = pairs.head(1).with_columns(pl.lit("broken").alias("pair_id"),
                                        pl.col("chosen").str.replace('"content": *"', '"content": "<PERSON_<ORG_1>> '))
    dpo, rejects = build_dpo(pl.concat([pairs, broken]))
    assert dpo.height == pairs.height
    assert rejects.to_dicts() == [{"pair_id": "broken", "reason": "malformed_placeholder", "expectation": "placeholders"}]


def _msg(role, content="", calls=None, call_id=None):
    return {"role": role, "content": content, "name": None,
            "tool_calls": [{"id": c, "type": "function", "function": {"name": "f", "arguments": "{}"}} for c in calls]
            if calls else None, "tool_call_id": call_id}


def test_tool_results_recorded_late_are_moved_after_their_call():
    from flywheel_assets.export.sft import order_tool_results, role_order_problem

    late = [_msg("user", "u"), _msg("assistant", calls=["a", "b"]), _msg("tool", "rb", call_id="b"),
            _msg("assistant", "done"), _msg("tool", "ra", call_id="a")]
    assert role_order_problem(late) == "tool_without_call"
    fixed = order_tool_results(late)
    assert [(m["role"], m["tool_call_id"]) for m in fixed] == [
        ("user", None), ("assistant", None), ("tool", "b"), ("tool", "a"), ("assistant", None)]
    assert role_order_problem(fixed) is None
    assert order_tool_results(fixed) == fixed  # already ordered: unchanged


def test_dpo_completion_may_end_on_a_tool_result():
    """An outcome pair's rejected side is one agent block; a failed run that ends on a tool error is kept."""
    import json

    import polars as pl

    from flywheel_assets.export.dpo import build_dpo

    prompt = [_msg("user", "please fix it")]
    chosen = [_msg("assistant", calls=["a"]), _msg("tool", "ok", call_id="a"), _msg("assistant", "fixed")]
    rejected = [_msg("assistant", calls=["b", "c"]), _msg("tool", "ERROR: down", call_id="c"),
                _msg("assistant", calls=["d"]), _msg("tool", "ERROR: 503", call_id="d"),
                _msg("tool", "ERROR: timeout", call_id="b")]
    pairs = pl.DataFrame({"pair_id": ["p1"], "pair_source": ["outcome"], "prompt": [json.dumps(prompt)],
                          "chosen": [json.dumps(chosen)], "rejected": [json.dumps(rejected)], "tools": ["[]"],
                          "weight": [1.0], "split": ["train"]})
    rows, rejects = build_dpo(pairs)
    assert rejects.height == 0, rejects.to_dicts()
    assert rows.height == 1
