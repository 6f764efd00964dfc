"""Start the Dagster webserver on loopback, ask its GraphQL API for the asset list, stop it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_webserver_graphql_lists_assets(tmp_path):
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home), "FLYWHEEL_LOG_DIR": str(tmp_path / "landing"),
           "FLYWHEEL_WAREHOUSE": str(tmp_path / "w.duckdb")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName isPartitioned } }"}).encode()
        deadline = time.monotonic() + 120
        data = None
        while time.monotonic() < deadline and data is None:
            if proc.poll() is not None:
                pytest.fail(f"webserver exited with {proc.returncode}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    body = json.loads(resp.read())
                nodes = body.get("data", {}).get("assetNodes") or []
                if nodes:
                    data = nodes
            except OSError:
                time.sleep(1)
        assert data, "no asset nodes served"
        keys = {"/".join(n["assetKey"]["path"]) for n in data}
        assert {"normalized_events", "quarantined_records", "training_units"} <= keys
        part = {"/".join(n["assetKey"]["path"]): n["isPartitioned"] for n in data}
        assert part["normalized_events"] is True
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
