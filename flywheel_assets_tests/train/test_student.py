from __future__ import annotations

import json

import polars as pl
import pytest

from flywheel_assets.export.sft import sft_rows
from flywheel_assets.export.splits import assign_splits
from flywheel_assets.train.evaluate import evaluate_student, generate_outputs, parse_generation, split_prompt
from flywheel_assets.train.student import StudentConfig, select_student_rows
from flywheel_assets_tests.export._data import curated_frame


@pytest.fixture(scope="module")
def sft():
    units, _ = assign_splits(curated_frame(), None)
    return sft_rows(units)


def test_student_subset_selection(sft):
    keep, ex = select_student_rows(sft, StudentConfig(allowed_tools=["get_order"], max_complexity="moderate"))
    assert keep.height + ex.height == sft.height
    reasons = dict(zip(ex["unit_id"], ex["reason"]))
    refund = sft.filter(pl.col("tool_mix").str.contains("refund"))["unit_id"].to_list()
    assert refund and all(reasons[u] == "tool_not_allowed" for u in refund)
    assert "complex" not in set(keep["complexity_bucket"])
    short, ex2 = select_student_rows(sft, StudentConfig(context_length=60))
    assert set(ex2["reason"]) == {"too_long"} and short.height < sft.height


def _teacher_final(row):
    return split_prompt(row["messages"])[1]


def test_parity_report_on_planted_student(sft):
    rows = sft.to_dicts()
    student = {}
    for r in rows:
        t = _teacher_final(r)
        if t["tool_calls"]:
            student[r["unit_id"]] = t  # same tool, same args
        elif r["tool_mix"] == "none":
            student[r["unit_id"]] = {"content": t["content"], "tool_calls": None}
        else:
            student[r["unit_id"]] = {"content": "I'm sorry, I cannot help. Contact <PERSON_7> at bob@example.com",
                                     "tool_calls": None}
    agent = [r for r in rows if r["tool_mix"] != "none"]
    bad = agent[0]
    rep = evaluate_student(sft, student)
    s = rep.summary
    assert s["n_items"] == sft.height and s["tool_name_accuracy"] is None  # every final turn is a text answer
    assert 0 < s["answer_similarity"] < 1
    n_agent = len(agent)
    assert s["student"]["refusal_rate"] == pytest.approx(n_agent / sft.height)
    assert s["regressions"]["pii_rate"] > 0 and s["regressions"]["placeholder_leak_rate"] > 0
    assert s["parity"] is False
    same = evaluate_student(sft, {r["unit_id"]: _teacher_final(r) for r in rows})
    assert same.summary["parity"] is True and same.summary["answer_similarity"] == 1.0
    # tool-call metrics: teacher answers with a tool call; student right name, wrong args / bad JSON
    call = {"id": "1", "type": "function", "function": {"name": "get_order", "arguments": '{"order_id":"A1"}'}}
    teacher = {bad["unit_id"]: {"content": "", "tool_calls": [call]}}
    wrong = {bad["unit_id"]: {"content": "", "tool_calls": [{"function": {"name": "get_order", "arguments": "{oops"}}]}}
    r2 = evaluate_student([bad], wrong, teacher)
    assert r2.summary["tool_name_accuracy"] == 1.0 and r2.summary["argument_exact_match"] == 0.0
    assert r2.summary["json_validity"] == 0.0 and r2.summary["regressions"]["malformed_rate"] == 1.0


def test_parse_generation():
    m = parse_generation('ok<tool_call>{"name": "get_order", "arguments": {"order_id": "A1"}}</tool_call><|im_end|>')
    assert m["content"] == "ok" and m["tool_calls"][0]["function"] == {"name": "get_order", "arguments": '{"order_id":"A1"}'}
    assert parse_generation("plain answer<|im_end|>") == {"content": "plain answer", "tool_calls": None}


@pytest.mark.slow
def test_student_eval_with_tiny_model(sft):
    from flywheel_assets.train.tiny_model import tiny_model_for_rows

    ev = sft.filter(pl.col("split") != "train").sort("unit_id").head(3)
    model, tok = tiny_model_for_rows(sft.to_dicts())
    outs = generate_outputs(model, tok, ev, max_new_tokens=6)
    assert sorted(outs) == sorted(ev["unit_id"])
    assert outs == generate_outputs(model, tok, ev, max_new_tokens=6)  # greedy = deterministic
    rep = evaluate_student(ev, outs)
    assert rep.summary["n_items"] == ev.height
    assert rep.summary["answer_similarity"] < 0.9  # an untrained model is far from the teacher
    assert rep.summary["parity"] is False
    json.dumps(rep.summary)  # JSON-able for Dagster metadata
