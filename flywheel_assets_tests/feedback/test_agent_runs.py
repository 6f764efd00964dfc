"""Outcome pairs from real multi-turn agent runs (agent_runs_dev) through the real pipeline path:
ingest -> segment -> redact -> curate -> preference pairs -> DPO rows (-> DPO dry run).

``key.json`` (session -> task) is read here for SCORING ONLY; the pipeline never sees it. Figures are in
docs/feedback.md ("Outcome pairs on real agent runs")."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import polars as pl
import pytest

from flywheel_assets.export.dpo import build_dpo
from flywheel_assets.feedback.length_balance import check_length_ratio, check_no_identical
from flywheel_assets.feedback.pairs import mine_pairs

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def run(realdata, pii_key):
    from flywheel_assets.curate.pipeline import curate_units
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.privacy.redact import redact_units
    from flywheel_assets.segment.units import segment_events

    root = realdata / "agent_runs_dev"
    res = ingest_paths(root, IngestContext(key=pii_key), files=[root / "runs.jsonl"])
    units = segment_events(res.events)
    curated = curate_units(redact_units(units, key=pii_key).units, None)
    mined = mine_pairs(curated)
    dpo, rejects = build_dpo(mined.pairs)
    key = json.loads((root / "key.json").read_text(encoding="utf-8"))  # scoring only
    return curated, mined, dpo, rejects, key, root


def _score(pairs: pl.DataFrame, key: dict) -> tuple[int, int, set, set]:
    out = pairs.filter(pl.col("pair_source") == "outcome")
    task = {s: v["task"] for s, v in key.items()}
    ok = [task[r["chosen_session_id"]] == task[r["rejected_session_id"]] for r in out.iter_rows(named=True)]
    covered = {task[r["chosen_session_id"]] for r, k in zip(out.iter_rows(named=True), ok) if k}
    outcomes = defaultdict(set)
    for v in key.values():
        outcomes[v["task"]].add(v["reward"] >= 0.5)
    both = {t for t, v in outcomes.items() if len(v) == 2}
    return len(ok), sum(ok), covered & both, both


def test_outcome_pairs_join_runs_of_one_task(run):
    curated, mined, _, _, key, _ = run
    assert curated.height == 274 and set(curated["session_id"]) == set(key)
    n, correct, covered, both = _score(mined.pairs, key)
    assert len(both) == 29
    # measured (docs/feedback.md): 5 pairs, all correct, 5 / 29 tasks covered (intent-group rule + mutual-k: same
    # as the previous rule here; 6 / 29 before pii_digests); the issue floors: precision >= 0.95 met, coverage
    # >= 0.8 NOT met (0.17), a named gap: telecom personas span tasks, key.json's Nemotron task ids, cross-agent runs
    assert n >= 5 and correct / n >= 0.95, (n, correct)
    assert len(covered) >= 5
    # every failed multi-turn run is accounted for: matched, or skipped with a reason
    st = mined.stats
    assert {"outcome_skipped_below_threshold", "outcome_skipped_not_mutual", "outcome_skipped_ambiguous"} <= set(st)
    skipped = sum(v for k, v in st.items() if k.startswith("outcome_skipped_") and k != "outcome_skipped_no_divergence")
    n_fail = curated.filter(pl.col("outcome") == "failure").height
    assert st["outcome_multi_turn_matches"] + skipped == n_fail
    assert check_no_identical(mined.pairs)[0] and check_length_ratio(mined.pairs)[0]


def test_pairs_cut_at_divergence_and_export_as_trl_rows(run):
    _, mined, dpo, rejects, _, _ = run
    out = mined.pairs.filter(pl.col("pair_source") == "outcome")
    for p in out.iter_rows(named=True):
        prompt, chosen, rejected = (json.loads(p[k]) for k in ("prompt", "chosen", "rejected"))
        assert prompt[-1]["role"] in ("user", "tool") and any(m["role"] == "user" for m in prompt)
        # one agent block each: no user turn inside a completion
        for side in (chosen, rejected):
            assert side[0]["role"] == "assistant" and all(m["role"] in ("assistant", "tool") for m in side)
        assert p["signal"] in ("outcome", "outcome_empty", "outcome_handoff")
        assert p["prompt_match"] in ("exact", "paraphrase")
    assert dpo.height + rejects.height == mined.pairs.height
    assert dpo.filter(pl.col("pair_source") == "outcome").height >= 5, rejects
    for r in dpo.iter_rows(named=True):
        assert json.loads(r["tools"])  # the run's tool schemas travel with the row (TRL `tools`)


def test_no_raw_email_from_the_logs_in_exports(run, tmp_path):
    from flywheel_assets.export.writer import write_exports

    _, _, dpo, _, _, root = run
    raw = set(EMAIL.findall((root / "runs.jsonl").read_text(encoding="utf-8")))
    assert len(raw) > 50  # the logs do hold e-mail addresses
    write_exports(tmp_path, None, dpo.with_columns(pl.lit("train").alias("split")), hf=False)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(tmp_path.rglob("*.jsonl")))
    assert text and not (set(EMAIL.findall(text)) & raw)


def test_pii_digests_stay_in_the_clean_zone(run, tmp_path):
    """The keyed digests redaction records for intent matching never reach an export (SFT, DPO, card, manifest)."""
    from flywheel_assets.export.sft import build_sft
    from flywheel_assets.export.writer import write_exports

    curated, _, dpo, _, _, _ = run
    digests = {d for x in curated["pii_digests"].to_list() for d in json.loads(x or "[]")}
    assert len(digests) > 50  # redaction did record them
    sft, _ = build_sft(curated)
    write_exports(tmp_path, sft, dpo.with_columns(pl.lit("train").alias("split")), hf=False)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    assert any(p.suffix == ".jsonl" for p in files) and (tmp_path / "README.md").exists()
    assert '"pii_digests"' not in text and not any(d in text for d in digests)


def test_dpo_dry_run_trains_on_agent_pairs(run, tmp_path):
    from flywheel_assets.export.writer import write_exports
    from flywheel_assets.train.config import TrainConfig
    from flywheel_assets.train.dpo_runner import train_dpo

    _, _, dpo, _, _, _ = run
    write_exports(tmp_path, None, dpo.with_columns(pl.lit("train").alias("split")), hf=False)
    # an agent prompt (policy system prompt + conversation + tool schemas) is ~5k tokens even with a 4,000-token
    # tiny vocabulary; TRL drops every example whose prompt alone reaches max_length (keep_start), so the default
    # 1,024 would silently train on nothing
    cfg = TrainConfig(max_length=16384, tiny_vocab_size=4000, batch_size=1)
    m = train_dpo(tmp_path, max_steps=2, out_dir=tmp_path / "dpo", cfg=cfg)
    assert m["steps"] == 2 and m["n_train_rows"] == dpo.height
    assert abs(m["first_loss"] - 0.6931) < 0.01  # policy == reference at step 0
