from __future__ import annotations

import json

import pytest

from flywheel_assets.feedback.clustering import assignments, cluster_failures, failure_clusters, unit_signals
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.feedback.triage import intervention_for, triage, triage_report
from flywheel_assets_tests.feedback.helpers import frame, qa, thread, trajectory

PRODUCTS = ["blue kettle", "garden hose", "yoga mat", "desk lamp", "rain jacket", "coffee grinder"]


def planted_json(i: int) -> dict:
    p = PRODUCTS[i]
    return qa(f"json{i}", f"Return the price and stock of the {p} as JSON with keys price and in_stock.",
              f"The {p} costs 25 dollars and it is currently in stock.", feedback_thumbs="down", day=1 + i % 3,
              model="m-2")


def planted_refusal(i: int) -> dict:
    p = PRODUCTS[i]
    return qa(f"ref{i}", f"How do I clean the filter of my {p}?",
              "I'm sorry, but I can't help with that request.", feedback_thumbs="down", day=1 + i % 3, model="m-2")


def planted_outdated(i: int) -> dict:
    p = PRODUCTS[i]
    return thread(f"old{i}", [("user", f"What is the current warranty period for the {p}?"),
                              ("assistant", f"The {p} has a 1 year warranty."),
                              ("user", "That's outdated, it changed to 2 years last month.")],
                  feedback_thumbs="down", day=1 + i % 3, model="m-2")


def planted_bad_args(i: int) -> dict:
    p = PRODUCTS[i]
    return trajectory(f"args{i}", f"Please refund my {p} order O-{i}, it is broken.",
                      [("issue_refund", {"order_id": f"O-{i}"}, "ERROR: missing required argument 'amount'")],
                      "I could not process your refund, our agent will escalate this.", outcome="failure",
                      day=1 + i % 3, model="m-2")


def test_signals_on_planted_units():
    assert unit_signals(planted_json(0)) == ["json_format"]
    assert unit_signals(planted_refusal(0)) == ["refusal"]
    assert unit_signals(planted_outdated(0)) == ["outdated_knowledge"]
    assert unit_signals(planted_bad_args(0)) == ["wrong_tool_or_args"]
    ok = qa("fine", "Return the stock as JSON.", json.dumps({"in_stock": True}), feedback_thumbs="up")
    assert unit_signals(ok) == []
    # a question *about* JSON is not a request for a JSON answer
    assert unit_signals(qa("q", "How do I parse JSON in Python?", "Use json.loads.")) == []


def test_clusters_pick_k_from_data_and_label_planted_types():
    four = [f(i) for f in (planted_json, planted_refusal, planted_outdated, planted_bad_args) for i in range(6)]
    ok = [qa(f"ok{i}", f"Is the {p} in stock?", "Yes.", feedback_thumbs="up") for i, p in enumerate(PRODUCTS)]
    res = cluster_failures(frame(four + ok))
    cl = res.clusters
    assert cl["size"].sum() == 24  # the up-voted units are not failures
    assert cl["k"][0] == cl.height and 3 <= cl.height <= 6
    truth = {r["unit_id"]: r["session_id"].rstrip("0123456789") for r in frame(four).iter_rows(named=True)}
    expected = {"json": "json_format", "ref": "refusal", "old": "outdated_knowledge", "args": "wrong_tool_or_args"}
    label = dict(zip(cl["cluster_id"], cl["error_type"]))
    asg = assignments(cl)
    assert asg.height == 24 and asg["unit_id"].n_unique() == 24
    for uid, cid in asg.iter_rows():
        assert label[cid] == expected[truth[uid]], (truth[uid], label[cid])
    for r in cl.iter_rows(named=True):
        assert set(r["example_unit_ids"]) <= set(r["unit_ids"]) and 1 <= len(r["example_unit_ids"]) <= 5
        assert sum(n for _, n in json.loads(r["trend"])) == r["size"]
    # fewer planted types -> fewer clusters: k follows the data
    two = [f(i) for f in (planted_json, planted_refusal) for i in range(6)]
    cl2 = failure_clusters(frame(two))
    assert cl2.height == 2 and sorted(cl2["error_type"]) == ["json_format", "refusal"]
    # deterministic
    assert failure_clusters(frame(four + ok)).equals(cl)


def test_no_failures_gives_empty_frames():
    res = cluster_failures(frame([qa("a", "Hi there, is the shop open?", "Yes.", feedback_thumbs="up")]))
    assert res.clusters.height == 0 and res.assignments.height == 0
    assert triage(res.clusters, frame([])).height == 0


@pytest.mark.parametrize("etype,size,expected", [
    ("json_format", 5, "prompt"), ("refusal", 5, "prompt"), ("outdated_knowledge", 5, "rag"),
    ("unseen_topic", 5, "sft"), ("verbosity", 5, "dpo"), ("sycophancy", 5, "dpo"),
    ("wrong_tool_or_args", 50, "sft_rl"), ("hallucination", 50, "sft_rl"),
    ("wrong_tool_or_args", 3, "prompt"), ("hallucination", 3, "rag"), ("tool_error", 5, "prompt"),
    ("other", 5, "prompt")])
