"""curate_units: tags + metadata + quality filters + dedup + diversity (+ governed synthetic expansion)."""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
import polars as pl

from flywheel_assets.curate import diversity, synthetic
from flywheel_assets.curate import features as unit_feats
from flywheel_assets.curate.complexity import TAG_COLUMNS, TAG_SCHEMA, complexity_tags
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate.dedup import dedup_clusters, normalized_hash
from flywheel_assets.curate.parsed import parse_units
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


def prepare_units(units: pl.DataFrame, tags: pl.DataFrame | None, cfg: CurateConfig
                  ) -> tuple[pl.DataFrame, dict[str, pl.DataType]]:
    """Units with missing unit columns as nulls, null ids dropped, one row per unit_id (sorted), joined to their
    complexity tags (computed for units without tags). Returns (tagged units, output schema of curate_units)."""
    # missing unit columns become nulls; extra input columns (e.g. n_pii, pii_types from redaction) pass through
    units = units.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in UNIT_SCHEMA.items() if c not in units.columns])
    extras = {c: t for c, t in units.schema.items() if c not in UNIT_SCHEMA and c not in CURATE_EXTRA_SCHEMA}
    schema = {**UNIT_SCHEMA, **extras, **CURATE_EXTRA_SCHEMA}
    units = (units.select([*UNIT_SCHEMA, *extras]).filter(pl.col("unit_id").is_not_null())
             .unique("unit_id", keep="first", maintain_order=True).sort("unit_id"))
    if units.is_empty():
        return units, schema
    if tags is None or tags.is_empty() or not set(TAG_SCHEMA) <= set(tags.columns):
        tags = complexity_tags(units, cfg.complexity_thresholds)
    tags = tags.select(list(TAG_SCHEMA)).unique("unit_id", keep="first").sort("unit_id")
    missing = units.join(tags, on="unit_id", how="anti")
    if missing.height:
        tags = pl.concat([tags, complexity_tags(missing, cfg.complexity_thresholds)]).sort("unit_id")
    tagged = units.join(tags, on="unit_id", how="left").select([*UNIT_SCHEMA, *extras, *TAG_COLUMNS])
    return tagged, schema


def _features_of(tagged: pl.DataFrame, stored: pl.DataFrame | None, cfg: CurateConfig) -> pl.DataFrame:
    """One feature row per unit of ``tagged`` (same order): the stored ones computed under the current feature key,
    the rest computed here (without vectors: diversity embeds the kept ones it needs, exactly as stored)."""
    ok = unit_feats.usable(stored, cfg)
    have = ok.join(tagged.select("unit_id"), on="unit_id", how="semi") if ok is not None else None
    todo = tagged.join(have.select("unit_id"), on="unit_id", how="anti") if have is not None else tagged
    parts = [have] if have is not None and have.height else []
    if todo.height:
        if stored is not None:
            log.info("unit features: %d of %d units not stored under the current feature key; computing them",
                     todo.height, tagged.height)
        parts.append(unit_feats.compute_features(list(todo.iter_rows(named=True)), parse_units(todo), cfg,
                                                 with_vectors=False))
    feats = pl.concat(parts) if len(parts) > 1 else parts[0]
    return tagged.select("unit_id").join(feats, on="unit_id", how="left", maintain_order="left")


def unit_features(units: pl.DataFrame, tags: pl.DataFrame | None, cfg: CurateConfig | None = None,
                  stored: pl.DataFrame | None = None) -> pl.DataFrame:
    """Features (``curate.features.FEATURE_SCHEMA`` + ``DIGEST_COLUMN``) of a frame of units (one day's redacted
    units) with their complexity tags (computed when absent), sorted by unit_id: what the daily ``unit_features``
    asset stores. ``stored``: the day's rows of a previous run; a unit whose row (and tags) and feature key are
    unchanged keeps its stored features (a re-run day computes only its new or changed units)."""
    cfg = cfg or CurateConfig()
    schema = {**unit_feats.FEATURE_SCHEMA, unit_feats.DIGEST_COLUMN: pl.Utf8}
    tagged, _ = prepare_units(units, tags, cfg)
    if tagged.is_empty():
        return pl.DataFrame(schema=schema)
    digests = unit_feats.source_digests(tagged)
    tagged = tagged.with_columns(pl.Series(unit_feats.DIGEST_COLUMN, digests, dtype=pl.Utf8))
    have = unit_feats.stored_rows(stored, tagged, digests, cfg)
    todo = tagged.join(have.select("unit_id"), on="unit_id", how="anti") if have is not None else tagged
    parts = [have] if have is not None else []
    if todo.height:
        rows = list(todo.drop(unit_feats.DIGEST_COLUMN).iter_rows(named=True))
        parts.append(unit_feats.compute_features(rows, parse_units(todo.drop(unit_feats.DIGEST_COLUMN)), cfg)
                     .with_columns(todo[unit_feats.DIGEST_COLUMN]))
    return pl.concat(parts, how="vertical").select(list(schema)).sort("unit_id")


def curate_units(units: pl.DataFrame, tags: pl.DataFrame | None, cfg: CurateConfig | None = None,
                 pii_scan: Callable[[str], list] | None = None,
                 features: pl.DataFrame | None = None) -> pl.DataFrame:
    """Curated units: all unit columns (``outcome`` re-derived from feedback/reward/log/errors) + tag columns +
    dedup (content_hash, dup_cluster_id, dup_cluster_size, is_representative) + filter_reason / kept + metadata +
    semantic_cluster / sample_weight + is_synthetic / synthetic_parent_id. Extra input columns (e.g. the redaction
    stage's n_pii, pii_types) are kept after the unit columns. Sorted by (is_synthetic, unit_id).

    ``features``: per-unit features stored by the daily ``unit_features`` asset (``curate.features``); rows
    computed under another feature key, and units without a row, are computed here. The result does not depend
    on which features were stored (they are pure functions of the unit and the config)."""
    cfg = cfg or CurateConfig()
    tagged, schema = prepare_units(units, tags, cfg)
    if tagged.is_empty():
        return pl.DataFrame(schema=schema)
    feats = _features_of(tagged, features, cfg)
    rows = list(tagged.iter_rows(named=True))
    meta_cols = list(unit_feats.META_SCHEMA)
    for row, m in zip(rows, feats.select(meta_cols).iter_rows(named=True)):
        row.update(m)
    reasons = feats["row_reason"].to_list()
    dedup_texts = feats["dedup_text"].to_list()
    embed_texts = feats["embed_text"].to_list()
    vectors = feats["embedding"].to_list()

    # dedup (global over every unit given) -> representative = best quality rank in the cluster
    n = len(rows)
    hashes, exact, cluster, stats = dedup_clusters(dedup_texts, cfg.dedup, normalized=True) if cfg.dedup.enabled \
        else (["" for _ in rows], np.arange(n), np.arange(n), {})
    if not cfg.dedup.enabled:
        hashes = [normalized_hash(t) for t in dedup_texts]
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
            labels = diversity.cluster_texts([embed_texts[i] for i in kept_idx], cfg.diversity,
                                             vectors=[vectors[i] for i in kept_idx])
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
