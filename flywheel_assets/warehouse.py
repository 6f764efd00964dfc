"""Warehouse I/O (no Dagster): short-lived connections, partition replace, global table replace.

Two backends behind the same functions; the ``path`` argument every function takes chooses one
(``warehouse_spec.parse``): a plain path is the embedded DuckDB file (default), a ``ducklake:...`` URL a DuckLake
(SQL catalog + Parquet data files).

The embedded file allows one writing process: every access opens a connection, does its work in one transaction and
closes it, under an inter-process file lock (``<db>.lock``), so parallel Dagster steps (or a CLI run beside
``dagster dev``) queue for a moment instead of failing. A DuckLake on a SQLite or Postgres catalog takes many
writers: no file lock; each partition or table replace is one snapshot-isolated transaction, and a commit that
conflicts with a concurrent writer is rolled back and retried (bounded). Files and directories created here are
owner-only (0600 / 0700).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import random
import re
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from flywheel_assets.warehouse_spec import WarehouseSpec, open_lake, parse

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("data") / "warehouse.duckdb"
ENV_VAR = "FLYWHEEL_WAREHOUSE"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
COMMIT_RETRIES = 8
_RETRYABLE = ("conflict", "database is locked", "busy", "could not serialize", "deadlock", "already exists",
              "duplicate key")


def default_path() -> Path | WarehouseSpec:
    """The configured warehouse: a Path for the embedded file, a WarehouseSpec for a DuckLake."""
    return resolve(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def resolve(value, lake_data: str | Path | None = None) -> Path | WarehouseSpec:
    """What callers hold and pass back to these functions: the DuckDB file's Path (unchanged from before) or a
    WarehouseSpec for a DuckLake (it offers ``.parent`` / ``.with_name`` for side files like a Path)."""
    spec = parse(value, lake_data)
    return spec if spec.is_lake else spec.path


def multi_writer(path) -> bool:
    """True when several processes may write this warehouse at once (no data path needed to tell)."""
    value = path or os.environ.get(ENV_VAR) or DEFAULT_PATH
    if isinstance(value, WarehouseSpec):
        return value.multi_writer
    return str(value).startswith(("ducklake:sqlite:", "ducklake:postgres:"))


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
def _file_lock(lock_path: Path, what, timeout_s: float):
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
                    raise TimeoutError(f"warehouse {what} is locked by another process")
                time.sleep(0.05)
        yield deadline
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


_LAKES: dict = {}
_LAKES_LOCK = threading.Lock()


def _lake_connection(spec: WarehouseSpec) -> duckdb.DuckDBPyConnection:
    """One attached DuckLake per process and spec (multi-writer catalogs only), opened on first use: loading the
    extensions and attaching the catalog once, not per call. Each use takes its own cursor (own transaction)."""
    key = (os.getpid(), spec)
    with _LAKES_LOCK:
        con = _LAKES.get(key)
        if con is None:
            con = _LAKES[key] = _open_lake_files(spec)
        return con


def _open_lake_files(spec: WarehouseSpec) -> duckdb.DuckDBPyConnection:
    if spec.catalog_type != "postgres":
        private_dir(Path(spec.catalog).parent)
    if "://" not in spec.data_path:
        private_dir(Path(spec.data_path))
    old = os.umask(0o077)
    try:
        # processes creating a new catalog at once: one wins, others retry
        return _retry(lambda: open_lake(spec), COMMIT_RETRIES, "catalog being created")
    finally:
        os.umask(old)


@contextlib.contextmanager
def connect(path=None, *, read_only: bool = False, timeout_s: float = 600.0):
    """A connection to the warehouse for the duration of the block, with the warehouse's tables unqualified.

    Embedded DuckDB file (and a DuckLake on a DuckDB-file catalog): held under an exclusive inter-process lock.
    DuckLake on SQLite / Postgres: a cursor on this process's attached lake, no lock (snapshot isolation)."""
    spec = parse(path or default_path())
    if spec.multi_writer:
        cur = _lake_connection(spec).cursor()
        try:
            cur.execute(f"USE {_ident('lake')}")
            yield cur
        finally:
            cur.close()
        return
    lock_path = spec.lock_path
    private_dir(lock_path.parent)
    with _file_lock(lock_path, spec, timeout_s) as deadline:
        if spec.is_lake:
            con = _open_lake_files(spec)
            try:
                yield con
            finally:
                con.close()
            return
        path = spec.path
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


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in _RETRYABLE)


def _retries(path, retries: int = COMMIT_RETRIES) -> int:
    """How often a call on this warehouse is retried: a DuckLake's catalog can be busy with another writer (SQLite
    "database is locked", a Postgres serialisation failure) at any statement, opening the snapshot included; the
    embedded file is used under its own lock, so never."""
    return retries if parse(path or default_path()).is_lake else 0


def _retry(once, retries: int, what: str):
    """``once()``, run again after a retryable DuckDB error (``_retryable``) at most ``retries`` times, with jittered
    exponential backoff; its result, or the last error."""
    for attempt in range(retries + 1):
        try:
            return once()
        except duckdb.Error as exc:
            if attempt == retries or not _retryable(exc):
                raise
            log.info("warehouse: %s, retry %d/%d: %s", what, attempt + 1, retries, str(exc)[:200])
        _backoff(attempt)


