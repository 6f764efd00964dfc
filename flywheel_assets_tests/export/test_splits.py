from __future__ import annotations

import polars as pl

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.export.dpo import dpo_rows
from flywheel_assets.export.sft import build_sft
from flywheel_assets.export.splits import assign_splits, mirror_report
from flywheel_assets_tests.export._data import curated_frame, pairs_frame


def _split():
    cur = curated_frame()
    return cur, *assign_splits(cur, pairs_frame(cur))


def test_no_group_straddles_splits():
    cur, units, pairs = _split()
    live = units.filter(pl.col("split") != "excluded")
    for col in ("dup_cluster_id", "session_id", "group_id"):
        per = live.group_by(col).agg(pl.col("split").n_unique().alias("n"))
        assert per["n"].max() == 1, col
    # the planted shared duplicate clusters really hold two units each
    assert live.group_by("dup_cluster_id").len()["len"].max() == 2
    # every split is used and the unkept unit is excluded, not dropped
    assert set(live["split"]) == {"train", "validation", "test"}
    assert units.height == cur.height
    assert units.filter(pl.col("kept") == False)["split"].to_list() == ["excluded"]  # noqa: E712


def test_pairs_inherit_unit_groups_and_sft_dpo_do_not_overlap():
    _, units, pairs = _split()
    by_unit = dict(zip(units["unit_id"], zip(units["group_id"], units["split"])))
    for p in pairs.to_dicts():
        g, s = by_unit[p["chosen_unit_id"]]
        assert (p["group_id"], p["split"]) == (g, s)
    sft, rejects = build_sft(units)
    dpo = dpo_rows(pairs)
    assert dpo.height == pairs.height
    assert not set(sft["group_id"]) & set(dpo["group_id"])
    assert (rejects["reason"] == "not_sft_task").sum() >= pairs.height
    # shared mode keeps the units in SFT but still in the same split as their pairs
    units2, pairs2 = assign_splits(curated_frame(), pairs_frame(curated_frame()), ExportConfig(sft_dpo_overlap="shared"))
    sft2 = build_sft(units2)[0]
    common = set(sft2["group_id"]) & set(pairs2["group_id"])
    assert common
    s_split = dict(zip(sft2["group_id"], sft2["split"]))
    assert all(s_split[g] == s for g, s in zip(pairs2["group_id"], pairs2["split"]) if g in common)


def test_deterministic_and_order_independent():
    cur = curated_frame()
    pairs = pairs_frame(cur)
    a, ap = assign_splits(cur, pairs)
    b, bp = assign_splits(cur.reverse(), pairs.reverse())
    key = ["unit_id", "group_id", "split"]
    assert a.select(key).sort("unit_id").equals(b.select(key).sort("unit_id"))
    assert ap.select("pair_id", "split").sort("pair_id").equals(bp.select("pair_id", "split").sort("pair_id"))
    c, _ = assign_splits(cur, pairs, ExportConfig(seed=7))
    assert c.select(key).sort("unit_id")["split"].to_list() != a.select(key).sort("unit_id")["split"].to_list()


def test_stratified_eval_mirrors_production_better_than_skewed():
    cur = curated_frame(n_qa=60, n_agent=30)
    units, _ = assign_splits(cur, None)
    rep = mirror_report(units)
    assert set(rep.summary["tvd"]) == {"validation", "test"}
    assert rep.summary["max_tvd"] is not None and rep.summary["max_tvd"] < 0.25
    assert rep.figures["eval_mirror.png"][:4] == b"\x89PNG"
    assert rep.figures["eval_mirror.png"] == mirror_report(units).figures["eval_mirror.png"]  # deterministic
    # a deliberately skewed split (all agent units in test) is reported as far from production
    skew = units.with_columns(pl.when(pl.col("session_id").str.starts_with("agent")).then(pl.lit("test"))
                              .when(pl.col("split") == "test").then(pl.lit("train")).otherwise(pl.col("split"))
                              .alias("split"))
    assert mirror_report(skew).summary["tvd"]["test"]["tool_mix"] > 0.5
