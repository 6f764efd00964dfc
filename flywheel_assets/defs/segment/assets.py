"""Segmentation: one day's events -> training_units (raw zone)."""


from datetime import date

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.defs.partitions import WAREHOUSE_POOL, daily_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.schema import EVENT_SCHEMA
from flywheel_assets.segment.units import segment_events


@dg.asset(
    deps=["normalized_events"],
    group_name="segment",
    kinds={"duckdb", "polars"},
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    description="Sessions of one day as qa / thread / trajectory units (canonical messages + event-id lineage).",
    check_specs=[dg.AssetCheckSpec("units_cover_events", asset="training_units", blocking=True,
                                   partitions_def=daily_partitions,
                                   description="every event of the day belongs to exactly one unit")],
)
def training_units(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    cfg = flywheel.cfg()
    events = warehouse.read_partition(flywheel.warehouse_path, "normalized_events", day)
    events = events.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA) if events.height else events
    units = segment_events(events, gap_minutes=cfg.ingest.session_gap_minutes) if events.height else None
    if units is None:
        from flywheel_assets.schema import units_frame

        units = units_frame([])
    units = units.with_columns(pl.lit(day).alias("event_date"))
    warehouse.replace_partition(flywheel.warehouse_path, "training_units", units, day)
    counts = units.group_by("unit_type").len().sort("unit_type")
    covered = units["event_ids"].explode().drop_nulls() if units.height else pl.Series([], dtype=pl.Utf8)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": units.height,
        **{f"units_{t}": n for t, n in counts.iter_rows()},
    })
    yield dg.AssetCheckResult(
        check_name="units_cover_events",
        passed=covered.len() == events.height and covered.n_unique() == events.height,
        metadata={"events": events.height, "event_ids_in_units": covered.len()},
    )
