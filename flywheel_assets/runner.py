"""Run the whole asset graph in-process (what `flywheel run` does): every partition found in the landing
directory, then the global assets once. Uses the persistent Dagster instance when DAGSTER_HOME is set (so runs
show up in the UI), else an ephemeral one."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    partitions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.checks_failed


SUMMARY_TABLES = ("normalized_events", "quarantined_records", "training_units", "redacted_trajectories",
                  "curated_units", "preference_pairs", "sft_dataset", "dpo_dataset")


def warehouse_counts(path) -> dict:
    """Row counts of the main tables (absent tables are skipped)."""
    from flywheel_assets import warehouse

    out = {}
    with warehouse.connect(path, read_only=True) as con:
        for t in SUMMARY_TABLES:
            if warehouse.table_exists(con, t):
                out[t] = con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        if warehouse.table_exists(con, "curated_units"):
            out["curated_kept"] = con.sql("SELECT count(*) FROM curated_units WHERE kept").fetchall()[0][0]
    return out


def _check_failures(result) -> list[str]:
    out = []
    for ev in result.get_asset_check_evaluations():
        if not ev.passed:
            out.append(f"{ev.asset_key.to_user_string()}:{ev.check_name}")
    return out


def partition_worker(resource_kwargs: dict, day: str):
    """One partition in a worker process of ``flywheel run --workers N`` (flywheel_assets.parallel)."""
    if resource_kwargs.get("warehouse"):  # before the definitions load: they pick the pool for this backend
        os.environ["FLYWHEEL_WAREHOUSE"] = resource_kwargs["warehouse"]
    import dagster as dg

    from flywheel_assets.defs import all_assets, all_checks
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.parallel import PartitionOutcome

    t = time.monotonic()
    assets = all_assets()
    part_keys = [k for a in assets if a.partitions_def is not None for k in a.keys]
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": os.environ.get("FLYWHEEL_DAGSTER_LOG_LEVEL", "WARNING")}}}}
    res = dg.materialize([*assets, *all_checks()], selection=part_keys, partition_key=day,
                         resources={"flywheel": FlywheelResource(**resource_kwargs)}, instance=instance,
                         raise_on_error=False, tags={"flywheel/trigger": "cli"}, run_config=quiet)
    return PartitionOutcome(day, res.success, _check_failures(res), time.monotonic() - t)


def run_pipeline(
    logs_dir: str | Path,
    *,
    warehouse: str | Path | None = None,
    lake_data: str | Path | None = None,
    workers: int = 1,
    out_dir: str | Path | None = None,
    config_path: str | Path | None = None,
    demo: bool = False,
    partitions: list[str] | None = None,
    include_global: bool = True,
    echo=print,
) -> RunSummary:
    import dagster as dg

    from flywheel_assets.defs import all_assets, all_checks
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.ingest import landing

    resource_kwargs = dict(config_path=str(config_path or ""), logs_dir=str(logs_dir), warehouse=str(warehouse or ""),
                           out_dir=str(out_dir or ""), demo=demo, lake_data=str(lake_data or ""))
    resource = FlywheelResource(**resource_kwargs)
    t0 = time.monotonic()
    infos = landing.scan(resource.logs_path, resource.ingest_context(), resource.index_path,
                         resource.cfg().ingest.format_overrides)
    days = partitions or landing.all_dates(infos)
    echo(f"flywheel: {len(infos)} files in {resource.logs_path}, {len(days)} partitions, "
         f"warehouse {resource.warehouse_path}")
    assets = all_assets()
    checks = all_checks()
    part_keys = [k for a in assets if a.partitions_def is not None for k in a.keys]
    glob_keys = [k for a in assets if a.partitions_def is None for k in a.keys]
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    summary = RunSummary(partitions=list(days))
    resources = {"flywheel": resource}
    quiet = {"loggers": {"console": {"config": {"log_level": os.environ.get("FLYWHEEL_DAGSTER_LOG_LEVEL", "WARNING")}}}}
    if workers > 1:  # partitions at once in worker processes (a multi-writer DuckLake, or the file lock queues them)
        from functools import partial

        from flywheel_assets.parallel import map_partitions

        def done(o):
            summary.checks_failed.extend(f"{o.day}:{c}" for c in o.failed_checks)
            summary.failed.extend([] if o.ok else [o.day])
            echo(f"  partition {o.day}: {'ok' if o.ok else 'FAILED'} ({o.seconds:.1f}s){' ' + o.error if o.error else ''}"
                 f"{' checks failed: ' + ', '.join(o.failed_checks) if o.failed_checks else ''}")

        echo(f"  {len(days)} partitions, {workers} worker processes")
        map_partitions(partial(partition_worker, resource_kwargs), list(days), workers, on_done=done)
    for i, day in enumerate(days if workers <= 1 else [], 1):
        t = time.monotonic()
        res = dg.materialize([*assets, *checks], selection=part_keys, partition_key=day, resources=resources,
                             instance=instance, raise_on_error=False, tags={"flywheel/trigger": "cli"},
                             run_config=quiet)
        failed = _check_failures(res)
        summary.checks_failed += [f"{day}:{c}" for c in failed]
        if not res.success:
            summary.failed.append(day)
        echo(f"  [{i}/{len(days)}] partition {day}: {'ok' if res.success else 'FAILED'} "
             f"({time.monotonic() - t:.1f}s){' checks failed: ' + ', '.join(failed) if failed else ''}")
    if include_global and glob_keys:
        t = time.monotonic()
        res = dg.materialize([*assets, *checks], selection=glob_keys, resources=resources, instance=instance,
                             raise_on_error=False, tags={"flywheel/trigger": "cli"}, run_config=quiet)
        failed = _check_failures(res)
        summary.checks_failed += failed
        if not res.success:
            summary.failed.append("global")
        echo(f"  global assets: {'ok' if res.success else 'FAILED'} ({time.monotonic() - t:.1f}s)"
             f"{' checks failed: ' + ', '.join(failed) if failed else ''}")
    summary.counts = warehouse_counts(resource.warehouse_path)
    echo("  " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()))
    summary.seconds = time.monotonic() - t0
    echo(f"flywheel: done in {summary.seconds:.1f}s -> {'OK' if summary.ok else 'FAILED'}")
    return summary
