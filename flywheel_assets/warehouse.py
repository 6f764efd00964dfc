"""DuckDB warehouse I/O (no Dagster): short-lived connections, partition replace, global table replace.

DuckDB allows one writing process per database file. Every access here opens a connection, does its work in one
transaction and closes it, under an inter-process file lock (``<db>.lock``), so parallel Dagster steps (or a CLI run
beside ``dagster dev``) queue for a moment instead of failing. The file and its lock are created owner-only (0600).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

DEFAULT_PATH = Path("data") / "warehouse.duckdb"
ENV_VAR = "FLYWHEEL_WAREHOUSE"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def default_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"bad table name {name!r}")
    return name


def private_dir(path: Path) -> Path:
    """Create a directory (and missing parents) readable by the owner only; existing directories are left as is."""
    path = Path(path)
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        finally:
            os.umask(old)
    return path


@contextlib.contextmanager
def connect(path: str | Path | None = None, *, read_only: bool = False, timeout_s: float = 600.0):
    """A DuckDB connection held under an exclusive inter-process lock for the duration of the block."""
    path = Path(path or default_path())
    private_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    old = os.umask(0o077)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    finally:
        os.umask(old)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"warehouse {path} is locked by another process")
                time.sleep(0.05)
        existed = path.exists()
        old = os.umask(0o077)
        try:
            while True:  # a reader outside flywheel (DuckDB CLI, a notebook) may hold DuckDB's own lock: wait
                try:
                    con = duckdb.connect(str(path), read_only=read_only and existed)
                    break
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            os.umask(old)
        if not existed:
            os.chmod(path, 0o600)
        try:
            yield con
        finally:
            con.close()
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def table_exists(con, table: str) -> bool:
    row = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", params=[table]
    ).fetchall()
    return bool(row and row[0][0])


def _ensure_columns(con, table: str, df: pl.DataFrame) -> None:
    """Create the table from df's schema, or add columns df has and the table lacks (schema evolution)."""
    con.register("_fw_df", df.head(0).to_arrow())
    try:
        if not table_exists(con, table):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _fw_df")
            return
        have = {r[0] for r in con.sql(f"SELECT column_name FROM information_schema.columns WHERE table_name='{table}'").fetchall()}
        types = {r[0]: r[1] for r in con.sql("DESCRIBE SELECT * FROM _fw_df").fetchall()}
        for col in df.columns:
            if col not in have:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{col}" {types[col]}')
    finally:
        con.unregister("_fw_df")


def replace_partition(path, table: str, df: pl.DataFrame, partition: date, column: str = "event_date") -> int:
    """Atomically replace one partition (rows where column == partition) with df's rows. Returns rows written."""
    table = _ident(table)
    if df.height and df.filter(pl.col(column) != partition).height:
        raise ValueError(f"{table}: rows outside partition {partition}")
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _ensure_columns(con, table, df)
            con.execute(f"DELETE FROM {table} WHERE {column} = ?", [partition])
            if df.height:
                con.register("_fw_df", df.to_arrow())
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _fw_df")
                con.unregister("_fw_df")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return df.height


def replace_table(path, table: str, df: pl.DataFrame) -> int:
    """Atomically replace a whole (global) table with df (a frame without columns becomes an empty table with one
    placeholder column, so readers always find the table)."""
    table = _ident(table)
    if df.width == 0:
        df = pl.DataFrame(schema={"_empty": pl.Boolean})
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_fw_df", df.to_arrow())
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _fw_df")
            con.unregister("_fw_df")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return df.height


def read_table(path, table: str, where: str = "", params: list | None = None, order_by: str = "") -> pl.DataFrame:
    """Read a table (empty frame when it does not exist). ``where``/``order_by`` are SQL fragments."""
    table = _ident(table)
    with connect(path, read_only=True) as con:
        if not table_exists(con, table):
            return pl.DataFrame()
        q = f"SELECT * FROM {table}"
        if where:
            q += f" WHERE {where}"
        cols = {r[0] for r in con.sql(f"SELECT column_name FROM information_schema.columns WHERE table_name='{table}'")
                .fetchall()}
        if order_by and all(part.split()[0].strip('"') in cols for part in order_by.split(",")):
            q += f" ORDER BY {order_by}"  # (an empty placeholder table has no such column: nothing to order)
        return con.sql(q, params=params or []).pl()


def read_partition(path, table: str, partition: date, column: str = "event_date", order_by: str = "") -> pl.DataFrame:
    return read_table(path, table, where=f"{_ident(column)} = ?", params=[partition], order_by=order_by)


def query(path, sql: str, params: list | None = None) -> pl.DataFrame:
    with connect(path, read_only=True) as con:
        return con.sql(sql, params=params or []).pl()


def partitions(path, table: str, column: str = "event_date") -> list[date]:
    with connect(path, read_only=True) as con:
        if not table_exists(con, _ident(table)):
            return []
        return [r[0] for r in con.sql(f"SELECT DISTINCT {column} FROM {table} ORDER BY 1").fetchall()]


# ---- Row-level writes for the raw-zone ledger (flywheel_assets/raw_zone.py) ---------------------------------------
# Built only on connect() and plain SQL (DELETE / INSERT / UPDATE in one transaction) that DuckLake also supports.


def replace_rows(path, table: str, df: pl.DataFrame, column: str, values: list) -> int:
    """Atomically delete the rows whose ``column`` is in ``values`` and insert df's rows (a keyed upsert without
    PRIMARY KEY / ON CONFLICT). df's rows must all carry one of ``values``; empty ``values`` appends. Returns rows
    written."""
    table, column = _ident(table), _ident(column)
    values = sorted(set(values))
    if values and df.height and df.filter(~pl.col(column).is_in(values)).height:
        raise ValueError(f"{table}: rows outside the replaced keys")
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            if df.width:
                _ensure_columns(con, table, df)
            if values and table_exists(con, table):
                for i in range(0, len(values), 1000):
                    chunk = values[i:i + 1000]
                    con.execute(f"DELETE FROM {table} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)
            if df.height:
                con.register("_fw_df", df.to_arrow())
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _fw_df")
                con.unregister("_fw_df")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return df.height


def execute(path, statements: list[tuple[str, list]]) -> list[int]:
    """Run DML statements (UPDATE / DELETE) in one transaction; returns each statement's affected row count
    (statements on a table that does not exist yet are skipped and count 0)."""
    counts = []
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for sql, params in statements:
                m = re.match(r"\s*(?:UPDATE|DELETE\s+FROM)\s+([A-Za-z_][A-Za-z0-9_]*)", sql, re.I)
                if m and not table_exists(con, m.group(1)):
                    counts.append(0)
                    continue
                row = con.execute(sql, params or []).fetchall()
                counts.append(int(row[0][0]) if row and row[0] and isinstance(row[0][0], int) else 0)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return counts
