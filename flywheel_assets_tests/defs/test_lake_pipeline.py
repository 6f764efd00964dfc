"""The whole pipeline on a DuckLake with partitions in two worker processes gives the same exports, byte for byte,
and the same counts as the default embedded-DuckDB run (issue 20's acceptance, on a small seeded demo drop)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flywheel_assets import warehouse
from flywheel_assets.runner import run_pipeline

FAST = ("privacy:\n  presidio_ner: false\n  allow_list: [Acme, Acme Plus, Acme support, Acme Cloud]\n"
        "curate:\n  coverage:\n    min_per_bucket: 0\n")


def _digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("sft", "dpo") for p in sorted((out / sub).rglob("*.jsonl"))}


@pytest.mark.slow
def test_ducklake_two_workers_same_exports_as_default(tmp_path, monkeypatch):
    from flywheel_assets.demo.generator import generate_demo

    monkeypatch.setenv("FLYWHEEL_PII_KEY", "lake-test-key")
    logs = tmp_path / "drop" / "logs"
    generate_demo(logs, seed=11, sessions=40)
    cfg = tmp_path / "flywheel.yaml"
    cfg.write_text(FAST)
    quiet = lambda *_: None  # noqa: E731
    base = run_pipeline(logs, warehouse=tmp_path / "base" / "w.duckdb", out_dir=tmp_path / "base_out",
                        config_path=cfg, echo=quiet)
    assert not base.failed, base.failed  # (a tiny drop may miss a non-blocking coverage target: same on both)
    assert len(base.partitions) >= 3
    lake_value = f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    lake = run_pipeline(logs, warehouse=lake_value, lake_data=tmp_path / "lake" / "data", workers=2,
                        out_dir=tmp_path / "lake_out", config_path=cfg, echo=quiet)
    assert not lake.failed and sorted(lake.checks_failed) == sorted(base.checks_failed), lake
    assert lake.counts == base.counts and base.counts["sft_dataset"] > 0 and base.counts["dpo_dataset"] > 0
    assert _digests(tmp_path / "lake_out") == _digests(tmp_path / "base_out")
    # the lake really holds the data: its catalog + Parquet files, no embedded DuckDB file
    spec = warehouse.resolve(lake_value, tmp_path / "lake" / "data")
    assert list((tmp_path / "lake" / "data").rglob("*.parquet"))
    assert not list((tmp_path / "lake").rglob("*.duckdb"))
    assert warehouse.partitions(spec, "normalized_events") == warehouse.partitions(tmp_path / "base" / "w.duckdb",
                                                                                    "normalized_events")
