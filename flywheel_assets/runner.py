"""Run the whole asset graph in-process (what `flywheel run` does): store the drop's new files in the raw zone
(parsed once), run the named `daily_partition_job` for every day whose input changed (skipping unchanged days,
unless forced), then `global_assets_job` once. Uses the persistent Dagster instance when DAGSTER_HOME is set (so
runs show up in the UI under those jobs, with partition tags), else an ephemeral one."""

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
    skipped: dict = field(default_factory=dict)  # partition (or "global") -> why it was not re-run
    failed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)  # failed blocking checks
    warnings: list[str] = field(default_factory=list)  # failed non-blocking (WARN) checks
    messages: list[str] = field(default_factory=list)  # one line per failure / warning (run_report)
    strict: bool = False  # warnings fail the run
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.checks_failed and not (self.strict and self.warnings)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


SUMMARY_TABLES = ("normalized_events", "quarantined_records", "training_units", "redacted_trajectories",
                  "curated_units", "preference_pairs", "sft_dataset", "dpo_dataset")


def warehouse_counts(path) -> dict:
    """Row counts of the main tables (absent tables are skipped)."""
    from flywheel_assets import warehouse

    def work(con) -> dict:
        out = {}
        for t in SUMMARY_TABLES:
            if warehouse.table_exists(con, t):
                out[t] = con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        # an empty drop leaves a placeholder curated_units table without the curation columns
        if warehouse.table_exists(con, "curated_units") and "kept" in con.sql("FROM curated_units LIMIT 0").columns:
            out["curated_kept"] = con.sql("SELECT count(*) FROM curated_units WHERE kept").fetchall()[0][0]
        return out

    out = warehouse.read_with(path, work)
    return out


def _report(summary: RunSummary, res, prefix: str, echo) -> list[str]:
    """Classify the result's checks (run_report), record them in the summary, echo one line each."""
    from flywheel_assets.run_report import classify

    rep = classify(res)
    summary.checks_failed += [prefix + c for c in rep.failures]
    summary.warnings += [prefix + c for c in rep.warnings]
    for line in rep.lines:
        summary.messages.append(prefix + line if prefix else line)
        echo(f"    {prefix}{line}")
    return rep.failures


def partition_worker(resource_kwargs: dict, day: str):
    """One partition in a worker process of ``flywheel run --workers N`` (flywheel_assets.parallel): the same
    ``daily_partition_job`` the in-process path runs, its checks classified by run_report."""
    if resource_kwargs.get("warehouse"):  # before the definitions load: they pick the pool for this backend
        os.environ["FLYWHEEL_WAREHOUSE"] = resource_kwargs["warehouse"]
    import dagster as dg

    from flywheel_assets.defs import build_definitions
    from flywheel_assets.defs.automation import DAILY_JOB
    from flywheel_assets.defs.partitions import ensure_partitions
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.parallel import PartitionOutcome
    from flywheel_assets.run_report import classify

    t = time.monotonic()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with instance:
        ensure_partitions(instance, [day])
        job = build_definitions(FlywheelResource(**resource_kwargs)).resolve_job_def(DAILY_JOB)
        res = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                     tags={"flywheel/trigger": "cli"}, run_config=_quiet())
    rep = classify(res)
    return PartitionOutcome(day, res.success, rep.failures, time.monotonic() - t,
                            warnings=rep.warnings, lines=rep.lines)


def _quiet() -> dict:
    return {"loggers": {"console": {"config": {"log_level": os.environ.get("FLYWHEEL_DAGSTER_LOG_LEVEL", "WARNING")}}}}


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
    strict: bool = False,
    force: bool = False,
    echo=print,
) -> RunSummary:
    import dagster as dg

    from flywheel_assets import raw_zone
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.ingest import landing

    resource_kwargs = dict(config_path=str(config_path or ""), logs_dir=str(logs_dir), warehouse=str(warehouse or ""),
                           out_dir=str(out_dir or ""), demo=demo, force=force, lake_data=str(lake_data or ""))
    resource = FlywheelResource(**resource_kwargs)
    t0 = time.monotonic()
    wh = resource.warehouse_path
    cfg = resource.cfg()
    infos, reg = raw_zone.register_drop(wh, resource.logs_path, resource.ingest_context(), origin="cli",
                                        overrides=cfg.ingest.format_overrides, index_path=resource.index_path)
    salt = raw_zone.run_salt(cfg, resource.key())
    fps = raw_zone.fingerprints(wh, salt)
    states = raw_zone.partition_states(wh)
    if partitions:
        wanted = list(partitions)
    else:  # the drop's days, plus ledger days whose last run did not finish or whose records changed (forget)
        wanted = sorted(set(landing.all_dates(infos))
                        | {d for d in fps if states.get(d, {}).get("done_fingerprint") != fps[d]})
    days, skipped = [], {}
    for d in wanted:
        done = states.get(d, {}).get("done_fingerprint")
        if not force and done and done == fps.get(d):
            skipped[d] = "inputs and config unchanged since its last successful run"
        else:
            days.append(d)
    echo(f"flywheel: {len(infos)} files in {resource.logs_path} ({len(reg.new_files)} new, stored in the raw "
         f"zone), {len(wanted)} partitions ({len(skipped)} unchanged, skipped), warehouse {wh}")
    if skipped:
        echo(f"  skipped (unchanged inputs + config; --force re-runs them): {', '.join(sorted(skipped))}")
    if reg.copies_seen:
        echo(f"  {len(reg.copies_seen)} files are byte-identical copies of files already in the raw zone, whose "
             f"records are stored once: {', '.join(reg.copies_seen[:5])}")
    if reg.forgotten_seen:
        echo(f"  ignored {len(reg.forgotten_seen)} forgotten files: {', '.join(reg.forgotten_seen[:5])}")
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with instance:  # resolve the jobs against this instance's state storage, not whatever another caller left set
        summary = _execute(resource, instance, days, wanted, skipped, salt, force, include_global, echo, strict,
                           workers, resource_kwargs)
    summary.counts = warehouse_counts(wh)
    echo("  " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()))
    from flywheel_assets.run_report import nothing_to_export

    if (note := nothing_to_export(summary.counts)):
        echo(f"  {note}")
    summary.seconds = time.monotonic() - t0
    verdict = "OK" if summary.ok else "FAILED"
    if summary.warnings:
        verdict += f" ({len(summary.warnings)} warning{'s' * (len(summary.warnings) != 1)}"
        verdict += ", --strict: warnings fail the run)" if strict else ")"
    echo(f"flywheel: done in {summary.seconds:.1f}s -> {verdict}")
    return summary


