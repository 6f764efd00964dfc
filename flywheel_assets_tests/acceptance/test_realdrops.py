"""Issue 15.5 - real drops run green: the whole pipeline (in-process ``run_pipeline``, default configuration) on
each family of ../shared/realdata alone (a bounded sample per family, to keep CI short) and on all of them
together: exit status 0, non-empty SFT export files, counts reconcile (every record accepted or quarantined, every
unit exported or rejected with a reason), and no row rejected for the placeholder grammar. Skipped when ../shared
is absent. Full-size figures per drop (`flywheel run`) are in docs/reliability.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from .realdrops import FAMILIES, build_drop

# records (JSONL lines) or files per family for the "each alone" runs; the "together" run takes these samples too
SAMPLE = {"langfuse_framework_traces": 3, "openllmetry_calls": 24, "oasst_feedback": 2, "toolbench_trees": 3,
          "tau_bench_demos": 2, "agent_runs_dev": 3}


def _run(drop: Path, base: Path, monkeypatch):
    from flywheel_assets.runner import run_pipeline

    monkeypatch.setenv("FLYWHEEL_PII_KEY", "acceptance-test-key-0x5eed")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    cfg = base / "cfg" / "flywheel.yaml"  # the defaults (spaCy NER on), outside the warehouse dir
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("{}\n")
    echoed: list[str] = []
    s = run_pipeline(drop, warehouse=base / "wh" / "w.duckdb", out_dir=base / "out", config_path=cfg,
                     echo=lambda *a, **_k: echoed.append(" ".join(map(str, a))))
    return s, "\n".join(echoed)


def _assert_green(s, echo: str, base: Path, *, need_dpo: bool = False) -> dict:
    from flywheel_assets import warehouse

    assert s.ok and s.exit_code == 0 and not s.failed and not s.checks_failed, echo
    assert all(re.match(r"(\d{4}-\d{2}-\d{2}:)?WARN ", m) for m in s.messages), echo  # else: a failure line
    c = s.counts
    assert c["normalized_events"] > 0 and c["sft_dataset"] > 0, echo
    wh = base / "wh" / "w.duckdb"
    q = lambda sql: warehouse.query(wh, sql)  # noqa: E731
    # every unit that reached the export is a row or a reject with a reason; the same for pairs
    assert c["sft_dataset"] + q("SELECT count(*) n FROM sft_rejects")["n"][0] == q(
        "SELECT count(*) n FROM eval_splits")["n"][0]
    assert c["dpo_dataset"] + q("SELECT count(*) n FROM dpo_rejects")["n"][0] == q(
        "SELECT count(*) n FROM eval_split_pairs")["n"][0]
    for t in ("sft_rejects", "dpo_rejects"):
        bad = q(f"SELECT reason, count(*) n FROM {t} WHERE expectation = 'placeholders' GROUP BY 1")
        assert bad.height == 0, (t, bad.to_dicts())
    # the exports on disk: non-empty SFT files, each line a JSON row with messages
    rows = [json.loads(x) for p in sorted((base / "out" / "sft").glob("*.jsonl"))
            for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(rows) == c["sft_dataset"] and all(r["messages"] for r in rows)
    if need_dpo:
        assert c["dpo_dataset"] > 0, echo
    return c


@pytest.fixture(scope="module")
def samples(realdata, tmp_path_factory):
    root = tmp_path_factory.mktemp("realdrops")
    return {fam: (root / fam, build_drop(realdata, root / fam, {fam: SAMPLE[fam]})) for fam in FAMILIES}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_alone(family, samples, tmp_path, monkeypatch):
    drop, n = samples[family]
    assert n[family] > 0
    s, echo = _run(drop, tmp_path, monkeypatch)
    _assert_green(s, echo, tmp_path, need_dpo=family == "oasst_feedback")  # OASST: ranks + reactions -> pairs
    if family == "openllmetry_calls":
        from flywheel_assets import warehouse

        # the recorded Llama-2 prompts ([INST] <<SYS>> ...) reach the SFT export as text
        texts = warehouse.query(tmp_path / "wh" / "w.duckdb", "SELECT to_json(messages)::VARCHAR t FROM sft_dataset")
        assert any("<<SYS>>" in t or "[INST]" in t for t in texts["t"].to_list())


def test_all_families_together(realdata, tmp_path, monkeypatch):
    drop = tmp_path / "drop"
    n = build_drop(realdata, drop, SAMPLE)
    assert set(n) == set(FAMILIES) and all(n.values())
    s, echo = _run(drop, tmp_path, monkeypatch)
    c = _assert_green(s, echo, tmp_path, need_dpo=True)
    from flywheel_assets import warehouse

    fmts = warehouse.query(tmp_path / "wh" / "w.duckdb", "SELECT DISTINCT source_format f FROM normalized_events")
    assert len(fmts) >= 5, fmts  # every family was read, not quarantined as unknown
    assert c["sft_dataset"] >= 6
