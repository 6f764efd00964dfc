"""Jobs, the nightly schedule, the landing-directory sensor and the follow-up of global assets."""


import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg

from flywheel_assets import raw_zone
from flywheel_assets.defs.partitions import daily_partitions, earliest_date, ensure_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.ingest import landing

DAILY_JOB, GLOBAL_JOB = "daily_partition_job", "global_assets_job"
PENDING = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
           dg.DagsterRunStatus.STARTED)



def build_jobs(partitioned_keys: list, global_keys: list):
    # in-process executor: one process per run, not one per step. The multiprocess default re-imports the stack
    # and reloads the models (spaCy, embeddings) in every step's process, which is what made a sensor-launched
    # global run cost several times the same work inside `flywheel run`; the warehouse steps are serialised anyway.
    daily_job = dg.define_asset_job(
        DAILY_JOB,
        selection=dg.AssetSelection.assets(*partitioned_keys),
        partitions_def=daily_partitions,
        executor_def=dg.in_process_executor,
        description="Ingest, segment, redact and tag one event date (rebuilds that day from every source it had).",
    )
    global_job = dg.define_asset_job(
        GLOBAL_JOB,
        selection=dg.AssetSelection.assets(*global_keys),
        executor_def=dg.in_process_executor,
        description="Cross-day work over all partitions: dedup/curation, feedback, pairs, splits, exports.",
    )
    return daily_job, global_job


def build_schedules(daily_job, global_job):
    @dg.schedule(job=daily_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
                 name="nightly_partition_schedule", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="02:00 UTC: materialise yesterday's partition (added as a partition when it has "
                             "data; skipped otherwise); the global assets follow (global_after_partition sensor).")
    def nightly(context: dg.ScheduleEvaluationContext, flywheel: FlywheelResource):
        day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
        root = flywheel.logs_path
        if root.exists():
            raw_zone.register_drop(flywheel.warehouse_path, root, flywheel.ingest_context(), origin="schedule",
                                   overrides=flywheel.cfg().ingest.format_overrides, index_path=flywheel.index_path)
        if day not in raw_zone.ledger_days(flywheel.warehouse_path):
            return dg.SkipReason(f"no records for {day} in the raw zone")
        ensure_partitions(context.instance, [day])
        return dg.RunRequest(partition_key=day, run_key=f"nightly:{day}", tags={"flywheel/trigger": "nightly"})

    return [nightly]


def _cursor(context) -> dict:
    try:
        return json.loads(context.cursor) if context.cursor else {}
    except ValueError:
        return {}


def landing_run_requests(infos, cursor: dict, today: date | None = None):
    """Pure part of the sensor: which partition runs to launch for new/changed files, and the new cursor.

    Days before the partitions' start or after today are skipped (reported), never an error."""
    today = today or datetime.now(timezone.utc).date()
    start = earliest_date()
    changed = landing.changed(infos, cursor)
    days: dict[str, list[str]] = {}
    skipped: list[str] = []
    for f in changed:
        for d in f.dates:
            day = date.fromisoformat(d)
            if day < start or day > today:
                skipped.append(f"{f.rel}:{d}")
                continue
            days.setdefault(d, []).append(f.rel)
    requests = []
    for d, files in sorted(days.items()):
        fp = ",".join(sorted(f"{r}@{next(i.sha256 for i in infos if i.rel == r)[:12]}" for r in files))
        requests.append(dg.RunRequest(partition_key=d, run_key=f"landing:{d}:{dg_hash(fp)}",
                                      tags={"flywheel/trigger": "landing", "flywheel/files": str(len(files))}))
    new_cursor = {f.rel: f.fingerprint for f in infos}
    return requests, new_cursor, skipped


def dg_hash(s: str) -> str:
    import hashlib

    return hashlib.sha256(s.encode()).hexdigest()[:16]


def build_sensors(daily_job, global_job):
    @dg.sensor(job=daily_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Watches FLYWHEEL_LOG_DIR; stores every new file in the raw zone (parsed once) and launches "
                           "a partition run for every day a new or changed file touches (cursor: file -> size, "
                           "mtime, sha256). A run rebuilds its day from every source the day ever had.")
    def landing_sensor(context: dg.SensorEvaluationContext, flywheel: FlywheelResource):
        from flywheel_assets.warehouse import private_dir

        root = private_dir(flywheel.logs_path)  # created on first tick, so set-up needs no extra step
        cfg = flywheel.cfg()
        infos, reg = raw_zone.register_drop(flywheel.warehouse_path, root, flywheel.ingest_context(),
                                            origin="landing", overrides=cfg.ingest.format_overrides,
                                            index_path=flywheel.index_path)
        if reg.new_files:
            context.log.info(f"stored {len(reg.new_files)} new files in the raw zone: {reg.new_files[:10]}")
        if reg.forgotten_seen:
            context.log.warning(f"ignored {len(reg.forgotten_seen)} forgotten files: {reg.forgotten_seen[:10]}")
        requests, new_cursor, skipped = landing_run_requests(infos, _cursor(context))
        if skipped:
            context.log.warning(f"skipped {len(skipped)} file-days outside the partition range: {skipped[:10]}")
        cursor = json.dumps(new_cursor, sort_keys=True)
        if not requests:
            return dg.SensorResult(skip_reason="no new or changed files", cursor=cursor)
        add = daily_partitions.build_add_request(sorted({r.partition_key for r in requests}))
        return dg.SensorResult(run_requests=requests, cursor=cursor, dynamic_partitions_requests=[add])

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[daily_job],
                          request_job=global_job, default_status=dg.DefaultSensorStatus.RUNNING,
                          description="After a partition run succeeds, record its day as done (skip-unchanged) and "
                                      "rebuild the global assets once no other partition run is pending.")
    def global_after_partition(context: dg.RunStatusSensorContext, flywheel: FlywheelResource):
        run = context.dagster_run
        if run.tags.get("flywheel/trigger") == "cli":
            return dg.SkipReason("flywheel run launches its own global run")
        day = run.tags.get("dagster/partition")
        if day:
            raw_zone.mark_done(flywheel.warehouse_path, day)
        pending = context.instance.get_run_records(
            dg.RunsFilter(job_name=DAILY_JOB, statuses=list(PENDING)), limit=1)
        if pending:
            return dg.SkipReason("other partition runs are pending; the last one to finish starts the global run")
        return dg.RunRequest(run_key=f"global-after:{run.run_id}")

    return [landing_sensor, global_after_partition]
