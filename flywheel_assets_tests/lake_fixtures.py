"""Warehouse backends for tests: a real Postgres server (Debian's ``postgresql`` package, started here) and a
factory of warehouse values for each backend.

Postgres: Debian's server binaries (``/usr/lib/postgresql/<v>/bin``; ``.ci/run`` installs the package when
missing). ``initdb`` + ``pg_ctl start`` into a temporary directory, Unix socket only (no TCP port to collide with),
trust auth; as root the server runs as the ``postgres`` user (Postgres refuses to run as root). The tests skip only
when no server binaries exist on the machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

PG_PORT = 54329


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


class PostgresServer:
    def __init__(self, root: Path):
        self.bin = postgres_bin()
        self.root = root
        self.data = root / "pgdata"
        self.socket = root / "sock"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> "PostgresServer":
        self.socket.mkdir(parents=True)
        if self.as_user:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o",
                  f"-k {self.socket} -p {PG_PORT} -c listen_addresses='' -c fsync=off -c max_connections=200",
                  "start")
        return self

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60)

    def createdb(self, name: str) -> str:
        """A fresh database; returns its libpq connection string."""
        self._run(str(self.bin / "createdb"), "-h", str(self.socket), "-p", str(PG_PORT), "-U", "postgres", name)
        return f"dbname={name} host={self.socket} port={PG_PORT} user=postgres"


@pytest.fixture(scope="session")
def postgres_server():
    if postgres_bin() is None:
        pytest.skip("no Postgres server binaries (apt-get install postgresql; .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="fw_pg_"))
    os.chmod(root, 0o755)
    server = PostgresServer(root).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


BACKENDS = ["duckdb", "ducklake-sqlite", "ducklake-duckdb", "ducklake-postgres"]


def make_warehouse(backend: str, tmp_path: Path, request) -> tuple[str, str | None]:
    """(warehouse value, lake data path) as ``--warehouse`` / ``--lake-data`` take them, for ``backend``; a
    DuckLake keeps its data files under tmp_path."""
    if backend == "duckdb":
        return str(tmp_path / "w.duckdb"), None
    if backend == "ducklake-sqlite":
        return f"ducklake:sqlite:{tmp_path / 'cat.sqlite'}", str(tmp_path / "lake_data")
    if backend == "ducklake-duckdb":
        return f"ducklake:duckdb:{tmp_path / 'cat.ducklake'}", None  # default data path: cat.ducklake.files/
    server = request.getfixturevalue("postgres_server")
    return "ducklake:postgres:" + server.createdb("fw_" + uuid.uuid4().hex[:12]), str(tmp_path / "lake_data")
