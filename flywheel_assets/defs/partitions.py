"""Daily partitions on event date. Per-day assets use them; cross-day assets (dedup, splits, exports) are global
and depend on all partitions of their upstream (Dagster's default AllPartitionMapping)."""

import os

import dagster as dg

PARTITION_START = os.environ.get("FLYWHEEL_PARTITION_START", "2023-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITION_START, end_offset=1, timezone="UTC")

WAREHOUSE_POOL = "duckdb_warehouse"
