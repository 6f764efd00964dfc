"""Scheduling shards for the train split: flat mixture, staged curriculum, model-aware sampling.

Every train row is tagged with ``complexity_bucket``, ``phase`` and three sampling weights. Manifests are plain
JSON-able dicts (written by :mod:`writer` under ``DIR/shards/``):

- ``flat``: one shard, every train row, weight 1 (the production mixture as curated);
- ``staged``: one shard per curriculum phase in ``cfg.phase_order``; phase k holds buckets 1..k when
  ``staged_cumulative`` (replay) else bucket k only;
- ``model_aware``: one shard, bucket weights from a per-bucket pass-rate (weight ``1 - p``) or loss (weight ``loss``)
  file, floored at ``model_aware_floor``, normalised so the expected rows per epoch stay the same; without a file it
  equals ``flat`` and says so (``source: "none"``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl

from flywheel_assets.export.config import ExportConfig


def load_pass_rates(path: str | Path) -> dict[str, float]:
    """Read ``{bucket: value}`` from JSON (object, or ``{"buckets": {...}}``) or CSV (``bucket,value``)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".csv":
        out = {}
        for line in text.splitlines()[1:]:
            if line.strip():
                b, v = line.split(",")[:2]
                out[b.strip()] = float(v)
        return out
    data = json.loads(text)
    data = data.get("buckets", data)
    return {str(k): float(v) for k, v in data.items()}


def _bucket(b) -> str:
    return "unknown" if b is None else str(b)


def bucket_weights(buckets: list[str], pass_rates: dict | None, cfg: ExportConfig) -> dict[str, float]:
    """Per-bucket multiplier for model-aware sampling (1.0 everywhere without a file)."""
    present = sorted(set(buckets))
    if not pass_rates:
        return {b: 1.0 for b in present}
    raw = {}
    for b in present:
        v = pass_rates.get(b)
        if v is None:  # unseen bucket: average signal
            vals = list(pass_rates.values())
            v = sum(vals) / len(vals)
        w = (1.0 - float(v)) if cfg.model_aware_signal == "pass_rate" else float(v)
        raw[b] = max(cfg.model_aware_floor, w)
    # normalise so that sum_b n_b * w_b == N (same expected epoch size as flat)
    n = Counter(buckets)
    total = sum(n[b] * raw[b] for b in present) or 1.0
    scale = len(buckets) / total
    return {b: round(raw[b] * scale, 6) for b in present}


def training_shards(sft: pl.DataFrame, cfg: ExportConfig | None = None, pass_rates: dict | None = None) -> dict:
    """SFT rows -> ``{"rows": frame, "manifests": {"flat", "staged", "model_aware"}}``.

    ``rows``: unit_id, split, complexity_bucket, phase, sampling_weight (flat, incl. synthetic weight),
    weight_model_aware, for the train split, sorted by unit_id.
    """
    cfg = cfg or ExportConfig()
    train = sft.filter(pl.col("split") == "train").sort("unit_id") if sft.height else sft
    ids = train["unit_id"].to_list() if train.height else []
    buckets = [_bucket(b) for b in train["complexity_bucket"].to_list()] if train.height else []
    phases = [int(p or 1) for p in train["phase"].to_list()] if train.height else []
    base = [float(w if w is not None else 1.0) for w in train["sampling_weight"].to_list()] if train.height else []
    bw = bucket_weights(buckets, pass_rates, cfg)
    aware = [round(w * bw[b], 6) for w, b in zip(base, buckets)]
    rows = pl.DataFrame(
        {"unit_id": ids, "split": ["train"] * len(ids), "complexity_bucket": buckets, "phase": phases,
         "sampling_weight": base, "weight_model_aware": aware},
        schema={"unit_id": pl.Utf8, "split": pl.Utf8, "complexity_bucket": pl.Utf8, "phase": pl.Int64,
                "sampling_weight": pl.Float64, "weight_model_aware": pl.Float64},
    )
    mix = dict(sorted(Counter(buckets).items()))
    flat = {"strategy": "flat", "shards": [{"name": "all", "phase": None, "unit_ids": ids, "weights": base,
                                            "n_rows": len(ids), "bucket_counts": mix}]}
    k = max([len(cfg.phase_order), *phases]) if phases else len(cfg.phase_order)
    staged_shards = []
    for ph in range(1, k + 1):
        sel = [i for i, p in enumerate(phases) if (p <= ph if cfg.staged_cumulative else p == ph)]
        staged_shards.append({
            "name": f"phase_{ph}" + (f"_{cfg.phase_order[ph - 1]}" if ph <= len(cfg.phase_order) else ""),
            "phase": ph, "unit_ids": [ids[i] for i in sel], "weights": [base[i] for i in sel], "n_rows": len(sel),
            "bucket_counts": dict(sorted(Counter(buckets[i] for i in sel).items())),
        })
    staged = {"strategy": "staged", "cumulative": cfg.staged_cumulative, "phase_order": list(cfg.phase_order),
              "shards": staged_shards}
    model_aware = {"strategy": "model_aware", "source": cfg.model_aware_signal if pass_rates else "none",
                   "signal": dict(sorted((str(a), float(b)) for a, b in (pass_rates or {}).items())),
                   "bucket_weights": bw,
                   "shards": [{"name": "all", "phase": None, "unit_ids": ids, "weights": aware, "n_rows": len(ids),
                               "bucket_counts": mix}]}
    return {"rows": rows, "manifests": {"flat": flat, "staged": staged, "model_aware": model_aware}}
