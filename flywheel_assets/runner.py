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

    out = {}
    with warehouse.connect(path, read_only=True) as con:
        for t in SUMMARY_TABLES:
            if warehouse.table_exists(con, t):
                out[t] = con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        # an empty drop leaves a placeholder curated_units table without the curation columns
        if warehouse.table_exists(con, "curated_units") and "kept" in con.sql("FROM curated_units LIMIT 0").columns:
            out["curated_kept"] = con.sql("SELECT count(*) FROM curated_units WHERE kept").fetchall()[0][0]
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


def run_pipeline(
    logs_dir: str | Path,
    *,
    warehouse: str | Path | None = None,
    out_dir: str | Path | None = None,
    config_path: str | Path | None = None,
    demo: bool = False,
    partitions: list[str] | None = None,
    include_global: bool = True,
    strict: bool = False,
    echo=print,
) -> RunSummary:
    import dagster as dg

    from flywheel_assets.defs import all_assets, all_checks
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.ingest import landing

    resource = FlywheelResource(
        config_path=str(config_path or ""), logs_dir=str(logs_dir), warehouse=str(warehouse or ""),
        out_dir=str(out_dir or ""), demo=demo,
    )
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
    summary = RunSummary(partitions=list(days), strict=strict)
    resources = {"flywheel": resource}
    quiet = {"loggers": {"console": {"config": {"log_level": os.environ.get("FLYWHEEL_DAGSTER_LOG_LEVEL", "WARNING")}}}}
    for i, day in enumerate(days, 1):
        t = time.monotonic()
        res = dg.materialize([*assets, *checks], selection=part_keys, partition_key=day, resources=resources,
                             instance=instance, raise_on_error=False, tags={"flywheel/trigger": "cli"},
                             run_config=quiet)
        if not res.success:
            summary.failed.append(day)
        echo(f"  [{i}/{len(days)}] partition {day}: {'ok' if res.success else 'FAILED'} ({time.monotonic() - t:.1f}s)")
        _report(summary, res, f"{day}:", echo)
    if include_global and glob_keys:
        t = time.monotonic()
        res = dg.materialize([*assets, *checks], selection=glob_keys, resources=resources, instance=instance,
                             raise_on_error=False, tags={"flywheel/trigger": "cli"}, run_config=quiet)
        if not res.success:
            summary.failed.append("global")
        echo(f"  global assets: {'ok' if res.success else 'FAILED'} ({time.monotonic() - t:.1f}s)")
        _report(summary, res, "", echo)
    summary.counts = warehouse_counts(resource.warehouse_path)
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
