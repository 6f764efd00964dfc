"""Curation measured against the demo drop's planted ground truth (issue 4).

The slow test builds a seeded 800-session demo drop in-process (generate -> ingest -> segment -> redact -> curate,
~40 s; shared with feedback/test_demo_truth.py through ``demo_truth.build``'s cache) and asserts floors at what
was measured (docs/curation.md, "Measured on the demo drop"). The fast tests pin the near-duplicate definition on
hand-made texts.
"""

from __future__ import annotations

import pytest

from flywheel_assets.curate.config import DedupConfig
from flywheel_assets.curate.dedup import dedup_clusters

from . import demo_truth


# ------------------------------------------------------------------------------------------ near-dup definition

ORDER = ("Where is my order A-{oid}? I ordered the kettle on the {day}th.",
         'lookup_order {{"order_id":"A-{oid}"}}',
         '{{"order_id": "A-{oid}", "status": "shipped", "total": {total}.0, "tracking_id": "1Z{trk}"}}',
         "Your order A-{oid} shipped; tracking 1Z{trk}, total ${total}.")


def _order(oid: str, day: int, total: int, trk: str) -> str:
    return "\n".join(t.format(oid=oid, day=day, total=total, trk=trk) for t in ORDER)


def test_copy_with_tiny_edit_merges_but_template_siblings_do_not():
    base = _order("482913", 12, 89, "88ABC1234")
    typo = base.replace("ordered", "odrered", 1)  # a typo in the first user turn (the demo's planted edit)
    number = base.replace("12th", "15th", 1)  # one changed number
    sibling = _order("771045", 12, 54, "23XYZ9876")  # same template, other order id / total / tracking id
    sibling2 = _order("105833", 3, 39, "41QQQ5555")
    texts = [base, typo, number, sibling, sibling2]
    _, _, cluster, _ = dedup_clusters(texts, DedupConfig())
    assert cluster[0] == cluster[1] == cluster[2]
    assert len({cluster[0], cluster[3], cluster[4]}) == 3  # distinct requests stay apart
    # fold_numbers: numbers compare equal, the siblings are one template; then the ids (A-771045 vs A-482913) and
    # the tracking ids' letters still differ, so only digit-only differences merge
    folded = [t.replace("88ABC", "00AAA").replace("23XYZ", "00AAA").replace("41QQQ", "00AAA") for t in texts]
    _, _, fold, _ = dedup_clusters(folded, DedupConfig(fold_numbers=True))
    assert fold[3] == fold[0] == fold[4]
    _, _, nofold, _ = dedup_clusters(folded, DedupConfig())
    assert nofold[3] != nofold[0]


def test_token_budget_counts_words_not_characters():
    long_answer = " ".join(f"step {i} checks the {w} service" for i, w in enumerate(["auth", "cart", "search"] * 30))
    a = "Please triage the outage.\n" + long_answer
    b = "Please triage the outage now.\n" + long_answer  # one inserted word
    c = "Please triage the outage right away, many thanks.\n" + long_answer  # four words more than a and b
    _, _, cl, _ = dedup_clusters([a, b, c], DedupConfig())
    assert cl[0] == cl[1] and cl[2] != cl[0]
    _, _, cl4, _ = dedup_clusters([a, b, c], DedupConfig(max_token_edits=4))
    assert cl4[0] == cl4[1] == cl4[2]


def test_invalid_json_is_checked_after_tool_calls_too():
    from flywheel_assets.curate.complexity import complexity_tags
    from flywheel_assets.curate.pipeline import curate_units
    from flywheel_assets.schema import message, new_unit, tool_call

    from .helpers import WEATHER_TOOL, fast_cfg

    def unit(sid, user, answer, system=None):
        msgs = ([message("system", system)] if system else []) + [
            message("user", user),
            message("assistant", "", tool_calls=[tool_call("c", "get_weather", {"city": "Paris"})]),
            message("tool", '{"temp_c": 21, "sky": "sunny"}', name="get_weather", tool_call_id="c"),
            message("assistant", answer)]
        return new_unit(msgs, session_id=sid, tools=[WEATHER_TOOL])

    agent_sys = "You are an agent. To call a tool, respond with a JSON object holding the function name."
    units = [unit("bad", "Weather in Paris tomorrow, in JSON format please.", "{temp_c: 21, sky: sunny,}"),
             unit("good", "Weather in Paris tomorrow, in JSON format please.", '{"temp_c": 21, "sky": "sunny"}'),
             unit("prose", "What's the weather in Paris tomorrow?", "Sunny, 21C.", system=agent_sys)]
    f = __import__("polars").DataFrame(units)
    out = curate_units(f, complexity_tags(f), fast_cfg())
    reasons = dict(zip(out["session_id"], out["filter_reason"]))
    # the agent system prompt's JSON (for tool calls) does not make a prose answer invalid
    assert reasons == {"bad": "invalid_json", "good": None, "prose": None}


