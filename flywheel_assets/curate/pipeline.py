"""curate_units: tags + metadata + quality filters + dedup + diversity (+ governed synthetic expansion)."""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
import polars as pl

from flywheel_assets.curate import diversity, filters, metadata, synthetic
from flywheel_assets.curate.complexity import TAG_COLUMNS, TAG_SCHEMA, complexity_tags
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate.dedup import dedup_clusters
from flywheel_assets.curate.parsed import embedding_text, parse_units
from flywheel_assets.schema import UNIT_SCHEMA, stable_id

log = logging.getLogger(__name__)

CURATE_EXTRA_SCHEMA: dict[str, pl.DataType] = {
    **{c: TAG_SCHEMA[c] for c in TAG_COLUMNS},
    "content_hash": pl.Utf8,
    "dup_cluster_id": pl.Utf8,
    "dup_cluster_size": pl.Int64,
    "is_representative": pl.Boolean,
    "filter_reason": pl.Utf8,
    "kept": pl.Boolean,
    "task_type": pl.Utf8,
    "domain": pl.Utf8,
    "language": pl.Utf8,
    "outcome_source": pl.Utf8,
    "tools_used": pl.List(pl.Utf8),
    "hops": pl.Int64,
    "semantic_cluster": pl.Int64,
    "sample_weight": pl.Float64,
    "is_synthetic": pl.Boolean,
    "synthetic_parent_id": pl.Utf8,
}
CURATED_SCHEMA: dict[str, pl.DataType] = {**UNIT_SCHEMA, **CURATE_EXTRA_SCHEMA}


def _quality_rank(row: dict, reason: str | None) -> tuple:
    """Sort key of a representative candidate: passes filters, success, positive feedback, most recent, id."""
    thumbs = {"up": 0, "neutral": 1, None: 1, "down": 2}.get(row.get("feedback_thumbs"), 1)
    outcome = {"success": 0, "unknown": 1, "failure": 2}.get(row.get("outcome"), 1)
    rating = row.get("feedback_rating")
    rating = -float(rating) if rating is not None else 0.0
    t = row.get("ended_at") or row.get("started_at")
    ts = -t.timestamp() if t is not None else 0.0
    d = row.get("event_date")
    ds = -d.toordinal() if d is not None else 0
    return (reason is not None, outcome, thumbs, rating, ts, ds, row["unit_id"])


