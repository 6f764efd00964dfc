"""Reuse of last run's redaction on a re-run day (privacy/reuse.py): only changed sessions are redacted again and
the day's rows, audit, review sample and residual result equal a from-scratch redaction. Real units: a small drop
of real logs (tau-bench, Langfuse traces, OASST) ingested and segmented as the pipeline does."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from flywheel_assets import warehouse
from flywheel_assets.privacy import reuse
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.redact import redact_units, unit_texts
from flywheel_assets.privacy.residual import residual_scan

pytestmark = pytest.mark.realdata
DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def real_units(realdata, tmp_path_factory, pii_key):
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.segment.units import segment_events
    from flywheel_assets_tests.acceptance.realdrops import build_drop

    root = tmp_path_factory.mktemp("drop")
    build_drop(realdata, root, {"tau_bench_demos": 3, "langfuse_framework_traces": 6, "oasst_feedback": 8})
    units = segment_events(ingest_paths(root, IngestContext(key=pii_key)).events)
    units = units.with_columns(pl.lit(DAY).alias("event_date")).sort("unit_id")
    assert units["session_id"].n_unique() >= 8
    return units


def _change_one_session(units: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """The same units with one more user turn (new PII) in the last unit of one session."""
    sid = sorted(units["session_id"].unique().to_list())[1]
    uid = units.filter(pl.col("session_id") == sid)["unit_id"].max()
    row = units.filter(pl.col("unit_id") == uid).to_dicts()[0]
    msgs = json.loads(row["messages"])
    msgs.append({**msgs[-1], "role": "user", "content": "Thanks! Please also email the receipt to "
                                                        "dana.whitmore@example.org, my name is Dana Whitmore.",
                 "tool_calls": None, "tool_call_id": None})
    changed = units.with_columns(pl.when(pl.col("unit_id") == uid).then(pl.lit(json.dumps(msgs)))
                                 .otherwise(pl.col("messages")).alias("messages"))
    return changed, sid


def _assert_same(day: reuse.DayRedaction, full) -> None:
    assert day.units.equals(full.units)
    assert day.audit.equals(full.audit)
    assert day.review_sample.equals(full.review_sample)
    assert day.by_type == full.summary["by_type"]


def test_rerun_day_redacts_only_the_changed_session(real_units, pii_key, tmp_path):
    cfg = PrivacyConfig()
    fp = reuse.fingerprint(cfg)
    empty = reuse.load_state(None, fp)
    first = reuse.redact_day(real_units, cfg, pii_key, empty, lambda ids: pl.DataFrame(), fp)
    n_sessions = real_units["session_id"].n_unique()
    assert (first.redacted_sessions, first.reused_sessions) == (n_sessions, 0)
    _assert_same(first, redact_units(real_units, cfg, pii_key))
    assert first.by_type  # real logs carry PII: the comparison is not between empty results

    # last run's rows and state go through the warehouse, as in the asset
    wh = tmp_path / "w.duckdb"
    warehouse.replace_partition(wh, "redacted_trajectories", first.units, DAY)
    warehouse.replace_partition(wh, reuse.TABLE, reuse.state_frame(DAY, fp, first.sessions, {}, None), DAY)
    stored = reuse.load_state(warehouse.read_partition(wh, reuse.TABLE, DAY), fp)

    changed, sid = _change_one_session(real_units)
    second = reuse.redact_day(changed, cfg, pii_key, stored,
                              lambda ids: warehouse.read_partition(wh, "redacted_trajectories", DAY), fp)
    assert (second.redacted_sessions, second.reused_sessions) == (1, n_sessions - 1)
    full = redact_units(changed, cfg, pii_key)
    _assert_same(second, full)
    # the changed session's new PII is redacted, and nothing stored holds raw text
    assert "Whitmore" not in "".join(second.units["messages"].to_list())
    state = reuse.state_frame(DAY, fp, second.sessions, {}, None)
    assert not state.filter(pl.col("payload").str.contains("Whitmore|dana.whitmore")).height
    assert sid not in "".join(state["item"].to_list())


def test_no_reuse_under_another_key_or_config(real_units, pii_key):
    cfg = PrivacyConfig()
    fp = reuse.fingerprint(cfg)
    d1 = reuse.session_digests(real_units, pii_key, fp)
    assert d1 == reuse.session_digests(real_units, pii_key, fp)
    assert not set(d1.values()) & set(reuse.session_digests(real_units, pii_key + b"x", fp).values())
    fp2 = reuse.fingerprint(PrivacyConfig(review_per_type=6))
    assert fp2 != fp
    assert not set(d1.values()) & set(reuse.session_digests(real_units, pii_key, fp2).values())
    # rows stored under another fingerprint are ignored
    first = reuse.redact_day(real_units.head(4), cfg, pii_key, reuse.load_state(None, fp), lambda ids: pl.DataFrame(),
                             fp)
    state = reuse.state_frame(DAY, fp, first.sessions, {}, None)
    assert reuse.load_state(state, fp)["session"] and not reuse.load_state(state, fp2)["session"]


def test_residual_scan_with_a_partial_cache_equals_a_cold_scan(real_units, pii_key):
    cfg = PrivacyConfig(residual_max_chars=20_000)
    texts = unit_texts(redact_units(real_units, cfg, pii_key).units)
    cold_cache = reuse.UsedCache()
    cold = residual_scan(texts, cfg, cache=cold_cache)
    assert cold == residual_scan(texts, cfg)
    kept = cold_cache.kept_entries()
    assert kept and set(kept) == cold_cache.used
    half = reuse.UsedCache({k: v for i, (k, v) in enumerate(sorted(kept.items())) if i % 2})
    assert residual_scan(texts, cfg, cache=half) == cold
    assert set(half.kept_entries()) == set(kept)  # the misses were added, the sample is what is kept


def test_state_of_a_day_takes_sessions_of_that_day_and_residual_results_of_any_day():
    fp = "f" * 32
    d1 = reuse.state_frame(date(2026, 11, 19), fp, {"s-a": {"units": ["u1"], "audit": {}, "review": []}},
                           {"t1": {"hits": [], "suspect": 0, "examples": []}}, ("p1", {"leaks": []}))
    d2 = reuse.state_frame(date(2026, 11, 20), fp, {"s-b": {"units": ["u2"], "audit": {}, "review": []}},
                           {"t2": {"hits": ["PERSON"], "suspect": 4, "examples": []}}, None)
    got = reuse.load_state(pl.concat([d1, d2]), fp, date(2026, 11, 20))
    assert set(got["session"]) == {"s-b"} and not got["probe"]
    assert set(got["residual"]) == {"t1", "t2"}
    assert reuse.load_state(pl.concat([d1, d2]), "other", date(2026, 11, 20)) == {"session": {}, "residual": {},
                                                                                   "probe": {}}
