"""docs/operations.md's backfill commands against a `dagster dev` instance started from workspace.yaml (webserver +
daemon, persistent DAGSTER_HOME): `flywheel backfill --wait` of a good and a failing day ends COMPLETED_FAILED
and exits 1; the documented `dagster job backfill ... -w workspace.yaml` run succeeds while the UI runs."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from flywheel_assets import raw_zone
from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.keys import load_key

from ._landing import write_day

REPO = Path(__file__).resolve().parents[2]
GOOD, BAD = "2026-11-18", "2026-11-19"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_graphql(url: str, proc, timeout=240) -> None:
    q = json.dumps({"query": "{ repositoriesOrError { __typename ... on RepositoryConnection { nodes { name } } } }"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with {proc.returncode}")
        try:
            req = urllib.request.Request(url + "/graphql", data=q.encode(), headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                body = json.loads(resp.read())
            if body["data"]["repositoriesOrError"].get("nodes"):
                return
        except (OSError, KeyError, TypeError):
            pass
        time.sleep(2)
    pytest.fail("webserver did not serve the code location")


@pytest.mark.slow
def test_backfill_commands_against_dagster_dev(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    cfg = tmp_path / "flywheel.yaml"
    cfg.write_text("privacy:\n  presidio_ner: false\n  allow_list: [Acme]\n")
    drop, db = tmp_path / "drop", tmp_path / "wh" / "w.duckdb"
    write_day(drop, GOOD, n=2)
    write_day(drop, BAD, n=2)
    env = {**os.environ, "DAGSTER_HOME": str(home), "FLYWHEEL_LOG_DIR": str(tmp_path / "landing"),
           "FLYWHEEL_WAREHOUSE": str(db), "FLYWHEEL_OUT_DIR": str(tmp_path / "out"), "FLYWHEEL_CONFIG": str(cfg),
           "FLYWHEEL_PII_KEY": "test-key", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    # the two days are in the raw zone (as after `flywheel run` or a sensor tick); BAD's floor says it once held
    # more rows than now, so its rebuild is blocked by no_rows_dropped and its run fails
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "test-key")
    raw_zone.register_drop(db, drop, IngestContext(key=load_key()), origin="cli")
    raw_zone.record_ingest(db, date.fromisoformat(BAD), "old", 999, 0, 1)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
                             "-p", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_graphql(url, proc)
        cli = [sys.executable, "-m", "flywheel_assets.cli"]
        # operations.md: flywheel backfill --partitions ... --wait  (a failed run makes the backfill fail)
        r = subprocess.run([*cli, "backfill", "--partitions", f"{GOOD},{BAD}", "--url", url, "--wait",
                            "--timeout", "900"], cwd=REPO, env=env, capture_output=True, text=True, timeout=1000)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "COMPLETED_FAILED" in r.stdout
        # operations.md: dagster job backfill -j daily_partition_job --partitions DAY -w workspace.yaml
        r = subprocess.run([sys.executable, "-m", "dagster", "job", "backfill", "-j", "daily_partition_job",
                            "--partitions", GOOD, "-w", "workspace.yaml", "--noprompt"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        import dagster as dg

        monkeypatch.setenv("DAGSTER_HOME", str(home))
        instance = dg.DagsterInstance.get()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            runs = [x for x in instance.get_runs(dg.RunsFilter(job_name="daily_partition_job"))
                    if x.tags.get("dagster/partition") == GOOD]
            if len(runs) == 2 and all(x.is_finished for x in runs):
                break
            time.sleep(3)
        assert len(runs) == 2 and all(x.status == dg.DagsterRunStatus.SUCCESS for x in runs)
        bad = [x for x in instance.get_runs(dg.RunsFilter(job_name="daily_partition_job"))
               if x.tags.get("dagster/partition") == BAD]
        assert [x.status for x in bad] == [dg.DagsterRunStatus.FAILURE]
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
