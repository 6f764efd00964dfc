"""Off-topic filter and diversity clustering embed the same text per unit, so the second one is served by the
embedding cache (issue 9), and the curated output does not change with a warm cache."""

from __future__ import annotations

import pytest

from flywheel_assets import embeddings as E
from flywheel_assets.curate.complexity import complexity_tags
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate.pipeline import curate_units

from .realdata_units import real_units


@pytest.fixture()
def fresh_cache(monkeypatch):
    cache = E.EmbeddingCache()
    monkeypatch.setattr(E, "_DEFAULT", cache)
    monkeypatch.setattr(E, "_DEFAULT_DIR", None)
    monkeypatch.delenv(E.CACHE_ENV, raising=False)
    return cache


def test_diversity_reuses_off_topic_vectors(realdata, fresh_cache):
    units = real_units(realdata).sort("unit_id").head(16)  # ToolBench + tau-bench agent runs
    cfg = CurateConfig()
    cfg.diversity.embedding_backend = "minilm"
    cfg.filters.embedding_backend = "minilm"
    cfg.filters.domain_examples = ["book a flight or change a reservation", "return or exchange an order"]
    cfg.filters.min_domain_similarity = -1.0  # nothing off-topic: every unit reaches diversity
    cfg.dedup.enabled = False
    tags = complexity_tags(units, cfg.complexity_thresholds)
    curated = curate_units(units, tags, cfg)
    kept = int(curated["kept"].sum())
    assert kept >= 8
    n_texts = len(units) + len(cfg.filters.domain_examples)
    # off-topic encoded every distinct text once; diversity found all kept units in the cache
    assert fresh_cache.misses <= n_texts
    assert fresh_cache.hits >= kept
    hits_before = fresh_cache.hits
    again = curate_units(units, tags, cfg)  # fully warm
    assert fresh_cache.hits - hits_before >= n_texts - 1
    assert again.equals(curated)
