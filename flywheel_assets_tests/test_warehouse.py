"""DuckDB warehouse: partition replace is idempotent, schema evolves, files are owner-only."""

import os
import stat
from datetime import date

import polars as pl

from flywheel_assets import warehouse


def test_partition_replace_idempotent_and_isolated(tmp_path):
    db = tmp_path / "w.duckdb"
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    warehouse.replace_partition(db, "t", pl.DataFrame({"event_date": [d1, d1], "x": [1, 2]}), d1)
    warehouse.replace_partition(db, "t", pl.DataFrame({"event_date": [d2], "x": [3]}), d2)
    warehouse.replace_partition(db, "t", pl.DataFrame({"event_date": [d1], "x": [9]}), d1)  # re-run of day 1
    df = warehouse.read_table(db, "t", order_by="x")
    assert df["x"].to_list() == [3, 9]
    assert warehouse.partitions(db, "t") == [d1, d2]
    # schema evolution: a new column is added, old rows get null
    warehouse.replace_partition(db, "t", pl.DataFrame({"event_date": [d2], "x": [4], "y": ["a"]}), d2)
    df = warehouse.read_table(db, "t", order_by="x")
    assert df.columns == ["event_date", "x", "y"]
    assert df["x"].to_list() == [4, 9] and df["y"].to_list() == ["a", None]
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_replace_table_and_missing_table(tmp_path):
    db = tmp_path / "w.duckdb"
    assert warehouse.read_table(db, "nope").is_empty()
    warehouse.replace_table(db, "g", pl.DataFrame({"a": [1]}))
    warehouse.replace_table(db, "g", pl.DataFrame({"a": [2, 3]}))
    assert warehouse.read_table(db, "g", order_by="a")["a"].to_list() == [2, 3]
