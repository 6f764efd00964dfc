"""`flywheel` command line: run, demo, ingest, pii scan, train, eval."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _env_defaults() -> None:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def cmd_run(args) -> int:
    from flywheel_assets.runner import run_pipeline

    summary = run_pipeline(args.logs, warehouse=args.warehouse, out_dir=args.out, config_path=args.config,
                           demo=args.demo_key, partitions=args.partition or None, force=args.force,
                           strict=args.strict, lake_data=args.lake_data, workers=args.workers)
    return summary.exit_code


def cmd_backfill(args) -> int:
    from flywheel_assets import backfill

    days = sorted({d.strip() for arg in args.partitions for d in arg.split(",") if d.strip()})
    bid = backfill.launch(args.url, days, title=args.title)
    print(f"backfill {bid} of {len(days)} partitions of {backfill.JOB} launched on {args.url}")
    if not args.wait:
        return 0
    st = backfill.wait(args.url, bid, timeout_s=args.timeout)
    return 0 if st == "COMPLETED_SUCCESS" else 1


def cmd_forget(args) -> int:
    """Remove records on purpose (retention, deletion requests); logged; the next run rebuilds what they fed."""
    from flywheel_assets.config import FlywheelConfig
    from flywheel_assets.forget import forget

    wh = args.warehouse or FlywheelConfig.load(args.config).paths.warehouse
    todo = [("file", v) for v in args.file or []] + [("session", v) for v in args.session or []]
    todo += [("date", v) for v in args.date or []] + ([("before", args.before)] if args.before else [])
    if not todo:
        print("flywheel forget: give --file, --session, --date or --before")
        return 2
    for scope, value in todo:
        res = forget(wh, scope, value, reason=args.reason)
        days = ", ".join(f"{d} ({n})" for d, n in res.removed_by_day.items()) or "none"
        what = f" files {res.files}" if res.files else ""
        print(f"forget {scope} {value}:{what} {res.rows_removed} rows removed; days: {days}")
        if scope == "file" and not res.files:
            print(f"  no source file matches {value!r}")
    print("the next `flywheel run` (or partition runs of those days + the global job) removes them from the "
          "derived tables and the exports")
    return 0


def cmd_demo(args) -> int:
    from flywheel_assets.demo.generator import generate_demo
    from flywheel_assets.runner import run_pipeline

    logs = Path(args.logs)
    if not args.skip_generate:
        print(f"flywheel demo: generating {args.sessions} sessions (seed {args.seed}) into {logs}")
        generate_demo(logs, seed=args.seed, sessions=args.sessions)
    os.environ.setdefault("FLYWHEEL_DEMO", "1")
    manifest = logs.parent / "demo_manifest.json"
    if manifest.exists():  # the planted canaries must never reach the clean zone (blocking check)
        os.environ.setdefault("FLYWHEEL_CANARY_FILE", str(manifest))
    if args.config is None and Path("configs/demo.yaml").exists():
        args.config = "configs/demo.yaml"
    summary = run_pipeline(logs, warehouse=args.warehouse, out_dir=args.out, config_path=args.config, demo=True,
                           strict=args.strict)
    print(f"exports in {args.out}; warehouse {args.warehouse}; open the UI with: dagster dev")
    return summary.exit_code


def cmd_ingest(args) -> int:
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.keys import load_key

    res = ingest_paths(Path(args.logs), IngestContext(key=load_key(demo=args.demo_key)), fmt=args.format)
    print(json.dumps(res.summary(), indent=2, default=str))
    if args.quarantine:
        for row in res.quarantined.select("source_file", "source_line", "reason", "detail").iter_rows():
            print("\t".join(str(x) for x in row))
    return 0 if res.reconciles() else 1


def cmd_pii(args) -> int:
    from flywheel_assets.privacy.audit import cli_main

    return cli_main(args.rest)


def cmd_train(args) -> int:
    if args.task == "sft":
        from flywheel_assets.train.sft_runner import train_sft as fn
    else:
        from flywheel_assets.train.dpo_runner import train_dpo as fn
    metrics = fn(Path(args.data), model=args.model, max_steps=args.max_steps,
                 out_dir=Path(args.output) if args.output else None)
    print(json.dumps(metrics, indent=2, default=str))
    return 0


def cmd_eval(args) -> int:
    """Student vs teacher on the held-out SFT rows: the logged (teacher) final turn is the reference."""
    from flywheel_assets.train.runner_support import resolve_model
    from flywheel_assets.train.config import TrainConfig
    from flywheel_assets.train.evaluate import evaluate_student, generate_outputs

    def load(split):
        p = Path(args.data) / "sft" / f"{split}.jsonl"
        return [json.loads(x) for x in p.read_text().splitlines() if x.strip()] if p.exists() else []

    rows = load("test") or load("validation")
    rows = sorted(rows, key=lambda r: r["unit_id"])[: args.max_rows]
    if not rows:
        print("no eval rows in sft/test.jsonl or sft/validation.jsonl")
        return 1
    model, tok = resolve_model(args.student, rows, TrainConfig())
    student = generate_outputs(model, tok, rows)
    report = evaluate_student(rows, student)
    out = Path(args.out or Path(args.data) / "eval")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    (out / "parity_report.md").write_text(report.markdown)
    (out / "parity_summary.json").write_text(json.dumps(report.summary, indent=2, sort_keys=True, default=str))
    print(json.dumps(report.summary, indent=2, default=str))
    print(f"parity report: {out / 'parity_report.md'}")
    return 0


def cmd_config(args) -> int:
    from flywheel_assets.config import FlywheelConfig, effective_yaml

    print(effective_yaml(FlywheelConfig.load(args.config)), end="")
    return 0


STRICT_HELP = ("warnings (failed non-blocking checks, e.g. coverage targets) fail the run with exit code 1; "
               "without it they print a WARN line and the exit code stays 0")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flywheel", description=__doc__)
    p.add_argument("--config", default=None, help="flywheel.yaml (default: ./flywheel.yaml or FLYWHEEL_CONFIG)")
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="materialise the whole asset graph over every partition found in --logs",
                       description="Exit code 0 when every step and every blocking check passed (failed non-blocking "
                                   "checks print a WARN line), 1 otherwise; see docs/operations.md.")
    r.add_argument("--logs", required=True, help="log drop directory (or one file)")
    r.add_argument("--warehouse", default=None, help="DuckDB path (default data/warehouse.duckdb), or a DuckLake: "
                   "ducklake:sqlite:CATALOG.sqlite | ducklake:duckdb:CATALOG.ducklake | ducklake:postgres:'dbname=..."
                   " host=...' (docs/scaling.md)")
    r.add_argument("--lake-data", default=None, help="DuckLake data files: local directory or s3://bucket/prefix "
                   "(default: CATALOG.files beside a file catalog)")
    r.add_argument("--workers", type=int, default=1, help="partitions materialised at once, each in its own "
                   "process (concurrent writes need a DuckLake on SQLite or Postgres; otherwise they queue)")
    r.add_argument("--out", default=None, help="export directory (default data/out)")
    r.add_argument("--partition", action="append", help="only this event date (repeatable)")
    r.add_argument("--demo-key", action="store_true", help="allow the built-in demo HMAC key")
    r.add_argument("--strict", action="store_true", help=STRICT_HELP)
    r.add_argument("--force", action="store_true",
                   help="re-run every partition even when unchanged, and let a rebuild drop rows")
    r.set_defaults(fn=cmd_run)

    b = sub.add_parser("backfill", help="launch a daemon-driven backfill of daily_partition_job on a running "
                                        "dagster dev (shows failed when a run fails)")
    b.add_argument("--partitions", action="append", required=True, help="event dates, comma-separated (repeatable)")
    b.add_argument("--url", default="http://127.0.0.1:3000", help="the Dagster webserver")
    b.add_argument("--title", default="", help="backfill title shown in the UI")
    b.add_argument("--wait", action="store_true", help="follow it; exit 1 unless every run succeeded")
    b.add_argument("--timeout", type=float, default=3600,
                   help="seconds to follow it with --wait (default %(default)s)")
    b.set_defaults(fn=cmd_backfill)

    f = sub.add_parser("forget", help="remove records from the raw zone (logged); the next run drops them "
                                      "from derived tables and exports")
    f.add_argument("--warehouse", default=None, help="DuckDB path (default from flywheel.yaml)")
    f.add_argument("--file", action="append", help="a source file (lineage name, path as seen, or sha256 prefix)")
    f.add_argument("--session", action="append", help="a session id (also ignored in files seen later)")
    f.add_argument("--date", action="append", help="every record of this event date (YYYY-MM-DD)")
    f.add_argument("--before", default=None, help="every record before this event date (retention; also later)")
    f.add_argument("--reason", default="", help="why (kept in forget_log)")
    f.set_defaults(fn=cmd_forget)

    d = sub.add_parser("demo", help="generate the seeded demo drop and run the pipeline on it")
    d.add_argument("--logs", default="data/demo_logs", help="where the generated drop is written and read from "
                                                             "(default %(default)s)")
    d.add_argument("--warehouse", default="data/warehouse.duckdb", help="DuckDB path (default %(default)s)")
    d.add_argument("--out", default="data/out", help="export directory (default %(default)s)")
    d.add_argument("--sessions", type=int, default=2400, help="sessions to generate (default %(default)s)")
    d.add_argument("--seed", type=int, default=7, help="generator seed: same seed, same drop (default %(default)s)")
    d.add_argument("--skip-generate", action="store_true", help="reuse the drop already in --logs")
    d.add_argument("--strict", action="store_true", help=STRICT_HELP)
    d.set_defaults(fn=cmd_demo)

    i = sub.add_parser("ingest", help="parse a drop and print counts (no warehouse)")
    i.add_argument("--logs", required=True, help="log drop directory (or one file)")
    i.add_argument("--format", default=None, help="force a format instead of detection")
    i.add_argument("--quarantine", action="store_true", help="list quarantined records")
    i.add_argument("--demo-key", action="store_true", help="allow the built-in demo HMAC key")
    i.set_defaults(fn=cmd_ingest)

    pii = sub.add_parser("pii", help="privacy tools: `flywheel pii scan PATH [--field F --out O] [--no-ner]`",
                         add_help=False)
    pii.add_argument("rest", nargs=argparse.REMAINDER, help="arguments of the privacy tool (`flywheel pii --help`)")
    pii.set_defaults(fn=cmd_pii)

    t = sub.add_parser("train", help="LoRA SFT or DPO with TRL + PEFT on an export directory")
    t.add_argument("task", choices=["sft", "dpo"], help="which export to train on: sft or dpo")
    t.add_argument("--data", required=True, help="export directory (flywheel run --out)")
    t.add_argument("--model", default=None, help="local model directory (default: build a tiny model)")
    t.add_argument("--max-steps", type=int, default=10, help="optimizer steps (default %(default)s)")
    t.add_argument("--output", default=None, help="directory for the adapter and metrics (default DATA/runs/TASK)")
    t.set_defaults(fn=cmd_train)

    c = sub.add_parser("config", help="print the effective configuration (file + defaults) as YAML")
    c.set_defaults(fn=cmd_config)

    e = sub.add_parser("eval", help="student vs teacher parity report on the eval set")
    e.add_argument("--data", required=True, help="export directory (flywheel run --out); reads sft/test.jsonl, "
                                                 "else sft/validation.jsonl")
    e.add_argument("--student", default=None, help="local student model directory (default: tiny model)")
    e.add_argument("--out", default=None, help="report directory (default DATA/eval)")
    e.add_argument("--max-rows", type=int, default=50, help="evaluate at most this many rows (default %(default)s)")
    e.set_defaults(fn=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    _env_defaults()
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    args = build_parser().parse_args(argv)
    if getattr(args, "config", None):
        os.environ["FLYWHEEL_CONFIG"] = args.config
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