def test_intervention_mapping(etype, size, expected):
    assert intervention_for(etype, size, volume_at_scale=20) == expected


def test_triage_rollback_cost_and_budget():
    fails = [planted_bad_args(i) for i in range(6)] + [planted_json(i) for i in range(6)]
    # the previous model version succeeds on the same refund intents (an A/B arm): a rollback candidate
    old = [trajectory(f"old-arm{i}", f"I want my {p} order O-{i} refunded, it's broken.",
                      [("issue_refund", {"order_id": f"O-{i}", "amount": 30}, '{"refunded": 30}')],
                      "Your refund of 30 is on its way.", outcome="success", model="m-1")
           for i, p in enumerate(PRODUCTS)]
    curated = frame(fails + old)
    cfg = FeedbackConfig()
    cfg.triage.budget_days = 1.0
    clusters = failure_clusters(curated, cfg)
    tri = triage(clusters, curated, cfg)
    assert tri.height == clusters.height
    by_type = {r["error_type"]: r for r in tri.iter_rows(named=True)}
    args = by_type["wrong_tool_or_args"]
    assert args["intervention"] == "prompt"  # 6 units < volume_at_scale
    assert args["current_model"] == "m-2" and args["rollback_candidate"] == "m-1"
    assert args["rollback_success_rate"] == 1.0 and args["current_success_rate"] == 0.0
    assert args["n_escalations"] >= 6 and "rollback" in args["rationale"]
    js = by_type["json_format"]
    assert js["intervention"] == "prompt" and js["rollback_candidate"] is None
    # escalations make the refund cluster more urgent than the equally large JSON cluster
    assert args["urgency"] > js["urgency"] and args["priority"] == 1
    assert tri["within_budget"].to_list() == [True, False]  # 1 day budget, 1 day each
    rep = triage_report(tri, cfg)
    assert "wrong_tool_or_args" in rep.markdown and rep.summary["rollback_candidates"] == ["m-1"]


def test_refund_amounts_counted():
    u = trajectory("r", "Refund order O-9 please", [("issue_refund", {"order_id": "O-9", "amount": 120.5},
                                                      "ERROR: refund service unavailable")],
                   "Sorry, the refund failed.", outcome="failure")
    from flywheel_assets.feedback.triage import cost_signals

    assert cost_signals(u) == (120.5, 0)
    assert cost_signals(qa("x", "hi", "hello")) == (0.0, 0)


def test_trend_slope_sign():
    from flywheel_assets.feedback.clustering import _trend
    from datetime import date

    growing = [date(2026, 11, 1)] + [date(2026, 11, 2)] * 2 + [date(2026, 11, 3)] * 4
    trend, slope = _trend(growing)
    assert trend == [["2026-11-01", 1], ["2026-11-02", 2], ["2026-11-03", 4]] and slope > 0
    assert _trend(list(reversed(growing)))[1] == slope  # order of input does not matter
    assert _trend([date(2026, 11, 1)] * 4 + [date(2026, 11, 3)])[1] < 0


def test_stored_unit_vectors_are_used_without_encoding_and_keep_the_labels(monkeypatch):
    """The global step clusters on the vectors stored with each unit in its day (unit_features): nothing is
    encoded, and the planted error types are labelled as with the failure texts' own embeddings."""
    from flywheel_assets import embeddings as E
    from flywheel_assets.curate.parsed import embedding_text, parse_units

    four = frame([f(i) for f in (planted_json, planted_refusal, planted_outdated, planted_bad_args) for i in range(6)])
    # the curation text and its vector, as unit_features stores them
    vecs = E.embed([embedding_text(pu) for pu in parse_units(four)])
    stored = dict(zip(four["unit_id"].to_list(), (v.tolist() for v in vecs)))

    def no_encoding(*a, **k):
        raise AssertionError("encoded although every failed unit has a stored vector")

    base = cluster_failures(four)
    monkeypatch.setattr(E, "embed", no_encoding)
    got = cluster_failures(four, vectors=stored)
    label = lambda res: dict(zip(assignments(res.clusters)["unit_id"], assignments(res.clusters)["cluster_id"]))  # noqa: E731
    et = lambda res: dict(zip(res.clusters["cluster_id"], res.clusters["error_type"]))  # noqa: E731
    assert {u: et(got)[c] for u, c in label(got).items()} == {u: et(base)[c] for u, c in label(base).items()}
    assert cluster_failures(four, vectors=stored).clusters.equals(got.clusters)  # deterministic
    # one failed unit without a stored vector: all are embedded from their failure texts (one way per clustering)
    partial = dict(list(stored.items())[1:])
    monkeypatch.undo()
    assert cluster_failures(four, vectors=partial).clusters.equals(base.clusters)