def failed_partitions(summary: RunSummary) -> list[str]:
    """Days whose daily job failed (a step or a blocking check; warnings do not count), sorted."""
    days = set(summary.failed) | {c.split(":", 1)[0] for c in summary.checks_failed if ":" in c}
    return sorted(d for d in days if d != "global")


def _execute(resource, instance, days, wanted, skipped, salt, force, include_global, echo, strict, workers=1,
             resource_kwargs=None) -> RunSummary:
    """The named jobs, in-process: daily_partition_job per changed day, then global_assets_job."""
    from flywheel_assets import raw_zone
    from flywheel_assets.defs import build_definitions
    from flywheel_assets.defs.automation import DAILY_JOB, GLOBAL_JOB
    from flywheel_assets.defs.partitions import ensure_partitions

    wh = resource.warehouse_path
    defs = build_definitions(resource)
    daily_job, global_job = defs.resolve_job_def(DAILY_JOB), defs.resolve_job_def(GLOBAL_JOB)
    ensure_partitions(instance, days)
    summary = RunSummary(partitions=list(wanted), skipped=skipped, strict=strict)
    quiet = _quiet()
    if workers > 1:  # partitions at once in worker processes (a multi-writer DuckLake, or the file lock queues them)
        from functools import partial

        from flywheel_assets.parallel import map_partitions

        def done(o):
            summary.checks_failed.extend(f"{o.day}:{c}" for c in o.failed_checks)
            summary.warnings.extend(f"{o.day}:{c}" for c in o.warnings)
            if o.ok:
                raw_zone.mark_done(wh, o.day)
            else:
                summary.failed.append(o.day)
            echo(f"  partition {o.day}: {'ok' if o.ok else 'FAILED'} ({o.seconds:.1f}s){' ' + o.error if o.error else ''}")
            for line in o.lines:
                summary.messages.append(f"{o.day}:{line}")
                echo(f"    {o.day}:{line}")

        echo(f"  {len(days)} partitions, {workers} worker processes")
        map_partitions(partial(partition_worker, resource_kwargs), list(days), workers, on_done=done)
    for i, day in enumerate(days if workers <= 1 else [], 1):
        t = time.monotonic()
        res = daily_job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                           tags={"flywheel/trigger": "cli"}, run_config=quiet)
        if not res.success:
            summary.failed.append(day)
        else:
            raw_zone.mark_done(wh, day)
        echo(f"  [{i}/{len(days)}] partition {day}: {'ok' if res.success else 'FAILED'} ({time.monotonic() - t:.1f}s)")
        _report(summary, res, f"{day}:", echo)
    gfp = raw_zone.global_fingerprint(wh, salt)
    if include_global and (broken := failed_partitions(summary)):
        # global assets read every partition: on a day whose step or blocking check failed they would build
        # pairs / splits / exports from partial data, so they wait for a run where every partition passed
        summary.skipped["global"] = f"not run: partition(s) {', '.join(broken)} failed"
        echo(f"  global assets: NOT RUN - partition(s) {', '.join(broken)} failed (a step or blocking check); "
             f"global assets would read their partial data. Fix the failure and re-run.")
    elif include_global and not force and not days and raw_zone.run_state(wh, GLOBAL_JOB) == gfp:
        summary.skipped["global"] = "no partition changed since the last successful global run"
        echo("  global assets: skipped (no partition changed since their last successful run)")
    elif include_global:
        t = time.monotonic()
        res = global_job.execute_in_process(instance=instance, raise_on_error=False,
                                            tags={"flywheel/trigger": "cli"}, run_config=quiet)
        if not res.success:
            summary.failed.append("global")
        elif not summary.failed:
            raw_zone.set_run_state(wh, GLOBAL_JOB, gfp)
        echo(f"  global assets: {'ok' if res.success else 'FAILED'} ({time.monotonic() - t:.1f}s)")
        _report(summary, res, "", echo)
    return summary
