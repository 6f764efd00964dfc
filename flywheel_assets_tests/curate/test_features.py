"""Per-unit features (issue 19): computed once per unit, stored, and read back by curate_units with the same
result as computing everything in one place, whatever part of them was stored or stale."""

from __future__ import annotations

import polars as pl

from flywheel_assets.curate.complexity import complexity_tags
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate import features as feats_mod
from flywheel_assets.curate.features import DIGEST_COLUMN, FEATURE_SCHEMA, feature_key, usable
from flywheel_assets.curate.pipeline import curate_units, unit_features

from .realdata_units import real_units


def _cfg() -> CurateConfig:
    cfg = CurateConfig()
    cfg.diversity.embedding_backend = "minilm"
    cfg.diversity.n_clusters = 3
    return cfg


def test_stored_features_give_the_same_curation(realdata):
    units = real_units(realdata).sort("unit_id").head(24)  # ToolBench + tau-bench agent runs
    cfg = _cfg()
    tags = complexity_tags(units, cfg.complexity_thresholds)
    plain = curate_units(units, tags, cfg)

    # two "days", stored separately, as the daily asset does
    a, b = units.head(10), units.slice(10)
    fa = unit_features(a, complexity_tags(a, cfg.complexity_thresholds), cfg)
    fb = unit_features(b, complexity_tags(b, cfg.complexity_thresholds), cfg)
    assert fa.schema == pl.Schema({**FEATURE_SCHEMA, DIGEST_COLUMN: pl.Utf8}) and fa.height == 10 and fb.height == units.height - 10
    assert fa["embedding"].is_not_null().all() and set(fa["feature_key"]) == {feature_key(cfg)}
    stored = pl.concat([fa, fb])
    assert curate_units(units, tags, cfg, features=stored).equals(plain)

    # half stored, and a stale row (other feature key) that must be ignored: same result
    stale = fb.head(3).with_columns(pl.lit("old-key").alias("feature_key"), pl.lit("xx").alias("language"))
    mixed = pl.concat([fa, stale])
    assert usable(mixed, cfg).height == fa.height
    assert curate_units(units, tags, cfg, features=mixed).equals(plain)

    # a config change that feeds the features changes the key: stored rows are then not used
    cfg2 = _cfg()
    cfg2.metadata.language_min_chars = 10_000  # every unit too short for language id -> "und"
    assert feature_key(cfg2) != feature_key(cfg) and usable(stored, cfg2) is None
    out2 = curate_units(units, tags, cfg2, features=stored)
    assert set(out2["language"]) == {"und"}


def test_a_rerun_day_computes_features_only_for_changed_units(realdata, monkeypatch):
    units = real_units(realdata).sort("unit_id").head(16)
    cfg = _cfg()
    first = unit_features(units, complexity_tags(units, cfg.complexity_thresholds), cfg)

    # the day again, with one unit changed and one new: only those two are computed
    changed_id = units["unit_id"][3]
    day2 = units.with_columns(pl.when(pl.col("unit_id") == changed_id).then(pl.lit("edited by the user"))
                              .otherwise(pl.col("edited_response")).alias("edited_response"))
    extra = real_units(realdata).sort("unit_id").slice(16, 1)
    day2 = pl.concat([day2, extra.select(day2.columns)]).sort("unit_id")
    tags2 = complexity_tags(day2, cfg.complexity_thresholds)
    seen: list[str] = []
    compute = feats_mod.compute_features

    def counting(rows, parsed, c, **kw):
        seen.extend(r["unit_id"] for r in rows)
        return compute(rows, parsed, c, **kw)

    monkeypatch.setattr(feats_mod, "compute_features", counting)
    again = unit_features(day2, tags2, cfg, stored=first)
    assert sorted(seen) == sorted([changed_id, extra["unit_id"][0]])
    monkeypatch.setattr(feats_mod, "compute_features", compute)
    assert again.equals(unit_features(day2, tags2, cfg))  # what a from-scratch day computes
    # stored rows under another feature key are not reused
    seen.clear()
    monkeypatch.setattr(feats_mod, "compute_features", counting)
    unit_features(day2, tags2, cfg, stored=first.with_columns(pl.lit("old-key").alias("feature_key")))
    assert len(seen) == day2.height
