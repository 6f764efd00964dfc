import numpy as np
import pytest
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from flywheel_assets.curate.config import DiversityConfig
from flywheel_assets.curate.diversity import capped_weights, cluster_texts
from flywheel_assets.curate.pipeline import curate_units

from .helpers import fast_cfg, frame, qa


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=200), st.floats(0.05, 1.0))
def test_capped_weights_respect_the_cap(labels, cap):
    labels = np.array(labels)
    w = capped_weights(labels, cap)
    assert ((w > 0) & (w <= 1.0 + 1e-9)).all()
    k = len(set(labels.tolist()))
    eff = max(cap, 1.0 / k)
    for c in set(labels.tolist()):
        share = w[labels == c].sum() / w.sum()
        assert share <= eff + 1e-6
    # members of one cluster share one weight
    for c in set(labels.tolist()):
        assert np.ptp(w[labels == c]) < 1e-12


def test_dominant_cluster_is_downweighted_in_curated_output():
    units = [qa(f"How much is the checked bag fee on route number {i}?", f"The checked bag fee on route {i} is {20 + i} dollars.", sid=f"bag{i}")
             for i in range(24)]
    units += [qa("Write a python function to parse a CSV file of invoices", "```python\nimport csv\n```", sid="code1"),
              qa("Translate 'good morning' into French please", "Bonjour.", sid="tr1"),
              qa("Can you recommend a lasagna recipe for six people?", "Layer pasta and ragu, bake 40 minutes.", sid="food1"),
              qa("Which telescope should I buy to watch Saturn's rings?", "A 100 mm refractor shows the rings.", sid="astro1")]
    cfg = fast_cfg()
    cfg.diversity.n_clusters = 4
    cfg.diversity.max_cluster_share = 0.4
    out = curate_units(frame(*units), None, cfg)
    kept = out.filter(pl.col("kept"))
    shares = kept.group_by("semantic_cluster").agg(pl.col("sample_weight").sum()).with_columns(
        pl.col("sample_weight") / kept["sample_weight"].sum())
    assert shares["sample_weight"].max() <= 0.4 + 1e-6
    assert kept.filter(pl.col("session_id").str.starts_with("bag"))["sample_weight"].max() < 1.0
    assert kept["semantic_cluster"].n_unique() == 4


@pytest.mark.slow
def test_cluster_texts_deterministic_with_minilm():
    texts = ["refund for a cancelled flight", "my flight got cancelled, refund?", "python list comprehension",
             "how to write a for loop in python", "best pizza in Naples", "where to eat pizza in Naples"]
    cfg = DiversityConfig(n_clusters=3)
    a = cluster_texts(texts, cfg)
    assert a.tolist() == cluster_texts(texts, cfg).tolist()
    assert a[0] == a[1] and a[2] == a[3] and a[4] == a[5] and len(set(a.tolist())) == 3
