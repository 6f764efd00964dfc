"""Which warehouse backend a ``warehouse`` value names (no Dagster): the one place the backend is chosen.

Callers pass the same value they always did (``--warehouse``, ``paths.warehouse``, ``FLYWHEEL_WAREHOUSE``):

* a plain path (``data/warehouse.duckdb``): the embedded DuckDB file, one writing process at a time (default);
* ``ducklake:sqlite:CATALOG.sqlite``: DuckLake with its catalog in a local SQLite file (many processes, one machine);
* ``ducklake:duckdb:CATALOG.ducklake``: DuckLake with a DuckDB-file catalog (one writing process, like the default);
* ``ducklake:postgres:dbname=flywheel host=...``: DuckLake with its catalog in Postgres (many processes, many
  machines). Credentials come from the libpq environment (``PGPASSWORD``, ``PGUSER``, ``PGHOST`` ...), never the URL.

A DuckLake's Parquet data files live under its data path (``--lake-data`` / ``paths.lake_data`` /
``FLYWHEEL_LAKE_DATA``): a local directory or ``s3://bucket/prefix`` (S3 credentials from ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``). For a file catalog it defaults to
``<catalog>.files/`` beside it. The extensions are the PyPI ``duckdb-ext-*`` packages built for the installed DuckDB;
nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

LAKE_DATA_ENV = "FLYWHEEL_LAKE_DATA"
PREFIX = "ducklake:"
CATALOG_TYPES = ("sqlite", "duckdb", "postgres")
LAKE_ALIAS = "lake"
_EXTENSIONS = {"sqlite": ["sqlite_scanner"], "duckdb": [], "postgres": ["postgres_scanner"]}


@dataclass(frozen=True)
class WarehouseSpec:
    """A parsed warehouse value. ``kind`` is ``duckdb`` (embedded file at ``path``) or ``ducklake``."""

    kind: str
    path: Path | None = None
    catalog_type: str = ""
    catalog: str = ""  # the SQLite/DuckDB file (absolute) or the Postgres connection string
    data_path: str = ""

    @property
    def is_lake(self) -> bool:
        return self.kind == "ducklake"

    @property
    def multi_writer(self) -> bool:
        """True when several processes may write at once (DuckLake on a SQLite or Postgres catalog)."""
        return self.is_lake and self.catalog_type in ("sqlite", "postgres")

    @property
    def lock_path(self) -> Path | None:
        """The inter-process lock serialising writers of a single-writer backend (None for multi-writer ones)."""
        if self.multi_writer:
            return None
        target = self.path if not self.is_lake else Path(self.catalog)
        return target.with_name(target.name + ".lock")

    @property
    def state_dir(self) -> Path:
        """A local directory for this machine's side files (landing index, embedding cache)."""
        if not self.is_lake:
            return self.path.parent
        if self.catalog_type != "postgres":
            return Path(self.catalog).parent
        if self.data_path and "://" not in self.data_path:
            return Path(self.data_path).parent
        return Path(os.environ.get("FLYWHEEL_STATE_DIR") or "data")

    # the Path-like surface callers use for side files next to the warehouse (``.parent``, ``.with_name``)
    @property
    def parent(self) -> Path:
        return self.state_dir

    @property
    def name(self) -> str:
        return self.path.name if not self.is_lake else f"ducklake-{self.catalog_type}"

    def with_name(self, name: str) -> Path:
        return self.state_dir / name

    def attach_sql(self) -> str:
        target = f"ducklake:{self.catalog_type}:{self.catalog}".replace("'", "''")
        data = self.data_path.replace("'", "''")
        return f"ATTACH '{target}' AS {LAKE_ALIAS} (DATA_PATH '{data}')"

    def __str__(self) -> str:
        if not self.is_lake:
            return str(self.path)
        shown = self.catalog if self.catalog_type != "postgres" else _hide_password(self.catalog)
        return f"ducklake:{self.catalog_type}:{shown} (data {self.data_path})"


def _hide_password(conninfo: str) -> str:
    return " ".join("password=***" if p.lower().startswith("password=") else p for p in conninfo.split())


def parse(value, lake_data: str | Path | None = None) -> WarehouseSpec:
    """A WarehouseSpec from a path, a ``ducklake:...`` URL or a spec (``lake_data`` overrides its data path)."""
    if isinstance(value, WarehouseSpec):
        if lake_data and value.is_lake:
            return WarehouseSpec(value.kind, value.path, value.catalog_type, value.catalog, _data(str(lake_data)))
        return value
    text = str(value)
    if not text.startswith(PREFIX):
        return WarehouseSpec("duckdb", Path(text))
    ctype, _, catalog = text[len(PREFIX):].partition(":")
    if ctype not in CATALOG_TYPES or not catalog.strip():
        raise ValueError(f"bad DuckLake warehouse {text!r}: expected ducklake:{{{'|'.join(CATALOG_TYPES)}}}:CATALOG")
    if ctype != "postgres":
        catalog = str(Path(catalog).expanduser().absolute())
    data = str(lake_data or os.environ.get(LAKE_DATA_ENV) or "")
    if not data:
        if ctype == "postgres":
            raise ValueError("a DuckLake on Postgres needs a data path: --lake-data DIR|s3://... or "
                             f"{LAKE_DATA_ENV}")
        data = catalog + ".files"
    return WarehouseSpec("ducklake", None, ctype, catalog, _data(data))


def _data(data: str) -> str:
    if "://" in data:
        return data.rstrip("/") + "/"
    return str(Path(data).expanduser().absolute()) + "/"


def extension_path(name: str) -> Path:
    """The extension file a ``duckdb-ext-<name>`` PyPI package installed for this DuckDB version."""
    import duckdb_ext

    version = duckdb.__version__
    for root in duckdb_ext.__path__:
        for platform in ("linux_amd64", "linux_arm64", "osx_arm64", "osx_amd64"):
            p = Path(root) / "extensions" / f"v{version}" / platform / f"{name}.duckdb_extension"
            if p.exists():
                return p
    raise FileNotFoundError(f"DuckDB extension {name!r} for duckdb {version} is not installed: "
                            f"pip install duckdb-ext-{name.split('_')[0]}=={version}.*")


def _s3_secret_sql() -> str | None:
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (key and secret):
        return None
    parts = [f"KEY_ID '{key}'", f"SECRET '{secret}'"]
    if os.environ.get("AWS_REGION"):
        parts.append(f"REGION '{os.environ['AWS_REGION']}'")
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint:
        host = endpoint.split("://", 1)[-1].rstrip("/")
        parts += [f"ENDPOINT '{host}'", "URL_STYLE 'path'",
                  f"USE_SSL {'false' if endpoint.startswith('http://') else 'true'}"]
    return "CREATE OR REPLACE SECRET flywheel_s3 (TYPE s3, " + ", ".join(parts) + ")"


def open_lake(spec: WarehouseSpec) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the DuckLake attached as ``lake`` and selected (``USE lake``). The caller creates
    local directories (catalog parent, data path) first."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    for name in ["ducklake", *_EXTENSIONS[spec.catalog_type]]:
        con.execute(f"LOAD '{extension_path(name)}'")
    if spec.data_path.startswith("s3://"):
        con.execute(f"LOAD '{extension_path('httpfs')}'")
        secret = _s3_secret_sql()
        if secret:
            con.execute(secret)
    con.execute(spec.attach_sql())
    con.execute(f"USE {LAKE_ALIAS}")
    return con
