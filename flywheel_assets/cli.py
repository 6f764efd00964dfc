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
                           demo=args.demo_key, partitions=args.partition or None, lake_data=args.lake_data,
                           workers=args.workers)
    return 0 if summary.ok else 1


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
    summary = run_pipeline(logs, warehouse=args.warehouse, out_dir=args.out, config_path=args.config, demo=True)
    print(f"exports in {args.out}; warehouse {args.warehouse}; open the UI with: dagster dev")
    return 0 if summary.ok else 1


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
    from flywheel_assets.train._common import resolve_model
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flywheel", description=__doc__)
    p.add_argument("--config", default=None, help="flywheel.yaml (default: ./flywheel.yaml or FLYWHEEL_CONFIG)")
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="materialise the whole asset graph over every partition found in --logs")
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
    r.set_defaults(fn=cmd_run)

    d = sub.add_parser("demo", help="generate the seeded demo drop and run the pipeline on it")
    d.add_argument("--logs", default="data/demo_logs")
    d.add_argument("--warehouse", default="data/warehouse.duckdb")
    d.add_argument("--out", default="data/out")
    d.add_argument("--sessions", type=int, default=2400)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--skip-generate", action="store_true")
    d.set_defaults(fn=cmd_demo)

    i = sub.add_parser("ingest", help="parse a drop and print counts (no warehouse)")
    i.add_argument("--logs", required=True)
    i.add_argument("--format", default=None, help="force a format instead of detection")
    i.add_argument("--quarantine", action="store_true", help="list quarantined records")
    i.add_argument("--demo-key", action="store_true")
    i.set_defaults(fn=cmd_ingest)

    pii = sub.add_parser("pii", help="privacy tools: `flywheel pii scan PATH [--field F --out O] [--no-ner]`",
                         add_help=False)
    pii.add_argument("rest", nargs=argparse.REMAINDER)
    pii.set_defaults(fn=cmd_pii)

    t = sub.add_parser("train", help="LoRA SFT or DPO with TRL + PEFT on an export directory")
    t.add_argument("task", choices=["sft", "dpo"])
    t.add_argument("--data", required=True, help="export directory (flywheel run --out)")
    t.add_argument("--model", default=None, help="local model directory (default: build a tiny model)")
    t.add_argument("--max-steps", type=int, default=10)
    t.add_argument("--output", default=None)
    t.set_defaults(fn=cmd_train)

    c = sub.add_parser("config", help="print the effective configuration (file + defaults) as YAML")
    c.set_defaults(fn=cmd_config)

    e = sub.add_parser("eval", help="student vs teacher parity report on the eval set")
    e.add_argument("--data", required=True)
    e.add_argument("--student", default=None, help="local student model directory (default: tiny model)")
    e.add_argument("--out", default=None)
    e.add_argument("--max-rows", type=int, default=50)
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
