"""Feedback measured against the demo drop's planted ground truth (issue 5).

Builds (or reuses, within one pytest process) the seeded 800-session demo drop of
``flywheel_assets_tests/curate/demo_truth.py`` and checks: every pair source yields pairs (synthetic when enabled),
the planted concise/verbose twins become preference pairs, and the triage recommends the intervention the demo
planted for each error type (confusion matrix planted error type -> cluster label / intervention). The manifest
is read here only; the library never sees intent ids or error types. Floors sit at what was measured
(docs/feedback.md, "Measured on the demo drop").
"""

from __future__ import annotations

import polars as pl
import pytest

from flywheel_assets_tests.curate import demo_truth

pytestmark = pytest.mark.slow

LABEL_FOR = {"json_format": {"json_format"}, "outdated_knowledge": {"outdated_knowledge"}, "refusal": {"refusal"},
             "unseen_topic": {"unseen_topic"}, "verbose_sycophantic": {"sycophancy", "verbosity"},
             "wrong_tool": {"wrong_tool_or_args"}}


@pytest.fixture(scope="module")
def fb():
    run = demo_truth.build(sessions=800, fast=True)
    return run, demo_truth.feedback_eval(run, synthetic=True)


def test_every_pair_source_yields_pairs(fb):
    from flywheel_assets.feedback.length_balance import check_length_ratio, check_no_identical

    run, ev = fb
    pairs = ev["pairs"].pairs
    by = dict(pairs.group_by("pair_source").len().iter_rows())
    # measured: thumbs 8, edit 44, outcome 55, concise 24, synthetic 14 (outcome was 93 before multi-turn sessions
    # went through the whole-user-side matcher with its ambiguity test, feedback/intent.py; edit 18 / outcome 59
    # when units filtered for a bad answer could not even be the rejected side)
    assert by.get("thumbs", 0) >= 3 and by.get("edit", 0) >= 30 and by.get("outcome", 0) >= 45
    # outcome pairs join runs of one planted intent (the manifest is read here only)
    intent = {s: v.get("intent_id") for s, v in run.sessions.items()}
    out = pairs.filter(pl.col("pair_source") == "outcome")
    same = [intent.get(r["chosen_session_id"]) == intent.get(r["rejected_session_id"]) for r in out.iter_rows(named=True)]
    print("demo outcome pairs", len(same), "same planted intent", sum(same))
    assert sum(same) >= 0.9 * len(same)
    assert by.get("concise", 0) >= 10 and by.get("synthetic", 0) >= 5
    assert pairs.filter(pl.col("pair_source") == "synthetic")["is_synthetic"].all()
    assert not pairs.filter(pl.col("pair_source") != "synthetic")["is_synthetic"].any()
    # synthetic stays within its governed share of the pairs actually kept (it was 17 of 123 = 14 % when the cap
    # was computed before length balancing dropped 36 outcome pairs)
    assert by["synthetic"] <= ev["cfg"].pairs.synthetic_max_share * pairs.height + 1
    assert check_no_identical(pairs)[0]
    ok, stats = check_length_ratio(pairs, ev["cfg"].length)
    assert ok, stats
    # planted concise/verbose twins (same prompt; verbose v1 down-voted, concise v2 up-voted) become pairs with
    # the concise answer chosen: 10 of 11 (at drop_ratio 6 for every source only 3 of 11 survived)
    twins = {g["chosen"]: g["rejected"] for g in run.manifest["pair_groups"]}
    got = {r["chosen_session_id"] for r in pairs.iter_rows(named=True)
           if twins.get(r["chosen_session_id"]) == r["rejected_session_id"]}
    assert len(twins) >= 8 and len(got) >= 0.8 * len(twins)
    # no pair between two units prefers a planted failure (within-unit edit pairs choose the user's correction)
    failed = {s for s, v in run.sessions.items() if v["error_type"]}
    real = pairs.filter(pl.col("chosen_unit_id") != pl.col("rejected_unit_id"))
    assert not set(real["chosen_session_id"].drop_nulls()) & failed


def test_triage_recommends_the_planted_intervention(fb):
    run, ev = fb
    units = ev["units"].filter(~pl.col("planted_error_type").str.starts_with("("))
    assert units.height >= 150  # every planted error type is present: measured 181 units
    # every planted failure lands in a failure cluster
    assert (units["cluster_label"] != "(not clustered)").all()
    for et, labels in LABEL_FOR.items():
        part = units.filter(pl.col("planted_error_type") == et)
        assert part.height >= 15, et
        label_ok = part["cluster_label"].is_in(list(labels)).mean()
        iv_ok = (part["intervention"] == part["intended_intervention"]).mean()
        # measured: 1.00 for every type except outdated_knowledge (label 20/24: 4 rewrite-edits read as
        # hallucination, whose below-volume intervention is rag as well -> intervention 24/24)
        assert label_ok >= 0.8, (et, label_ok)
        assert iv_ok >= 0.9, (et, iv_ok)
    overall = (units["intervention"] == units["intended_intervention"]).mean()
    assert overall >= 0.97  # measured 181/181
    # ordinary failures (refund over limit, failed rollouts: no planted error type) are tool errors -> prompt
    other = ev["units"].filter(pl.col("planted_error_type") == "(other failure)")
    assert other.height >= 20 and (other["cluster_label"] == "tool_error").mean() >= 0.9


def test_triage_is_budgeted_and_deterministic(fb):
    from flywheel_assets.feedback.clustering import cluster_failures
    from flywheel_assets.feedback.triage import triage

    run, ev = fb
    tri = ev["triage"]
    assert tri["priority"].to_list() == list(range(1, tri.height + 1))
    assert tri["within_budget"].to_list() == sorted(tri["within_budget"].to_list(), reverse=True)
    # one intervention per error type: sub-clusters of one type agree (volume is judged per type)
    per_type = tri.group_by("error_type").agg(pl.col("intervention").n_unique().alias("n"))
    assert (per_type["n"] == 1).all()
    assert tri.height <= 3 * tri["error_type"].n_unique()  # at most max_sub_clusters per type
    # effort is counted once per type: the budget is not spent three times on one fix
    from flywheel_assets.feedback.triage import EFFORT_DAYS

    for et, ivs, days in tri.group_by("error_type").agg("intervention", pl.col("effort_days").sum()).iter_rows():
        assert days == EFFORT_DAYS[ivs[0]], et
    again = cluster_failures(run.curated, ev["cfg"])
    assert again.clusters.equals(ev["clusters"])
    assert triage(again.clusters, run.curated, ev["cfg"]).equals(tri)
