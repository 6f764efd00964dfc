"""Operate flywheel as a user does and check that a landing drop never shrinks a day.

1. `flywheel run` over --drop (a first drop, materialised into a fresh warehouse);
2. the drop directory is emptied (the user archives processed files);
3. each --new file is copied into a separate landing directory and one landing_sensor tick is evaluated
   in-process; the partition runs it requests and then the global job run like the daemon would run them;
4. per-day row counts and export rows before/after are printed; exit 1 if any day of any table or the exports
   shrank, or a day touched by a new file did not grow.

    PYTHONPATH=. python scripts/landing_drop_check.py --drop DIR --new FILE [--new FILE ...] --work /tmp/x [--config flywheel.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

TABLES = ("normalized_events", "quarantined_records", "training_units", "redacted_trajectories")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def day_counts(db) -> dict:
    from flywheel_assets import warehouse

    out = {}
    for t in TABLES:
        df = warehouse.query(db, f"SELECT event_date, count(*) AS n FROM {t} GROUP BY 1 ORDER BY 1")
        out[t] = {d.isoformat(): n for d, n in df.iter_rows()}
    return out


def export_rows(out: Path) -> dict:
    return {kind: sum(len(p.read_text().splitlines()) for p in (out / kind).glob("*.jsonl")) for kind in ("sft", "dpo")}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drop", required=True)
    ap.add_argument("--new", action="append", required=True, help="file to drop into the landing dir (REL=PATH "
                    "keeps PATH under the relative name REL)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--config", default=None)
    args = ap.parse_args(argv)
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import dagster as dg

    from flywheel_assets import raw_zone
    from flywheel_assets.defs import build_definitions
    from flywheel_assets.defs.resources import FlywheelResource
    from flywheel_assets.runner import run_pipeline

    work = Path(args.work)
    drop, landing, db, out = work / "drop", work / "landing", work / "wh" / "warehouse.duckdb", work / "out"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(args.drop, drop)
    c0 = cpu()
    first = run_pipeline(drop, warehouse=db, out_dir=out, config_path=args.config, echo=lambda *a: None)
    print(f"first run: ok={first.ok} partitions={first.partitions} ({cpu() - c0:.0f} CPU-s in-process)"
          f"{' failed: ' + str(first.failed + first.checks_failed) if not first.ok else ''}")
    before, ex_before = day_counts(db), export_rows(out)
    shutil.rmtree(drop)  # the user archives the processed drop
    for spec in args.new:
        rel, _, path = spec.rpartition("=")
        dst = landing / (rel or Path(path).name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dst)
    res = FlywheelResource(config_path=str(args.config or ""), logs_dir=str(landing), warehouse=str(db),
                           out_dir=str(out))
    defs = build_definitions(res)
    sensor = next(s for s in defs.sensors if s.name == "landing_sensor")
    c1, t1 = cpu(), time.monotonic()
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"flywheel": res}) as ctx:
            tick = sensor(ctx)
        days = [r.partition_key for r in tick.run_requests]
        print(f"sensor tick: runs for {days}")
        for req in tick.dynamic_partitions_requests:
            instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
        ok = True
        for req in tick.run_requests:
            r = defs.resolve_job_def("daily_partition_job").execute_in_process(
                partition_key=req.partition_key, instance=instance, tags=req.tags, run_config=QUIET,
                raise_on_error=False)
            ok &= r.success
            failed = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in r.get_asset_check_evaluations()
                      if not e.passed]
            print(f"  partition {req.partition_key}: {'ok' if r.success else 'FAILED'} {failed or ''}")
            if r.success:
                raw_zone.mark_done(db, req.partition_key)
        g = defs.resolve_job_def("global_assets_job").execute_in_process(instance=instance, run_config=QUIET,
                                                                          raise_on_error=False)
        ok &= g.success
    print(f"sensor-triggered runs: ok={ok} ({cpu() - c1:.0f} CPU-s, {time.monotonic() - t1:.0f} s wall)")
    after, ex_after = day_counts(db), export_rows(out)
    bad = []
    print(f"{'table':24} {'day':10} {'before':>8} {'after':>8}")
    for t in TABLES:
        for d in sorted(set(before[t]) | set(after[t])):
            b, a = before[t].get(d, 0), after[t].get(d, 0)
            flag = " SHRANK" if a < b else ""
            if a < b:
                bad.append(f"{t}:{d}")
            print(f"{t:24} {d:10} {b:8} {a:8}{flag}")
    for d in days:
        if after["normalized_events"].get(d, 0) + after["quarantined_records"].get(d, 0) <= \
                before["normalized_events"].get(d, 0) + before["quarantined_records"].get(d, 0):
            bad.append(f"{d} did not grow")
    print(f"exports before {json.dumps(ex_before)} after {json.dumps(ex_after)}")
    if any(ex_after[k] < ex_before[k] for k in ex_before):
        bad.append("exports shrank")
    print("RESULT:", "OK (nothing shrank)" if not bad and ok else f"FAILED {bad}")
    return 0 if not bad and ok else 1


if __name__ == "__main__":
    sys.exit(main())
