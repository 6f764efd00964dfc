"""Partitions per hour with 1, 2 and 4 concurrent workers, embedded DuckDB file vs DuckLake (issue 20).

    python benchmarks/lake_workers.py --sessions 120 --workers 1 2 4 [--out docs/scaling.md]

Generates one seeded demo drop, then for each backend (``duckdb``: the embedded file, writes queued by its file
lock; ``ducklake-sqlite``: a DuckLake on a SQLite catalog, concurrent writers) and each worker count materialises
every partition of the drop into a fresh warehouse with ``run_pipeline(..., workers=N, include_global=False)``
(what ``flywheel run --workers N`` does before the global assets), each measurement in a fresh interpreter (so no
run reuses models another loaded). Reports wall seconds, partitions per hour, the CPU seconds of the run (its
process + worker processes) and the speedup against one worker on the same backend.
Wall time on a shared machine is noisy: compare ratios measured in one invocation, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECTION = "benchmarks/lake_workers.py"  # its sections' markers in --out (benchmarks/doc_section.py)


def measure(logs: Path, work: Path, backend: str, workers: int) -> dict:
    """One measurement in a fresh interpreter (``--one``); CPU = that process and its workers."""
    import subprocess

    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, __file__, "--one", backend, str(workers), "--workdir", str(work)],
                          capture_output=True, text=True, cwd=REPO)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{backend} x{workers} failed: {proc.stderr[-2000:]}")
    row = json.loads(lines[-1])
    row["cpu_s"] = round(c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime, 1)
    return row


def measure_here(logs: Path, work: Path, backend: str, workers: int) -> dict:
    from flywheel_assets.runner import run_pipeline

    root = work / f"{backend}_{workers}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    if backend == "duckdb":
        wh, data = str(root / "w.duckdb"), None
    else:
        wh, data = f"ducklake:sqlite:{root / 'cat.sqlite'}", str(root / "data")
    t0 = time.perf_counter()
    summary = run_pipeline(logs, warehouse=wh, lake_data=data, workers=workers, out_dir=root / "out",
                           config_path=REPO / "configs" / "demo.yaml", demo=True, include_global=False,
                           echo=lambda *a: None)
    wall = time.perf_counter() - t0
    n = len(summary.partitions)
    return {"backend": backend, "workers": workers, "partitions": n, "wall_s": round(wall, 1),
            "partitions_per_hour": round(n / wall * 3600, 1), "ok": summary.ok,
            "events": summary.counts.get("normalized_events")}


def markdown(rows: list[dict], cmd: str) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    base = {r["backend"]: r["partitions_per_hour"] for r in rows if r["workers"] == 1}
    lines = [f"Command: `{cmd}` ({when}, {os.cpu_count()} CPUs visible, shared with other jobs)", "",
             "| backend | workers | partitions | wall s | partitions / hour | speedup vs 1 worker | CPU s | events | ok |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        sp = r["partitions_per_hour"] / base[r["backend"]] if base.get(r["backend"]) else float("nan")
        lines.append(f"| {r['backend']} | {r['workers']} | {r['partitions']} | {r['wall_s']} | "
                     f"{r['partitions_per_hour']} | {sp:.2f}x | {r['cpu_s']} | {r['events']} | {r['ok']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--backends", nargs="+", default=["duckdb", "ducklake-sqlite"])
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--out", default=None, help="markdown file to update between the markers")
    ap.add_argument("--one", nargs=2, metavar=("BACKEND", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    for k, v in {"TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                 "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1", "FLYWHEEL_DEMO": "1"}.items():
        os.environ.setdefault(k, v)
    sys.path.insert(0, str(REPO))
    from flywheel_assets.demo.generator import generate_demo

    work = Path(args.workdir or tempfile.mkdtemp(prefix="fw_lake_bench_"))
    logs = work / "logs"
    if args.one:
        print(json.dumps(measure_here(logs, work, args.one[0], int(args.one[1]))), flush=True)
        return 0
    if not logs.exists():
        generate_demo(logs, seed=args.seed, sessions=args.sessions)
    rows = []
    for workers in args.workers:  # interleaved, so load drift hits both backends alike
        for backend in args.backends:
            rows.append(measure(logs, work, backend, workers))
            print(json.dumps(rows[-1]), flush=True)
    rows.sort(key=lambda r: (r["backend"], r["workers"]))
    cmd = "python benchmarks/lake_workers.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = markdown(rows, cmd)
    print(md)
    if args.out:
        from benchmarks.doc_section import replace_section

        tag = "" if args.sessions == 120 else f" sessions={args.sessions}"  # one block per drop size
        replace_section(args.out, SECTION + tag, md)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
