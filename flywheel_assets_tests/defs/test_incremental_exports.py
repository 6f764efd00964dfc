"""Issue 19: a warehouse grown one day per run (per-unit features stored in each day's partition, global assets
over stored features) exports byte for byte what a from-scratch run over the same days exports."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import pytest

from flywheel_assets import warehouse
from flywheel_assets.curate.features import feature_key
from flywheel_assets.runner import run_pipeline

FAST = ("privacy:\n  presidio_ner: false\n  allow_list: [Acme, Acme Plus, Acme support, Acme Cloud]\n"
        "curate:\n  coverage:\n    min_per_bucket: 0\n")


def _digests(out: Path) -> dict[str, str]:
    """Every exported data file (JSONL splits, shard manifests, dataset card), by content."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.suffix in (".jsonl", ".md", ".json")
            and p.name != "manifest.json" and "reports" not in p.parts}


@pytest.mark.slow  # four small pipeline runs in one process: ~110 CPU s (measured 2026-12-07)
def test_incremental_warehouse_exports_equal_from_scratch(tmp_path, monkeypatch, caplog):
    from flywheel_assets.config import FlywheelConfig
    from flywheel_assets.demo.generator import generate_demo

    monkeypatch.setenv("FLYWHEEL_PII_KEY", "incremental-test-key")
    logs = tmp_path / "drop" / "logs"
    generate_demo(logs, seed=11, sessions=40, days=3)
    cfg = tmp_path / "flywheel.yaml"
    cfg.write_text(FAST)
    quiet = lambda *_: None  # noqa: E731
    day_dirs = sorted(p for p in logs.iterdir() if p.is_dir())
    assert len(day_dirs) == 3

    # incremental first (its vectors are computed a day at a time, in small batches), own embedding cache
    monkeypatch.setenv("FLYWHEEL_EMBEDDING_CACHE", str(tmp_path / "inc_cache"))
    landing = tmp_path / "landing"
    inc_db = tmp_path / "inc" / "w.duckdb"
    caplog.set_level(logging.INFO, logger="flywheel_assets.curate.pipeline")
    runs, splits = [], []
    for d in day_dirs:
        shutil.copytree(d, landing / d.name)
        caplog.clear()
        runs.append(run_pipeline(landing, warehouse=inc_db, out_dir=tmp_path / "inc_out", config_path=cfg,
                                 echo=quiet))
        assert not runs[-1].failed, runs[-1].failed
        # the global step found every unit's features stored (none recomputed there)
        assert "not stored under the current feature key" not in caplog.text
        splits.append(warehouse.read_table(inc_db, "eval_splits").select("unit_id", "group_id", "split"))
    assert runs[-1].skipped, "the last run re-ran every day: nothing incremental was measured"

    monkeypatch.setenv("FLYWHEEL_EMBEDDING_CACHE", str(tmp_path / "fresh_cache"))
    fresh_db = tmp_path / "fresh" / "w.duckdb"
    fresh = run_pipeline(logs, warehouse=fresh_db, out_dir=tmp_path / "fresh_out", config_path=cfg, echo=quiet)
    assert not fresh.failed, fresh.failed
    assert fresh.counts == runs[-1].counts and fresh.counts["sft_dataset"] > 0 and fresh.counts["dpo_dataset"] > 0

    # stable splits: a unit whose group only gained new units (no two earlier groups merged) keeps its group id
    # and split when a day is added
    for old, new in zip(splits, splits[1:]):
        before = dict(zip(old["unit_id"], zip(old["group_id"], old["split"])))
        after = dict(zip(new["unit_id"], zip(new["group_id"], new["split"])))
        old_members = {g: set(m) for g, m in old.group_by("group_id").agg("unit_id").iter_rows()}
        new_members = {g: set(m) for g, m in new.group_by("group_id").agg("unit_id").iter_rows()}
        unchanged = [u for u, (g, _) in before.items()
                     if u in after and new_members[after[u][0]] & set(before) == old_members[g]]
        assert len(unchanged) > 0.8 * len(before)
        assert [u for u in unchanged if after[u] != before[u]] == []

    inc, scratch = _digests(tmp_path / "inc_out"), _digests(tmp_path / "fresh_out")
    assert any(k.startswith("sft/") for k in scratch) and any(k.startswith("dpo/") for k in scratch)
    assert inc == scratch

    # features are stored per unit under the current key, with vectors, and curated from them
    ccfg = FlywheelConfig.load(cfg).stage("curate")
    feats = warehouse.read_table(inc_db, "unit_features")
    units = warehouse.read_table(inc_db, "redacted_trajectories")
    assert feats.height == units.height and set(feats["unit_id"]) == set(units["unit_id"])
    assert set(feats["feature_key"]) == {feature_key(ccfg)}
    assert feats["embedding"].is_not_null().all()
    cols = ["unit_id", "dup_cluster_id", "filter_reason", "language", "semantic_cluster", "sample_weight"]
    a = warehouse.read_table(inc_db, "curated_units", order_by="unit_id").select(cols)
    b = warehouse.read_table(fresh_db, "curated_units", order_by="unit_id").select(cols)
    assert a.equals(b)
