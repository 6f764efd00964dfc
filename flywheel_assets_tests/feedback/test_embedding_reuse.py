"""Preference-pair intent matching and triage's intent grouping embed the same normalised first requests, so the
second caller is served by the embedding cache (issue 9) (no new encoding)."""

from __future__ import annotations

import pytest

from flywheel_assets import embeddings as E
from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.feedback.pairs import mine_pairs
from flywheel_assets.feedback.triage import _intent_groups

from .realdata_units import oasst_units


def test_triage_intents_hit_the_cache_after_pairs(realdata, monkeypatch):
    cache = E.EmbeddingCache()
    monkeypatch.setattr(E, "_DEFAULT", cache)
    monkeypatch.setattr(E, "_DEFAULT_DIR", None)
    monkeypatch.delenv(E.CACHE_ENV, raising=False)
    units = oasst_units(realdata / "oasst_feedback" / "en_100_tree.jsonl").sort("unit_id").head(60)
    cfg = FeedbackConfig()
    cfg.embedding_backend = "minilm"
    cfg.pairs.embedding_backend = "minilm"
    mine_pairs(units, cfg)
    assert cache.misses > 0
    misses = cache.misses
    groups = _intent_groups(units, cfg)
    assert cache.misses == misses  # nothing new to encode
    firsts = {c.intent_text(c.first_user(c.messages_of(r))) for r in units.iter_rows(named=True)}
    assert cache.hits >= len(firsts) - 1
    assert len(groups) == len(units) and all(g and g.startswith("intent:") for g in groups.values())