# ------------------------------------------------------------------------------------------ demo drop


@pytest.fixture(scope="module")
def run():
    return demo_truth.build(sessions=800, fast=True)


@pytest.mark.slow
def test_planted_near_duplicates_found_without_merging_distinct_requests(run):
    m = demo_truth.neardup_metrics(run)
    assert m["planted_groups"] >= 20 and m["planted_pairs"] >= 60
    assert m["recall"] >= 0.95  # measured 1.00 (94/94 pairs)
    assert m["planted_groups_collapsed"] >= 0.9 * m["planted_groups"]  # measured 26/26
    assert m["fp_cross_intent"] == 0  # no two different planted intents ever merged
    # before the token budget, 1,359 of 2,192 units (62 %) were near_duplicate; now ~15 %
    assert m["removed_as_dup"] <= 0.2 * m["units"]  # measured 119 / 800
    assert m["max_cluster_size"] <= 25  # measured 16 (no template-wide chains)
    assert m["template_sibling_clusters"] <= 8  # measured 4
    # what the old default (ratio only) does on the same units: chains across intents, removes most of the data
    from flywheel_assets.curate.dedup import dedup_clusters as dc
    from flywheel_assets.curate.parsed import parse_units

    texts = [p.dialog_text for p in parse_units(run.curated.sort("unit_id"))]
    _, _, old, _ = dc(texts, DedupConfig(max_token_edits=-1))
    _, _, new, _ = dc(texts, DedupConfig())
    assert len(set(old.tolist())) < len(set(new.tolist())) - 100


@pytest.mark.slow
def test_distributions_cover_the_planted_mix(run):
    d = demo_truth.distributions(run)
    buckets = d["complexity_bucket (kept)"]
    assert set(buckets) == {"simple", "moderate", "complex", "expert"}  # measured 179 / 101 / 325 / 9
    assert buckets["complex"] > buckets["expert"] and buckets["simple"] >= 100
    tasks = d["task_type (kept)"]
    assert tasks["agentic"] >= 0.5 * sum(tasks.values()) and tasks["qa"] >= 100  # measured 424 agentic, 178 qa
    domains = d["domain (kept)"]
    assert max(domains, key=domains.get) == "retail"  # support assistant dominates; measured 427 of 614
    assert {"retail", "finance", "software"} <= set(domains)
    assert d["language (kept)"] == {"en": sum(d["language (kept)"].values())}  # the demo is English only
    outcomes = d["outcome (kept)"]
    assert outcomes["success"] > outcomes["failure"] > 0
    tools = d["tools_used (kept units using it)"]
    assert set(tools) == {"create_ticket", "get_customer", "get_logs", "get_shipping_status", "issue_refund",
                          "lookup_order", "restart_service", "run_query", "search_kb", "update_address"}
    reasons = d["filter_reason (all)"]
    assert reasons["kept"] >= 0.7 * run.curated.height  # measured 614 / 800
    # planted legitimate-request refusals are filtered as unexpected refusals (never kept as SFT targets)
    refusals = [r for r in run.curated.iter_rows(named=True) if run.sessions[r["session_id"]]["error_type"] == "refusal"]
    assert refusals and sum(r["filter_reason"] == "unexpected_refusal" for r in refusals) >= 0.9 * len(refusals)
    # planted broken-JSON answers (asked "in JSON format", after a tool call) are never kept: truncated_answer when
    # cut, invalid_json otherwise (before the fix, units with tool calls were exempt and 16 of 33 were kept)
    js = [r for r in run.curated.iter_rows(named=True) if run.sessions[r["session_id"]]["error_type"] == "json_format"]
    assert js and not any(r["kept"] for r in js)
    assert {r["filter_reason"] for r in js} <= {"truncated_answer", "invalid_json", "duplicate", "near_duplicate"}


@pytest.mark.slow
def test_coverage_and_bias_reports_raise_no_spurious_violations(run):
    from flywheel_assets.curate.bias import bias_report
    from flywheel_assets.curate.coverage import coverage_report

    assert coverage_report(run.curated, run.curate_cfg).summary["targets_missed"] == []
    assert bias_report(run.curated, run.curate_cfg).summary["violations"] == []
