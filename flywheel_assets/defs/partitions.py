"""Daily partitions on event date. Per-day assets use them; cross-day assets (dedup, splits, exports) are global
and depend on all partitions of their upstream (Dagster's default AllPartitionMapping)."""

import os

import dagster as dg

PARTITION_START = os.environ.get("FLYWHEEL_PARTITION_START", "2023-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITION_START, end_offset=1, timezone="UTC")



def _warehouse_pool() -> str | None:
    """Steps that write the warehouse share the ``duckdb_warehouse`` pool (limit 1 in dagster.yaml) when the
    configured backend takes one writer; a DuckLake on SQLite / Postgres takes many, so no pool (partitions then
    run as concurrently as the run queue and the executor allow)."""
    from flywheel_assets.config import FlywheelConfig
    from flywheel_assets.warehouse import multi_writer

    try:
        cfg = FlywheelConfig.load()
        return None if multi_writer(cfg.paths.warehouse) else "duckdb_warehouse"
    except Exception:  # noqa: BLE001 - a broken config fails later with its own message; be safe here
        return "duckdb_warehouse"


WAREHOUSE_POOL = _warehouse_pool()
