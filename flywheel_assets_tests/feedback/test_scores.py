"""feedback/scores.py on real units (OpenAssistant emoji reactions, ToolBench win/lose): one 0..1 score per unit
from thumbs, else rating, else reward; outcome before thumbs for success; a rating column normalised with one scale;
the prepared table carries every optional column."""

from __future__ import annotations

import polars as pl
import pytest

from flywheel_assets.feedback import scores as sc
from flywheel_assets_tests.feedback.real_units import real_units


@pytest.fixture(scope="module")
def prepared(realdata, pii_key) -> pl.DataFrame:
    return sc.prepare(real_units(realdata, pii_key))


def test_prepare_adds_the_optional_columns_and_sorts(prepared):
    for name in ("dup_cluster_id", "kept", "filter_reason", "edited_response", "reward", "n_errors", "_rating01"):
        assert name in prepared.columns
    ids = prepared["unit_id"].to_list()
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_score_and_success_follow_real_feedback(prepared):
    seen = {"up": 0, "down": 0, "success": 0, "failure": 0}
    for row in prepared.iter_rows(named=True):
        t, o = row.get("feedback_thumbs"), row.get("outcome")
        score = sc.feedback_score(row)
        if t in ("up", "down"):
            seen[t] += 1
            assert score == (1.0 if t == "up" else 0.0)
        if o in ("success", "failure"):
            seen[o] += 1
            assert sc.success_of(row) is (o == "success")
        elif t in ("up", "down"):
            assert sc.success_of(row) is (t == "up")
        else:
            assert sc.success_of(row) is None
    assert all(seen.values()), seen  # both sources carry both kinds of feedback


def test_rating_scales():
    stars = sc.ratings01([1, 2, 5, None, float("nan")])
    assert stars == [0.0, 0.25, 1.0, None, None]  # a 1-star rating on a 1..5 column is the bottom, not 1.0
    assert sc.ratings01([0.2, 1.0]) == [0.2, 1.0] and sc.ratings01([0, 10]) == [0.0, 1.0]
    assert sc.ratings01([-1, 1]) == [0.0, 1.0]
    assert sc.rating01("4") == 0.75 and sc.rating01("x") is None and sc.rating01(50) is None
    assert sc.thumbs_value("UP") == 1.0 and sc.thumbs_value(None) is None
    assert sc.feedback_score({"feedback_thumbs": "neutral", "feedback_rating": 5}) == 1.0  # rating beats neutral
    assert sc.feedback_score({"reward": 3}) == 1.0 and sc.feedback_score({"reward": 0.25}) == 0.25
    assert sc.feedback_score({}) is None