def _transaction(path, work, retries: int = COMMIT_RETRIES) -> None:
    """Run ``work(con)`` in one transaction; on a write-write conflict or a busy catalog (DuckLake), roll back and
    run it again from the start - connecting and BEGIN included, as the catalog can be locked there too - at most
    ``retries`` times, with jittered exponential backoff."""
    def once() -> None:
        with connect(path) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                work(con)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise

    _retry(once, _retries(path, retries), "commit conflict")


def read_with(path, work):
    """``work(con)`` on a read-only connection, retried like a write when a DuckLake catalog is busy."""
    def once():
        with connect(path, read_only=True) as con:
            return work(con)

    return _retry(once, _retries(path), "catalog busy")


def _backoff(attempt: int) -> None:
    time.sleep(min(5.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))


def _writable(path, df: pl.DataFrame) -> pl.DataFrame:
    """DuckLake has no fixed-size ARRAY type: store such columns as lists there (the embedded file keeps them)."""
    if not parse(path or default_path()).is_lake:
        return df
    arrays = {c: pl.List(t.inner) for c, t in df.schema.items() if isinstance(t, pl.Array)}
    return df.cast(arrays) if arrays else df


_HERE = "table_catalog = current_database() AND table_schema = current_schema()"


def table_exists(con, table: str) -> bool:
    row = con.sql(
        f"SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND {_HERE}", params=[table]
    ).fetchall()
    return bool(row and row[0][0])


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.sql(f"SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                  f"AND {_HERE}", params=[table]).fetchall()}


def _ensure_columns(con, table: str, df: pl.DataFrame) -> None:
    """Create the table from df's schema, or add columns df has and the table lacks (schema evolution)."""
    con.register("_fw_df", df.head(0).to_arrow())
    try:
        if not table_exists(con, table):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _fw_df")
            return
        have = _columns(con, table)
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
    df = _writable(path, df)

    def work(con):
        _ensure_columns(con, table, df)
        con.execute(f"DELETE FROM {table} WHERE {_ident(column)} = ?", [partition])
        if df.height:
            con.register("_fw_df", df.to_arrow())
            try:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _fw_df")
            finally:
                con.unregister("_fw_df")

    _transaction(path, work)
    return df.height


def replace_table(path, table: str, df: pl.DataFrame) -> int:
    """Atomically replace a whole (global) table with df (a frame without columns becomes an empty table with one
    placeholder column, so readers always find the table)."""
    table = _ident(table)
    if df.width == 0:
        df = pl.DataFrame(schema={"_empty": pl.Boolean})
    df = _writable(path, df)

    def work(con):
        con.register("_fw_df", df.to_arrow())
        try:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _fw_df")
        finally:
            con.unregister("_fw_df")

    _transaction(path, work)
    return df.height


def read_table(path, table: str, where: str = "", params: list | None = None, order_by: str = "") -> pl.DataFrame:
    """Read a table (empty frame when it does not exist). ``where``/``order_by`` are SQL fragments."""
    table = _ident(table)

    def work(con):
        if not table_exists(con, table):
            return pl.DataFrame()
        q = f"SELECT * FROM {table}"
        if where:
            q += f" WHERE {where}"
        cols = _columns(con, table)
        if order_by and all(part.split()[0].strip('"') in cols for part in order_by.split(",")):
            q += f" ORDER BY {order_by}"  # (an empty placeholder table has no such column: nothing to order)
        return con.sql(q, params=params or []).pl()

    return read_with(path, work)


def read_partition(path, table: str, partition: date, column: str = "event_date", order_by: str = "") -> pl.DataFrame:
    return read_table(path, table, where=f"{_ident(column)} = ?", params=[partition], order_by=order_by)


def query(path, sql: str, params: list | None = None) -> pl.DataFrame:
    return read_with(path, lambda con: con.sql(sql, params=params or []).pl())


def partitions(path, table: str, column: str = "event_date") -> list[date]:
    def work(con):
        if not table_exists(con, _ident(table)):
            return []
        return [r[0] for r in con.sql(f"SELECT DISTINCT {column} FROM {table} ORDER BY 1").fetchall()]

    return read_with(path, work)


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
    def work(con):
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

    _transaction(path, work)  # one transaction, retried on a DuckLake write-write conflict like the other writes
    return df.height


def execute(path, statements: list[tuple[str, list]]) -> list[int]:
    """Run DML statements (UPDATE / DELETE) in one transaction; returns each statement's affected row count
    (statements on a table that does not exist yet are skipped and count 0)."""
    counts: list[int] = []

    def work(con):
        counts.clear()  # a retried transaction counts again from the start
        for sql, params in statements:
            m = re.match(r"\s*(?:UPDATE|DELETE\s+FROM)\s+([A-Za-z_][A-Za-z0-9_]*)", sql, re.I)
            if m and not table_exists(con, m.group(1)):
                counts.append(0)
                continue
            row = con.execute(sql, params or []).fetchall()
            counts.append(int(row[0][0]) if row and row[0] and isinstance(row[0][0], int) else 0)

    _transaction(path, work)
    return counts
