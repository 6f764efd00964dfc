"""Jobs, the nightly schedule, the landing-directory sensor and the follow-up of global assets."""


import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg

from flywheel_assets.defs.partitions import daily_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.ingest import landing



def build_jobs(partitioned_keys: list, global_keys: list):
    daily_job = dg.define_asset_job(
        "daily_partition_job",
        selection=dg.AssetSelection.assets(*partitioned_keys),
        partitions_def=daily_partitions,
        description="Ingest, segment, redact and tag one event date (replaces that day).",
    )
    global_job = dg.define_asset_job(
        "global_assets_job",
        selection=dg.AssetSelection.assets(*global_keys),
        description="Cross-day work over all partitions: dedup/curation, feedback, pairs, splits, exports.",
    )
    return daily_job, global_job


def build_schedules(daily_job, global_job):
    @dg.schedule(job=daily_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
                 name="nightly_partition_schedule", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="02:00 UTC: materialise yesterday's partition; the global assets follow "
                             "(global_after_partition sensor).")
    def nightly(context: dg.ScheduleEvaluationContext):
        day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
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
    start = daily_partitions.start.date()
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
               description="Watches FLYWHEEL_LOG_DIR; launches a partition run for every day a new or changed "
                           "file touches (cursor: file -> size, mtime, sha256).")
    def landing_sensor(context: dg.SensorEvaluationContext, flywheel: FlywheelResource):
        root = flywheel.logs_path
        if not root.exists():
            return dg.SkipReason(f"landing directory {root} does not exist")
        ctx = flywheel.ingest_context()
        infos = landing.scan(root, ctx, flywheel.index_path, flywheel.cfg().ingest.format_overrides)
        requests, new_cursor, skipped = landing_run_requests(infos, _cursor(context))
        if skipped:
            context.log.warning(f"skipped {len(skipped)} file-days outside the partition range: {skipped[:10]}")
        if not requests:
            return dg.SensorResult(skip_reason="no new or changed files", cursor=json.dumps(new_cursor, sort_keys=True))
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor, sort_keys=True))

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[daily_job],
                          request_job=global_job, default_status=dg.DefaultSensorStatus.RUNNING,
                          description="After a partition run succeeds, rebuild the global assets from all partitions.")
    def global_after_partition(context: dg.RunStatusSensorContext):
        return dg.RunRequest(run_key=f"global-after:{context.dagster_run.run_id}")

    return [landing_sensor, global_after_partition]
