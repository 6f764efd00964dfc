"""Partitions in separate processes against one warehouse (flywheel_assets.parallel + warehouse on DuckLake).

Content is real: the events the ingest stage parses from ``realdata/agent_runs_dev`` (recorded tau2-bench runs
over several days). Four days are written at once by four processes into one DuckLake (SQLite catalog, then a
real Postgres catalog) and compared with one process writing them one after another into the embedded DuckDB file;
and a writer SIGKILLed in the middle of partition replaces leaves each day whole (old or new), never half or twice.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flywheel_assets import warehouse
from flywheel_assets.parallel import PartitionOutcome, map_partitions

from .lake_fixtures import make_warehouse, postgres_server  # noqa: F401 - fixture

REPO = Path(__file__).resolve().parents[1]


def _square(day: str) -> PartitionOutcome:
    if day == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return PartitionOutcome(day, ok=True, seconds=float(int(day) ** 2))


def test_map_partitions_order_and_dead_worker():
    out = map_partitions(_square, ["3", "1", "2"], workers=2)
    assert [(o.day, o.ok, o.seconds) for o in out] == [("3", True, 9.0), ("1", True, 1.0), ("2", True, 4.0)]
    out = map_partitions(_square, ["die", "5"], workers=1)  # the run reports, it does not hang or raise
    assert out[0].ok is False and "died" in out[0].error
    assert all(o.day in ("die", "5") for o in out)


@pytest.fixture(scope="module")
def real_days(realdata, tmp_path_factory, pii_key):
    """{day: parquet of that day's normalized events}, four busiest days of the real agent runs."""
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths

    res = ingest_paths(realdata / "agent_runs_dev", IngestContext(key=pii_key))
    days = (res.events.group_by("event_date").len().sort(["len", "event_date"], descending=[True, False])
            ["event_date"].head(4).sort().to_list())
    assert len(days) == 4, "agent_runs_dev should span at least four days"
    root = tmp_path_factory.mktemp("real_days")
    out = {}
    for d in days:
        p = root / f"{d}.parquet"
        res.events.filter(pl.col("event_date") == d).write_parquet(p)
        out[d.isoformat()] = str(p)
    return out


def write_day(wh_value: str, lake_data: str | None, events_file: str, day: str) -> PartitionOutcome:
    """What a partition does to the warehouse: replace its day in a raw table and a derived one (twice: a re-run)."""
    t = time.monotonic()
    wh = warehouse.resolve(wh_value, lake_data)
    d = date.fromisoformat(day)
    events = pl.read_parquet(events_file)
    for _ in range(2):
        warehouse.replace_partition(wh, "normalized_events", events, d)
        per_session = (events.group_by("event_date", "session_id").agg(pl.len().alias("events"))
                       .sort("session_id"))
        warehouse.replace_partition(wh, "session_counts", per_session, d)
    return PartitionOutcome(day, True, seconds=time.monotonic() - t)


def _dump(wh) -> dict:
    return {t: warehouse.read_table(wh, t, order_by=order).to_dicts()
            for t, order in (("normalized_events", "event_id"), ("session_counts", "event_date, session_id"))}


def _concurrent(fn_files: dict, value: str, lake_data: str | None) -> None:
    days = sorted(fn_files)
    fn = functools.partial(_write_day_by_name, value, lake_data, fn_files)
    out = map_partitions(fn, days, workers=4)
    assert all(o.ok for o in out), [o.error for o in out]


def _write_day_by_name(value, lake_data, files, day):
    return write_day(value, lake_data, files[day], day)


@pytest.mark.realdata
@pytest.mark.parametrize("backend", ["ducklake-sqlite", "ducklake-postgres"])
def test_four_partitions_concurrently_equal_sequential(backend, real_days, tmp_path, request):
    seq_value, _ = make_warehouse("duckdb", tmp_path / "seq", request)
    (tmp_path / "seq").mkdir()
    for day in sorted(real_days):
        write_day(seq_value, None, real_days[day], day)
    expected = _dump(warehouse.resolve(seq_value))
    value, lake_data = make_warehouse(backend, tmp_path, request)
    _concurrent(real_days, value, lake_data)
    got = _dump(warehouse.resolve(value, lake_data))
    n_events = sum(pl.read_parquet(p).height for p in real_days.values())
    assert len(got["normalized_events"]) == len(expected["normalized_events"]) == n_events
    assert len({r["event_id"] for r in got["normalized_events"]}) == n_events  # nothing duplicated
    assert got == expected
    assert warehouse.partitions(warehouse.resolve(value, lake_data), "normalized_events") == \
        [date.fromisoformat(d) for d in sorted(real_days)]


KILL_WRITER = r"""
import sys, polars as pl
from datetime import date
from pathlib import Path
from flywheel_assets import warehouse
wh = warehouse.resolve(sys.argv[1], sys.argv[2])
events = pl.read_parquet(sys.argv[3]); d = date.fromisoformat(sys.argv[4])
big = pl.concat([events.with_columns(copy=pl.lit(i)) for i in range(20)])
i = 0
while True:
    warehouse.replace_partition(wh, "kill_events", big.with_columns(version=pl.lit(i)), d)
    i += 1
    Path(sys.argv[5]).write_text(str(i))
"""


@pytest.mark.realdata
@pytest.mark.parametrize("backend", ["ducklake-sqlite", "ducklake-postgres"])
def test_worker_killed_mid_write_loses_and_duplicates_nothing(backend, real_days, tmp_path, request):
    value, lake_data = make_warehouse(backend, tmp_path, request)
    wh = warehouse.resolve(value, lake_data)
    days = sorted(real_days)
    victim, other = days[0], days[1]
    other_events = pl.read_parquet(real_days[other]).with_columns(copy=pl.lit(0), version=pl.lit(-1))
    warehouse.replace_partition(wh, "kill_events", other_events, date.fromisoformat(other))
    rows_per_version = pl.read_parquet(real_days[victim]).height * 20
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    progress = tmp_path / "progress"
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", KILL_WRITER, value, lake_data, real_days[victim], victim,
                                 str(progress)], env=env, cwd=REPO)
        deadline = time.monotonic() + 240
        while not progress.exists() and time.monotonic() < deadline:  # at least one replace committed
            time.sleep(0.05)
        time.sleep(0.2 + 0.37 * round_)  # then kill it somewhere inside a later replace
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        progress.unlink(missing_ok=True)
        day_rows = warehouse.read_partition(wh, "kill_events", date.fromisoformat(victim))
        assert day_rows.height == rows_per_version, f"round {round_}: a partial or doubled partition"
        assert day_rows["version"].n_unique() == 1  # one whole replace, never a mix
        assert warehouse.read_partition(wh, "kill_events", date.fromisoformat(other)).height == other_events.height
    # the re-run after the crash replaces the day exactly once
    fresh = pl.read_parquet(real_days[victim]).with_columns(copy=pl.lit(0), version=pl.lit(99))
    warehouse.replace_partition(wh, "kill_events", fresh, date.fromisoformat(victim))
    counts = warehouse.query(wh, "SELECT event_date, count(*) AS n, count(DISTINCT event_id) AS u FROM kill_events "
                                 "GROUP BY 1 ORDER BY 1")
    assert counts["n"].to_list() == counts["u"].to_list() == [fresh.height, other_events.height]
