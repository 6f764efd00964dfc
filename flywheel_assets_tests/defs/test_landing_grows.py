"""Operating it as a user does: materialise a drop, then drop one more file for an existing day into the landing
directory and let the sensor run. The day and the exports grow by that file's records and never shrink; an
unchanged re-run skips everything; forget removes records from the derived tables and exports; a rebuild that
would drop rows is blocked unless forced."""

import json
from datetime import date

import dagster as dg
import pytest

from flywheel_assets import raw_zone, warehouse
from flywheel_assets.defs import build_definitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.forget import forget
from flywheel_assets.runner import run_pipeline

from ._landing import chat_line, write_day

DAY = "2026-11-18"
CFG = ("privacy:\n  presidio_ner: false\n  allow_list: [Acme]\ncurate:\n  coverage:\n    min_per_bucket: 0\n")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _counts(db) -> dict:
    out = {}
    for t in ("normalized_events", "training_units", "redacted_trajectories"):
        df = warehouse.query(db, f"SELECT event_date, count(*) AS n FROM {t} GROUP BY 1")
        out[t] = {d.isoformat(): n for d, n in df.iter_rows()}
    return out


def _export_rows(out) -> int:
    return sum(len(p.read_text().splitlines()) for p in (out / "sft").glob("*.jsonl"))


def _export_text(out) -> str:
    return "".join(p.read_text() for p in sorted(out.rglob("*.jsonl")))


def _distinct_questions(day: str, n: int, tag: str) -> list[str]:
    topics = ["export my invoices as CSV", "change the billing currency", "add a teammate to the workspace",
              "rotate the API token", "turn on two-factor login", "archive an old project"]
    return [chat_line(f"{tag}-{i}", f"{day}T1{i}:15:00Z", f"How can I {topics[i % len(topics)]} ({tag} {i})?",
                      f"Go to Settings, then follow the steps to {topics[i % len(topics)]}.", "up")
            for i in range(n)]


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "test-key")
    cfg = tmp_path / "flywheel.yaml"
    cfg.write_text(CFG)
    drop = tmp_path / "drop"
    write_day(drop, DAY, n=4)
    write_day(drop, "2026-11-19", n=3)
    return {"cfg": cfg, "drop": drop, "db": tmp_path / "wh" / "w.duckdb", "out": tmp_path / "out",
            "landing": tmp_path / "landing"}


def _run(env, logs, **kw):
    return run_pipeline(logs, warehouse=env["db"], out_dir=env["out"], config_path=env["cfg"],
                        echo=lambda *_: None, **kw)


def test_sensor_drop_grows_day_and_exports_and_forget_removes(env):
    db, out = env["db"], env["out"]
    first = _run(env, env["drop"])
    assert first.ok, (first.failed, first.checks_failed)
    before, rows_before = _counts(db), _export_rows(out)

    # an unchanged re-run skips every partition and the global assets, and says why
    again = _run(env, env["drop"])
    assert set(again.skipped) == {DAY, "2026-11-19", "global"} and again.ok
    assert _counts(db) == before and _export_rows(out) == rows_before

    # one new file for an existing day lands in the (separate) landing directory; the drop is archived away
    for p in env["drop"].rglob("*.jsonl"):
        p.unlink()
    new = env["landing"] / DAY / "second_drop.jsonl"
    new.parent.mkdir(parents=True)
    new.write_text("\n".join(_distinct_questions(DAY, 3, "new")) + "\n")
    res = FlywheelResource(config_path=str(env["cfg"]), logs_dir=str(env["landing"]), warehouse=str(db),
                           out_dir=str(out))
    defs = build_definitions(res)
    sensor = next(s for s in defs.sensors if s.name == "landing_sensor")
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"flywheel": res}) as ctx:
            tick = sensor(ctx)
        assert [r.partition_key for r in tick.run_requests] == [DAY]
        for req in tick.dynamic_partitions_requests:
            instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
        r = defs.resolve_job_def("daily_partition_job").execute_in_process(
            partition_key=DAY, instance=instance, tags=tick.run_requests[0].tags, run_config=QUIET)
        assert r.success
        raw_zone.mark_done(db, DAY)
        assert defs.resolve_job_def("global_assets_job").execute_in_process(instance=instance,
                                                                            run_config=QUIET).success
    after = _counts(db)
    assert after["normalized_events"][DAY] == before["normalized_events"][DAY] + 3 * 4  # grew by the file
    assert after["training_units"][DAY] == before["training_units"][DAY] + 3
    for table, days in before.items():  # no day of any table shrank
        assert all(after[table][d] >= n for d, n in days.items()), table
    assert _export_rows(out) > rows_before
    assert "(new 1)" in _export_text(out) and "(new 0)" in _export_text(out)  # the new file's records exported
    src = raw_zone.sources(db)
    assert sorted(src["origin"]) == ["cli", "cli", "landing"]

    # a deletion request for one session: after the next run it is gone from every derived table and the exports
    removed = forget(db, "session", "new-1", reason="deletion request")
    assert removed.rows_removed == 4
    third = _run(env, env["landing"])
    assert third.ok, (third.failed, third.checks_failed)
    assert DAY not in third.skipped and "2026-11-19" not in third.partitions  # only the touched day re-ran
    assert _counts(db)["normalized_events"][DAY] == after["normalized_events"][DAY] - 4
    assert warehouse.query(db, "SELECT count(*) AS n FROM training_units WHERE session_id = 'new-1'")["n"][0] == 0
    assert "(new 1)" not in _export_text(out) and "(new 0)" in _export_text(out)
    log = warehouse.read_table(db, "forget_log")
    assert log["scope"].to_list() == ["session"] and log["reason"].to_list() == ["deletion request"]


def test_rebuild_that_would_drop_rows_is_blocked_unless_forced(env):
    db = env["db"]
    assert _run(env, env["drop"], include_global=False).ok
    n = _counts(db)["normalized_events"][DAY]
    # records vanish from the raw zone without a forget (e.g. a damaged store): the rebuild must not shrink the day
    warehouse.execute(db, [("DELETE FROM raw_events WHERE event_date = ? AND session_id = ?",
                            [date(2026, 11, 18), f"{DAY}-s0"])])
    blocked = _run(env, env["drop"], partitions=[DAY], include_global=False)
    assert not blocked.ok and any("no_rows_dropped" in c for c in blocked.checks_failed)
    assert _counts(db)["normalized_events"][DAY] == n  # left as it was
    forced = _run(env, env["drop"], partitions=[DAY], include_global=False, force=True)
    assert forced.ok and _counts(db)["normalized_events"][DAY] == n - 4
