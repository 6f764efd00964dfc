"""Ingest: landing files of one day -> normalized_events + quarantined_records (raw zone)."""


from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.defs.metadata import scalar_metadata, table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL, daily_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.ingest import landing
from flywheel_assets.ingest.pipeline import ingest_paths
from flywheel_assets.schema import EVENT_SCHEMA, KINDS


def ingest_day(flywheel: FlywheelResource, day: date):
    """Parse every landing file that touches ``day``; keep that day's rows. Returns (result, events, quarantined)."""
    cfg = flywheel.cfg()
    ctx = flywheel.ingest_context()
    root = Path(cfg.paths.logs_dir)
    infos = landing.scan(root, ctx, flywheel.index_path, cfg.ingest.format_overrides)
    files = [root / f.rel for f in landing.files_for(infos, day)]
    result = ingest_paths(root, ctx, files=files, overrides=cfg.ingest.format_overrides)
    events = result.events.filter(pl.col("event_date") == day).sort(["source_file", "source_line", "seq"])
    quarantined = result.quarantined.filter(pl.col("event_date") == day).sort(["source_file", "source_line"])
    return result, events, quarantined


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
                          description="records in = records accepted + records quarantined, for every file"),
        dg.AssetCheckSpec("event_schema", asset="normalized_events", blocking=True,
                          description="columns, dtypes, kinds, lineage present, unique event ids"),
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
)
def ingest_assets(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    result, events, quarantined = ingest_day(flywheel, day)
    wh = flywheel.warehouse_path
    warehouse.replace_partition(wh, "normalized_events", events, day)
    warehouse.replace_partition(wh, "quarantined_records", quarantined, day)
    summary = result.summary()
    by_format = events.group_by("source_format").len().sort("source_format")
    yield dg.MaterializeResult(
        asset_key="normalized_events",
        metadata={
            "dagster/row_count": events.height,
            "files_touching_day": len(result.files),
            "sessions": events["session_id"].n_unique(),
            "by_format": dg.MetadataValue.md(table_md(by_format)),
            **scalar_metadata({k: v for k, v in summary.items() if k != "by_format"}, prefix="files_"),
        },
    )
    reasons = quarantined.group_by("reason").len().sort("reason")
    yield dg.MaterializeResult(
        asset_key="quarantined_records",
        metadata={"dagster/row_count": quarantined.height, "by_reason": dg.MetadataValue.md(table_md(reasons))},
    )
    bad_files = [f.source_file for f in result.files if f.records_in != f.records_accepted + f.records_quarantined]
    yield dg.AssetCheckResult(
        check_name="counts_reconcile", asset_key="normalized_events", passed=not bad_files,
        metadata={"records_in": result.records_in, "records_accepted": result.records_accepted,
                  "records_quarantined": result.records_quarantined, "files_not_reconciling": bad_files[:20]},
    )
    problems = schema_problems(events)
    yield dg.AssetCheckResult(check_name="event_schema", asset_key="normalized_events", passed=not problems,
                              metadata={"problems": problems})