def curate_units(units: pl.DataFrame, tags: pl.DataFrame | None, cfg: CurateConfig | None = None,
                 pii_scan: Callable[[str], list] | None = None) -> pl.DataFrame:
    """Curated units: all unit columns (``outcome`` re-derived from feedback/reward/log/errors) + tag columns +
    dedup (content_hash, dup_cluster_id, dup_cluster_size, is_representative) + filter_reason / kept + metadata +
    semantic_cluster / sample_weight + is_synthetic / synthetic_parent_id. Extra input columns (e.g. the redaction
    stage's n_pii, pii_types) are kept after the unit columns. Sorted by (is_synthetic, unit_id)."""
    cfg = cfg or CurateConfig()
    # missing unit columns become nulls; extra input columns (e.g. n_pii, pii_types from redaction) pass through
    units = units.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in UNIT_SCHEMA.items() if c not in units.columns])
    extras = {c: t for c, t in units.schema.items() if c not in UNIT_SCHEMA and c not in CURATE_EXTRA_SCHEMA}
    schema = {**UNIT_SCHEMA, **extras, **CURATE_EXTRA_SCHEMA}
    units = (units.select([*UNIT_SCHEMA, *extras]).filter(pl.col("unit_id").is_not_null())
             .unique("unit_id", keep="first", maintain_order=True).sort("unit_id"))
    if units.is_empty():
        return pl.DataFrame(schema=schema)
    if tags is None or tags.is_empty() or not set(TAG_SCHEMA) <= set(tags.columns):
        tags = complexity_tags(units, cfg.complexity_thresholds)
    tags = tags.select(list(TAG_SCHEMA)).unique("unit_id", keep="first").sort("unit_id")
    tagged_cols = [c for c in TAG_COLUMNS]
    missing = units.join(tags, on="unit_id", how="anti")
    if missing.height:
        tags = pl.concat([tags, complexity_tags(missing, cfg.complexity_thresholds)]).sort("unit_id")
    tagged = units.join(tags, on="unit_id", how="left").select([*UNIT_SCHEMA, *extras, *tagged_cols])
    parsed = parse_units(tagged)
    rows = list(tagged.iter_rows(named=True))

    # metadata + row-local filters
    meta, reasons = [], []
    for pu, row in zip(parsed, rows):
        meta.append(metadata.unit_metadata(pu, row, row, cfg.metadata))
        reasons.append(filters.unit_reason(pu, row, cfg.filters) if cfg.filters.enabled else None)
    if cfg.filters.enabled:
        off = filters.off_topic_mask(parsed, cfg.filters)
        reasons = [r if r is not None or not o else "off_topic" for r, o in zip(reasons, off)]
    for row, m in zip(rows, meta):
        row.update(m)

    # dedup (global over every unit given) -> representative = best quality rank in the cluster
    n = len(rows)
    hashes, exact, cluster, stats = dedup_clusters([pu.dialog_text for pu in parsed], cfg.dedup) if cfg.dedup.enabled \
        else (["" for _ in rows], np.arange(n), np.arange(n), {})
    if not cfg.dedup.enabled:
        from flywheel_assets.curate.dedup import content_hash
        hashes = [content_hash(pu.dialog_text) for pu in parsed]
    members: dict[int, list[int]] = {}
    for i, c in enumerate(cluster.tolist()):
        members.setdefault(c, []).append(i)
    rep_of = [0] * n
    cid = [""] * n
    size = [0] * n
    for c, idx in members.items():
        best = min(idx, key=lambda i: _quality_rank(rows[i], reasons[i]))
        label = stable_id("dup", rows[min(idx)]["unit_id"])
        for i in idx:
            rep_of[i], cid[i], size[i] = best, label, len(idx)
    for i in range(n):
        rows[i]["content_hash"] = hashes[i]
        rows[i]["dup_cluster_id"] = cid[i]
        rows[i]["dup_cluster_size"] = size[i]
        rows[i]["is_representative"] = rep_of[i] == i
        if rep_of[i] != i and reasons[i] is None:
            reasons[i] = "duplicate" if exact[i] == exact[rep_of[i]] else "near_duplicate"
        rows[i]["filter_reason"] = reasons[i]
        rows[i]["kept"] = reasons[i] is None
        rows[i]["is_synthetic"] = False
        rows[i]["synthetic_parent_id"] = None
        rows[i]["semantic_cluster"] = None
        rows[i]["sample_weight"] = 0.0

    # diversity over kept units
    kept_idx = [i for i in range(n) if rows[i]["kept"]]
    if kept_idx:
        if cfg.diversity.enabled:
            texts = [embedding_text(parsed[i], cfg.diversity.text_chars) for i in kept_idx]
            labels = diversity.cluster_texts(texts, cfg.diversity)
        else:
            labels = np.zeros(len(kept_idx), dtype=np.int64)
        weights = diversity.capped_weights(labels, cfg.diversity.max_cluster_share)
        for i, lab, w in zip(kept_idx, labels.tolist(), weights.tolist()):
            rows[i]["semantic_cluster"] = int(lab)
            rows[i]["sample_weight"] = round(float(w), 6)

    out = pl.DataFrame(rows, schema=schema)
    if cfg.synthetic.enabled:
        extra = synthetic.expand(out, cfg.synthetic, pii_scan)
        out = pl.concat([out, extra])
    log.info("curated %d units: kept %d; dedup %s", n, sum(r["kept"] for r in rows), stats)
    return out.sort("is_synthetic", "unit_id")
