"""Sensor (cursor over new, changed and late files; unknown/future days never fail a tick) and nightly schedule."""

import json
import os
from datetime import date, datetime, timezone

import dagster as dg

from flywheel_assets.defs import build_definitions
from flywheel_assets.defs.automation import landing_run_requests
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.ingest import landing
from flywheel_assets.ingest.context import IngestContext

from ._landing import chat_line, write_day


def _sensor(defs, name):
    return next(s for s in defs.sensors if s.name == name)


def test_landing_sensor_cursor_new_changed_late_and_future(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "k")
    root = tmp_path / "landing"
    write_day(root, "2026-11-18", n=2)
    res = FlywheelResource(logs_dir=str(root), warehouse=str(tmp_path / "w.duckdb"))
    defs = build_definitions(res)
    sensor = _sensor(defs, "landing_sensor")
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"flywheel": res}) as ctx:
            r1 = sensor(ctx)
        assert [rr.partition_key for rr in r1.run_requests] == ["2026-11-18"]
        cursor = r1.cursor
        # nothing new -> no runs
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"flywheel": res}) as ctx:
            r2 = sensor(ctx)
        assert not r2.run_requests
        # a changed file (appended session) and a late multi-day file touching the previous day
        p = root / "2026-11-18" / "chatlog_a.jsonl"
        p.write_text(p.read_text() + chat_line("late-1", "2026-11-18T23:59:00Z", "q?", "a.") + "\n")
        late = root / "2026-11-19" / "late.jsonl"
        late.parent.mkdir(parents=True)
        late.write_text(chat_line("x1", "2026-11-17T08:00:00Z", "old q", "old a") + "\n"
                        + chat_line("x2", "2026-11-19T08:00:00Z", "new q", "new a") + "\n"
                        + chat_line("x3", "2099-01-01T08:00:00Z", "future", "future") + "\n")
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"flywheel": res}) as ctx:
            r3 = sensor(ctx)
        keys = sorted(rr.partition_key for rr in r3.run_requests)
        assert keys == ["2026-11-17", "2026-11-18", "2026-11-19"]  # 2099 skipped, no failure
        assert set(json.loads(r3.cursor)) == {"2026-11-18/chatlog_a.jsonl", "2026-11-19/late.jsonl"}


def test_run_requests_are_keyed_by_content(tmp_path):
    root = tmp_path / "l"
    write_day(root, "2026-11-18", n=1)
    infos = landing.scan(root, IngestContext(key=b"k"))
    reqs, cur, skipped = landing_run_requests(infos, {}, today=date(2026, 11, 20))
    reqs2, _, _ = landing_run_requests(infos, {}, today=date(2026, 11, 20))
    assert [r.run_key for r in reqs] == [r.run_key for r in reqs2] and not skipped
    reqs3, _, skipped3 = landing_run_requests(infos, {}, today=date(2026, 11, 1))  # the day is in the future
    assert not reqs3 and skipped3


def test_nightly_schedule_targets_yesterday_when_it_has_data(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "k")
    root = tmp_path / "landing"
    write_day(root, "2026-11-20", n=1)
    res = FlywheelResource(logs_dir=str(root), warehouse=str(tmp_path / "w.duckdb"))
    defs = build_definitions(res)
    sched = next(s for s in defs.schedules if s.name == "nightly_partition_schedule")
    assert sched.cron_schedule == "0 2 * * *"
    with dg.instance_for_test() as instance:
        def tick(when):
            with dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                           scheduled_execution_time=when, resources={"flywheel": res}) as ctx:
                return sched.evaluate_tick(ctx)

        reqs = list(tick(datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)).run_requests)
        assert [r.partition_key for r in reqs] == ["2026-11-20"]
        assert "2026-11-20" in instance.get_dynamic_partitions("event_date")  # the day became a partition
        empty = tick(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))  # no records of 2026-11-22: no run
        assert not empty.run_requests and "2026-11-22" not in instance.get_dynamic_partitions("event_date")


def test_definitions_expose_jobs_schedules_sensors():
    from flywheel_assets.definitions import defs

    assert {j.name for j in defs.jobs} >= {"daily_partition_job", "global_assets_job"}
    assert {s.name for s in defs.sensors} == {"landing_sensor", "global_after_partition"}
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"normalized_events", "quarantined_records", "training_units"} <= keys
