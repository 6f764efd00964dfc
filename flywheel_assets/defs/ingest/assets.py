"""Ingest: landing files of one day -> normalized_events + quarantined_records (raw zone)."""


from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from flywheel_assets import raw_zone, warehouse
from flywheel_assets.defs.metadata import table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL, daily_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.schema import EVENT_SCHEMA, KINDS


def origin_of(tags: dict) -> str:
    """Where a partition run came from (recorded on files the run itself registers)."""
    if tags.get("dagster/backfill"):
        return "backfill"
    trigger = tags.get("flywheel/trigger", "")
    return {"cli": "cli", "landing": "landing", "nightly": "schedule"}.get(trigger, "ui")


def ingest_day(flywheel: FlywheelResource, day: date, origin: str = "ui"):
    """Register any landing file the raw zone does not know yet (parsed once), then read every stored record of
    ``day`` from every source it ever had. Returns (sources of the day, events, quarantined)."""
    cfg = flywheel.cfg()
    wh = flywheel.warehouse_path
    root = Path(cfg.paths.logs_dir)
    if root.exists():
        raw_zone.register_drop(wh, root, flywheel.ingest_context(), origin=origin,
                               overrides=cfg.ingest.format_overrides, index_path=flywheel.index_path)
    events, quarantined = raw_zone.day_records(wh, day)
    return raw_zone.day_sources(wh, day), events, quarantined


def schema_problems(events: pl.DataFrame) -> list[str]:
    problems = []
    if dict(events.schema) != EVENT_SCHEMA:
        problems.append("columns/dtypes differ from EVENT_SCHEMA")
    bad_kinds = set(events["kind"].unique().to_list()) - set(KINDS) if events.height else set()
    if bad_kinds:
        problems.append(f"unknown kinds {sorted(bad_kinds)}")
    for col in ("event_id", "source_file", "source_line", "source_format", "session_id" if False else "kind"):
        if events.height and events[col].null_count():
            problems.append(f"nulls in {col}")
    if events.height and events["event_id"].n_unique() != events.height:
        problems.append("duplicate event ids")
    return problems


@dg.multi_asset(
    specs=[
        dg.AssetSpec("normalized_events", group_name="ingest", kinds={"duckdb", "polars"},
                     description="Canonical events (raw zone: verbatim text) for one event date, with lineage."),
        dg.AssetSpec("quarantined_records", group_name="ingest", kinds={"duckdb"},
                     description="Records that could not be parsed, with file, line, format and reason."),
    ],
    check_specs=[
        dg.AssetCheckSpec("counts_reconcile", asset="normalized_events", blocking=True,
                          partitions_def=daily_partitions,
                          description="records in = records accepted + records quarantined, for every file"),
        dg.AssetCheckSpec("event_schema", asset="normalized_events", blocking=True,
                          partitions_def=daily_partitions,
                          description="columns, dtypes, kinds, lineage present, unique event ids"),
        dg.AssetCheckSpec("no_rows_dropped", asset="normalized_events", blocking=True,
                          partitions_def=daily_partitions,
                          description="the rebuild keeps at least the rows of the day's last ingest (less what "
                                      "`flywheel forget` removed); else the day is not replaced, unless forced"),
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
)
def ingest_assets(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    srcs, events, quarantined = ingest_day(flywheel, day, origin_of(context.run.tags))
    wh = flywheel.warehouse_path
    verdict = raw_zone.shrink_verdict(wh, day, events.height, quarantined.height)
    blocked = verdict.shrinks and not flywheel.allow_shrink
    if blocked:
        context.log.error(f"{day}: the rebuild would drop rows ({verdict.describe()}); the day is left as it was. "
                          "Re-run with --force (or ingest.allow_shrink) if that is intended.")
    else:
        warehouse.replace_partition(wh, "normalized_events", events, day)
        warehouse.replace_partition(wh, "quarantined_records", quarantined, day)
        fp = raw_zone.fingerprints(wh, raw_zone.run_salt(flywheel.cfg(), flywheel.key())).get(day.isoformat(), "")
        raw_zone.record_ingest(wh, day, fp, events.height, quarantined.height, srcs.height)
    by_format = events.group_by("source_format").len().sort("source_format")
    by_origin = srcs.group_by("origin").len().sort("origin") if srcs.height else srcs
    yield dg.MaterializeResult(
        asset_key="normalized_events",
        metadata={
            "dagster/row_count": events.height,
            "written": not blocked,
            "source_files": srcs.height,
            "sources_by_origin": dg.MetadataValue.md(table_md(by_origin)),
            "sessions": events["session_id"].n_unique(),
            "by_format": dg.MetadataValue.md(table_md(by_format)),
        },
    )
    reasons = quarantined.group_by("reason").len().sort("reason")
    yield dg.MaterializeResult(
        asset_key="quarantined_records",
        metadata={"dagster/row_count": quarantined.height, "by_reason": dg.MetadataValue.md(table_md(reasons))},
    )
    # whole-file parse counts stored when each source was first seen: records in = accepted + quarantined
    bad_files = [r["source_file"] for r in srcs.iter_rows(named=True)
                 if r["records_in"] != r["records_accepted"] + r["records_quarantined"]] if srcs.height else []
    totals = {k: int(srcs[k].sum()) if srcs.height else 0
              for k in ("records_in", "records_accepted", "records_quarantined")}
    yield dg.AssetCheckResult(
        check_name="counts_reconcile", asset_key="normalized_events", passed=not bad_files,
        metadata={**totals, "files_not_reconciling": bad_files[:20]},
    )
    problems = schema_problems(events)
    yield dg.AssetCheckResult(check_name="event_schema", asset_key="normalized_events", passed=not problems,
                              metadata={"problems": problems})
    yield dg.AssetCheckResult(
        check_name="no_rows_dropped", asset_key="normalized_events", passed=not blocked,
        description=("would drop rows: " if blocked else "") + verdict.describe(),
        metadata={"previous_events": verdict.previous_events, "events": verdict.events,
                  "previous_quarantined": verdict.previous_quarantined, "quarantined": verdict.quarantined,
                  "forced": verdict.shrinks and not blocked},
    )
