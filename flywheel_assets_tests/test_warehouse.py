"""Warehouse on every backend (embedded DuckDB file; DuckLake on SQLite, DuckDB and Postgres catalogs): partition
replace is idempotent, schema evolves, global tables replace, files are owner-only."""

import os
import stat
from datetime import date

import polars as pl
import pytest

from flywheel_assets import warehouse
from flywheel_assets.warehouse_spec import WarehouseSpec

from .lake_fixtures import BACKENDS, make_warehouse, postgres_server  # noqa: F401 - fixture


@pytest.fixture(params=BACKENDS)
def wh(request, tmp_path):
    value, data = make_warehouse(request.param, tmp_path, request)
    return warehouse.resolve(value, data)


def test_partition_replace_idempotent_and_isolated(wh):
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    warehouse.replace_partition(wh, "t", pl.DataFrame({"event_date": [d1, d1], "x": [1, 2]}), d1)
    warehouse.replace_partition(wh, "t", pl.DataFrame({"event_date": [d2], "x": [3]}), d2)
    warehouse.replace_partition(wh, "t", pl.DataFrame({"event_date": [d1], "x": [9]}), d1)  # re-run of day 1
    df = warehouse.read_table(wh, "t", order_by="x")
    assert df["x"].to_list() == [3, 9]
    assert warehouse.partitions(wh, "t") == [d1, d2]
    assert warehouse.read_partition(wh, "t", d2)["x"].to_list() == [3]
    # schema evolution: a new column is added, old rows get null
    warehouse.replace_partition(wh, "t", pl.DataFrame({"event_date": [d2], "x": [4], "y": ["a"]}), d2)
    df = warehouse.read_table(wh, "t", order_by="x")
    assert df.columns == ["event_date", "x", "y"]
    assert df["x"].to_list() == [4, 9] and df["y"].to_list() == ["a", None]
    assert warehouse.query(wh, "SELECT sum(x) AS s FROM t")["s"].to_list() == [13]
    with pytest.raises(ValueError):
        warehouse.replace_partition(wh, "t", pl.DataFrame({"event_date": [d1], "x": [1]}), d2)
    if isinstance(wh, WarehouseSpec):
        if wh.catalog_type != "postgres":
            assert stat.S_IMODE(os.stat(wh.catalog).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(wh.data_path).st_mode) == 0o700
    else:
        assert stat.S_IMODE(os.stat(wh).st_mode) == 0o600


def test_replace_table_and_missing_table(wh):
    assert warehouse.read_table(wh, "nope").is_empty()
    assert warehouse.partitions(wh, "nope") == []
    warehouse.replace_table(wh, "g", pl.DataFrame({"a": [1]}))
    warehouse.replace_table(wh, "g", pl.DataFrame({"a": [2, 3]}))
    assert warehouse.read_table(wh, "g", order_by="a")["a"].to_list() == [2, 3]
    warehouse.replace_table(wh, "e", pl.DataFrame())  # no columns: a placeholder table readers still find
    with warehouse.connect(wh, read_only=True) as con:
        assert warehouse.table_exists(con, "e") and not warehouse.table_exists(con, "nope")


def test_nested_and_typed_columns_round_trip(wh):
    """What the pipeline stores: timestamps with zone, lists, structs, fixed-size vectors (a list in a DuckLake)."""
    from datetime import datetime, timezone

    d = date(2026, 11, 3)
    df = pl.DataFrame({
        "event_date": [d, d],
        "ts": [datetime(2026, 11, 3, 1, tzinfo=timezone.utc), datetime(2026, 11, 3, 2, tzinfo=timezone.utc)],
        "tags": [["a", "b"], []],
        "meta": [{"k": 1, "v": "x"}, {"k": 2, "v": None}],
        "vec": pl.Series([[0.5, 1.0], [2.0, -1.0]], dtype=pl.Array(pl.Float32, 2)),
    })
    warehouse.replace_partition(wh, "typed", df, d)
    back = warehouse.read_partition(wh, "typed", d, order_by="ts")
    assert back.drop("vec").to_dicts() == df.drop("vec").to_dicts()
    assert back["vec"].to_list() == df["vec"].to_list()
