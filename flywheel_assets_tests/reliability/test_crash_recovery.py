"""Issue 8.4 - crash recovery: SIGKILL `run_pipeline` in a subprocess while it holds the warehouse lock (mid
transaction), then re-run: nothing lost, nothing duplicated, and the lock is free (the kernel drops the flock)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flywheel_assets import warehouse
from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import ingest_paths

from ._pipeline import fast_config, only_check_failures, run

KEY = "crash-test-key"
SCRIPT = ("import sys; from flywheel_assets.runner import run_pipeline; "
          "run_pipeline(sys.argv[1], warehouse=sys.argv[2], out_dir=sys.argv[3], config_path=sys.argv[4], "
          "include_global=False)")


def _rows(db) -> int:
    try:
        if not warehouse.partitions(db, "normalized_events"):
            return 0
        return int(warehouse.query(db, "SELECT count(*) AS n FROM normalized_events")["n"][0])
    except Exception:  # noqa: BLE001 - table being created
        return 0


def _lock_held(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_sigkill_mid_materialisation_then_rerun(tmp_path, monkeypatch):
    demo = pytest.importorskip("flywheel_assets.demo.generator")
    logs = tmp_path / "logs"
    demo.generate_demo(logs, sessions=150, days=2, manifest_path=tmp_path / "manifest.json")
    db, out = tmp_path / "wh" / "w.duckdb", tmp_path / "out"
    lock = db.with_name(db.name + ".lock")
    env = {**os.environ, "FLYWHEEL_PII_KEY": KEY, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(logs), str(db), str(out), str(fast_config(db))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_holding_lock = False
    try:
        deadline = time.monotonic() + 240
        seen_rows = 0
        while proc.poll() is None and time.monotonic() < deadline:
            if not seen_rows:
                seen_rows = _rows(db) if db.exists() else 0
                time.sleep(0.05)
                continue
            # some rows are committed: kill at the next moment the child holds the warehouse lock
            if lock.exists() and _lock_held(lock):
                proc.send_signal(signal.SIGKILL)
                killed_holding_lock = True
                break
            time.sleep(0.002)
    finally:
        if proc.poll() is None and not killed_holding_lock:
            proc.kill()
        proc.wait(timeout=60)
    assert killed_holding_lock, "the run finished before it could be killed (make the drop larger)"
    # the flock died with the process: a new connection gets it at once
    t0 = time.monotonic()
    with warehouse.connect(db, timeout_s=10):
        pass
    assert time.monotonic() - t0 < 10
    partial = _rows(db)

    # re-run to completion
    s = run(logs, db, out, KEY, monkeypatch, include_global=False)
    assert only_check_failures(s), s  # a failing data-quality check is not a crash
    ev = warehouse.read_table(db, "normalized_events")
    q = warehouse.read_table(db, "quarantined_records")
    units = warehouse.read_table(db, "training_units")
    clean = ingest_paths(logs, IngestContext(key=KEY.encode()))
    assert ev["event_id"].n_unique() == ev.height  # nothing duplicated
    assert sorted(ev["event_id"].to_list()) == sorted(clean.events["event_id"].to_list())  # nothing lost
    assert sorted(q["quarantine_id"].to_list()) == sorted(clean.quarantined["quarantine_id"].to_list())
    covered = units["event_ids"].explode().drop_nulls()
    assert covered.len() == ev.height and covered.n_unique() == ev.height
    assert units["unit_id"].n_unique() == units.height
    print(f"killed with {partial} event rows committed; after re-run {ev.height} events, {units.height} units")
