from __future__ import annotations

import polars as pl

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.export.sft import build_sft
from flywheel_assets.export.shards import load_pass_rates, training_shards
from flywheel_assets.export.splits import assign_splits
from flywheel_assets_tests.export._data import curated_frame


def _sft():
    units, _ = assign_splits(curated_frame(), None)
    return build_sft(units)[0]


def test_flat_staged_model_aware_differ_as_specified(tmp_path):
    sft = _sft()
    train = sft.filter(pl.col("split") == "train")
    counts = dict(zip(*train.group_by("complexity_bucket").len().sort("complexity_bucket").to_dict(as_series=False).values()))
    out = training_shards(sft, ExportConfig(), pass_rates={"simple": 0.9, "moderate": 0.6, "complex": 0.3})
    m = out["manifests"]
    # flat: one shard with every train row, uniform weight
    assert [s["n_rows"] for s in m["flat"]["shards"]] == [train.height]
    assert set(m["flat"]["shards"][0]["weights"]) == {1.0}
    # staged (cumulative curriculum over curate's 4 buckets; no expert rows here): simple, +moderate, +complex, all
    assert [s["n_rows"] for s in m["staged"]["shards"]] == [
        counts["simple"], counts["simple"] + counts["moderate"], train.height, train.height]
    assert set(m["staged"]["shards"][0]["bucket_counts"]) == {"simple"}
    # model-aware: the weakest bucket (complex, pass rate 0.3) is up-weighted over the strongest
    bw = m["model_aware"]["bucket_weights"]
    assert bw["complex"] > bw["moderate"] > bw["simple"]
    assert abs(sum(bw[b] * n for b, n in counts.items()) - train.height) < 1e-3  # same expected epoch size
    rows = out["rows"]
    assert set(rows.columns) >= {"unit_id", "complexity_bucket", "phase", "sampling_weight", "weight_model_aware"}
    assert rows.filter(pl.col("complexity_bucket") == "complex")["phase"].unique().to_list() == [3]
    # without a pass-rate file model-aware equals flat and says so
    plain = training_shards(sft, ExportConfig())["manifests"]["model_aware"]
    assert plain["source"] == "none" and set(plain["shards"][0]["weights"]) == {1.0}
    # non-cumulative staging and the loss signal
    st = training_shards(sft, ExportConfig(staged_cumulative=False))["manifests"]["staged"]
    assert [s["n_rows"] for s in st["shards"]] == [counts["simple"], counts["moderate"], counts["complex"], 0]
    p = tmp_path / "loss.json"
    p.write_text('{"buckets": {"simple": 0.2, "moderate": 0.5, "complex": 1.5}}')
    bw2 = training_shards(sft, ExportConfig(model_aware_signal="loss"), load_pass_rates(p))["manifests"]["model_aware"]["bucket_weights"]
    assert bw2["complex"] > bw2["simple"]
