"""Event-date partitions that come from the data. Per-day assets use them; cross-day assets (dedup, splits,
exports) are global and depend on all partitions of their upstream (Dagster's default AllPartitionMapping).

The partitions are dynamic (``event_date``): a key (an ISO date) exists once the raw zone holds records of that
day. The landing sensor, the nightly schedule and ``flywheel run`` add the days they find, so the UI lists only
days with data and "materialize missing" never starts runs for empty days. ``FLYWHEEL_PARTITION_START`` (default
2023-01-01) is only the earliest event date accepted at ingest (older records are quarantined as
``timestamp_out_of_range``)."""

import os
import warnings
from datetime import date

import dagster as dg

# per-day checks carry their partition (AssetCheckSpec(partitions_def=...)), a preview feature in Dagster 1.13
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")

PARTITION_START = os.environ.get("FLYWHEEL_PARTITION_START", "2023-01-01")
PARTITIONS_NAME = "event_date"

daily_partitions = dg.DynamicPartitionsDefinition(name=PARTITIONS_NAME)


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


def earliest_date() -> date:
    return date.fromisoformat(os.environ.get("FLYWHEEL_PARTITION_START", PARTITION_START))


def ensure_partitions(instance: dg.DagsterInstance, days) -> list[str]:
    """Add the days the instance does not know yet; returns those added."""
    have = set(instance.get_dynamic_partitions(PARTITIONS_NAME))
    new = sorted(set(days) - have)
    if new:
        instance.add_dynamic_partitions(PARTITIONS_NAME, new)
    return new
