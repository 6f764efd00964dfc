"""The asset graph materialised in-process over two daily partitions; re-running a day replaces it."""

from datetime import date

import pytest

from flywheel_assets import warehouse
from flywheel_assets.runner import run_pipeline

from ._landing import write_day


@pytest.fixture()
def landing(tmp_path):
    root = tmp_path / "landing"
    write_day(root, "2026-11-18", n=4)
    write_day(root, "2026-11-19", n=3, extra_lines=['{"messages": [truncated'])
    return root


def _count(db, table, day):
    return warehouse.query(db, f"SELECT count(*) AS n FROM {table} WHERE event_date = ?", [day])["n"][0]


def test_two_partitions_then_idempotent_rerun(tmp_path, landing, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "test-key")
    db = tmp_path / "w.duckdb"
    out = tmp_path / "out"
    summary = run_pipeline(landing, warehouse=db, out_dir=out, include_global=False, echo=lambda *_: None)
    assert summary.partitions == ["2026-11-18", "2026-11-19"]
    assert not summary.failed, summary
    d1, d2 = date(2026, 11, 18), date(2026, 11, 19)
    assert _count(db, "training_units", d1) == 4 and _count(db, "training_units", d2) == 3
    assert _count(db, "normalized_events", d1) == 4 * 4  # system, user, assistant, feedback
    assert _count(db, "quarantined_records", d2) == 1
    q = warehouse.read_table(db, "quarantined_records")
    assert q["reason"].to_list() == ["invalid_json"] and q["source_line"].to_list() == [4]
    before = warehouse.read_table(db, "normalized_events", order_by="event_id")
    # re-materialise one day: replaced, not duplicated
    run_pipeline(landing, warehouse=db, out_dir=out, partitions=["2026-11-19"], include_global=False,
                 echo=lambda *_: None)
    after = warehouse.read_table(db, "normalized_events", order_by="event_id")
    assert before.equals(after)
    assert _count(db, "training_units", d2) == 3


def test_missing_key_fails_outside_demo(tmp_path, landing, monkeypatch):
    from flywheel_assets.keys import MissingKeyError

    monkeypatch.delenv("FLYWHEEL_PII_KEY", raising=False)
    monkeypatch.delenv("FLYWHEEL_DEMO", raising=False)
    with pytest.raises(MissingKeyError):
        run_pipeline(landing, warehouse=tmp_path / "w.duckdb", include_global=False, echo=lambda *_: None)
