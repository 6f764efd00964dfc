"""End-to-end scale benchmark of the flywheel stages on demo-like logs (issue 9).

    python benchmarks/run.py --sizes 10000,100000 [--stages ingest,segment,...] [--redact-max-units N] [--report-only]

For every size (target number of *events*) it generates a seeded demo drop with ``generate_demo`` (sessions =
size / events-per-session of the demo), then runs each stage in its own fresh Python subprocess so that peak RSS
(``ru_maxrss`` of that process) and CPU time belong to that stage alone. Stages exchange data as Parquet files in
the work directory (not timed as part of the next stage's compute, but reading is included in its wall time):

    generate   demo generator -> logs/                          (events = measured after ingest)
    ingest     ingest_paths over every file -> events.parquet    (all days at once)
    segment    segment_events per event_date -> units.parquet    (as the partitioned asset does)
    redact     apply_policy + redact_units -> redacted.parquet   (sampled above --redact-max-units, see below)
    complexity complexity_tags -> tags.parquet
    curate     curate_units (MinHash dedup, filters, metadata, diversity, synthetic) -> curated.parquet
    pairs      mine_pairs -> pairs.parquet
    export     assign_splits + build_sft + build_dpo + training_shards + write_exports (files on disk)

Redaction is by far the slowest stage (privacy is owned and still tuned elsewhere). Above ``--redact-max-units``
it redacts an evenly spaced sample of that many units, reports the *sampled* throughput and extrapolates the full
stage time linearly in units (redaction is per unit, no cross-unit work); the downstream stages then see the
redacted sample plus the remaining units unredacted (same columns), so their cost is still measured at full size.
Every figure is labelled ``measured``, ``sampled`` or ``extrapolated`` in the output.

Results: one JSON per size under ``--workdir`` and a markdown section (between markers) in ``--out``.
Domain code only; no Dagster except ``--e2e`` (``runner.run_pipeline`` over the drop, the real asset graph).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ["generate", "ingest", "segment", "redact", "complexity", "curate", "pairs", "export"]
#: events per demo session (measured: 385 events from 50 sessions, 7.7); only used to
#: pick the session count for a target event count; the actual event count is measured and reported.
EVENTS_PER_SESSION = 7.7
DAYS = 3
SECTION = "benchmarks/run.py"  # the markers of this script's section in --out (benchmarks/doc_section.py)

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("FLYWHEEL_DEMO", "1")


# ---------------------------------------------------------------------------------------------------- stage bodies
# Each returns (rows_in, rows_out, extra dict). They run inside the stage's subprocess.

def _pl():
    import polars as pl

    return pl


def _cfg():
    from flywheel_assets.config import FlywheelConfig

    return FlywheelConfig.load(os.environ.get("FLYWHEEL_BENCH_CONFIG") or str(REPO / "__no_config__.yaml"))


def _key() -> bytes:
    from flywheel_assets.keys import load_key

    return load_key(demo=True)


def stage_generate(work: Path, size: int, opts: dict):
    from flywheel_assets.demo import generate_demo

    sessions = max(1, int(round(size / opts.get("events_per_session", EVENTS_PER_SESSION))))
    man = generate_demo(work / "logs", seed=opts.get("seed", 7), sessions=sessions, days=opts.get("days", DAYS),
                        manifest_path=work / "demo_manifest.json")
    files = [p for p in (work / "logs").rglob("*") if p.is_file() and not p.name.startswith(".")]
    nbytes = sum(p.stat().st_size for p in files)
    return sessions, len(files), {"sessions": sessions, "files": len(files), "bytes": nbytes}


def stage_ingest(work: Path, size: int, opts: dict):
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths

    cfg = _cfg()
    ctx = IngestContext(key=_key(), options={"api_records": cfg.ingest.api_records})
    res = ingest_paths(work / "logs", ctx, overrides=cfg.ingest.format_overrides)
    res.events.write_parquet(work / "events.parquet")
    res.quarantined.write_parquet(work / "quarantined.parquet")
    return res.records_in, res.events.height, {"quarantined": res.quarantined.height, "files": len(res.files)}


def stage_segment(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.schema import EVENT_SCHEMA
    from flywheel_assets.segment.units import segment_events

    events = pl.read_parquet(work / "events.parquet")
    gap = _cfg().ingest.session_gap_minutes
    parts = []
    for day in sorted(events["event_date"].unique().to_list()):
        ev = events.filter(pl.col("event_date") == day).select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)
        parts.append(segment_events(ev, gap_minutes=gap).with_columns(pl.lit(day).alias("event_date")))
    units = pl.concat(parts, how="vertical_relaxed").sort("unit_id")
    units.write_parquet(work / "units.parquet")
    return events.height, units.height, {"days": len(parts)}


def stage_redact(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.privacy.policy import apply_policy
    from flywheel_assets.privacy.redact import redact_units

    units = pl.read_parquet(work / "units.parquet")
    pcfg = _cfg().stage("privacy")
    cap = int(opts.get("redact_max_units") or 0)
    sampled = bool(cap and units.height > cap)
    if sampled:  # evenly spaced, deterministic sample
        step = units.height / cap
        idx = sorted({int(i * step) for i in range(cap)})
        units = units.with_row_index("_i")
        sample = units.filter(pl.col("_i").is_in(idx)).drop("_i")
        rest = units.filter(~pl.col("_i").is_in(idx)).drop("_i")
    else:
        sample, rest = units, None
    t0, c0 = time.perf_counter(), time.process_time()
    kept_parts = []
    n_chars = 0
    for day in sorted(sample["event_date"].unique().to_list()):
        part = sample.filter(pl.col("event_date") == day)
        pol = apply_policy(part, pcfg, as_of=day)
        kept = pol.kept
        if kept.height:
            red = redact_units(kept, pcfg, _key())
            kept_parts.append(red.units)
            n_chars += sum(len(m or "") for m in kept["messages"].to_list())
    t_red, c_red = time.perf_counter() - t0, time.process_time() - c0
    redacted = pl.concat(kept_parts, how="diagonal_relaxed") if kept_parts else sample
    extra = {"sampled": sampled, "redacted_units": sample.height, "redact_seconds": round(t_red, 3),
             "redact_cpu_seconds": round(c_red, 3), "message_chars": n_chars}
    if sampled:
        extra["extrapolated_seconds"] = round(t_red * units.height / sample.height, 2)
        extra["extrapolated_cpu_seconds"] = round(c_red * units.height / sample.height, 2)
        fill = rest.with_columns(pl.lit(0).cast(redacted.schema.get("n_pii", pl.Int64)).alias("n_pii"))
        if "pii_types" in redacted.columns:
            fill = fill.with_columns(pl.lit(None).cast(redacted.schema["pii_types"]).alias("pii_types"))
        redacted = pl.concat([redacted, fill], how="diagonal_relaxed")
    redacted.sort("unit_id").write_parquet(work / "redacted.parquet")
    return units.height, redacted.height, extra


def stage_complexity(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.curate.complexity import complexity_tags

    units = pl.read_parquet(work / "redacted.parquet")
    thresholds = tuple(_cfg().stage("curate").complexity_thresholds)
    tags = complexity_tags(units, thresholds)
    tags.write_parquet(work / "tags.parquet")
    return units.height, tags.height, {}


def stage_curate(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.curate.pipeline import curate_units
    from flywheel_assets.privacy.cascade import scan_text

    cfg = _cfg()
    pcfg = cfg.stage("privacy")
    units = pl.read_parquet(work / "redacted.parquet").sort("unit_id")
    tags = pl.read_parquet(work / "tags.parquet").sort("unit_id")
    curated = curate_units(units, tags, cfg.stage("curate"), pii_scan=lambda t: scan_text(t, pcfg))
    curated.write_parquet(work / "curated.parquet")
    return units.height, curated.height, {"kept": int(curated["kept"].sum()),
                                          "dup_clusters": int(curated["dup_cluster_id"].n_unique())}


def stage_pairs(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.feedback.pairs import mine_pairs

    curated = pl.read_parquet(work / "curated.parquet").sort("unit_id")
    res = mine_pairs(curated, _cfg().stage("feedback"))
    res.pairs.write_parquet(work / "pairs.parquet")
    return curated.height, res.pairs.height, {"dropped": res.dropped.height}


def stage_export(work: Path, size: int, opts: dict):
    pl = _pl()
    from flywheel_assets.export.dpo import build_dpo
    from flywheel_assets.export.sft import build_sft
    from flywheel_assets.export.shards import training_shards
    from flywheel_assets.export.splits import assign_splits
    from flywheel_assets.export.writer import write_exports

    ecfg = _cfg().stage("export")
    curated = pl.read_parquet(work / "curated.parquet").sort("unit_id")
    pairs = pl.read_parquet(work / "pairs.parquet")
    units, split_pairs = assign_splits(curated, pairs if pairs.height else None, ecfg)
    sft, _ = build_sft(units, ecfg) if units.height else (pl.DataFrame(), None)
    dpo, _ = build_dpo(split_pairs, ecfg) if split_pairs.height else (pl.DataFrame(), None)
    shards = training_shards(sft, ecfg) if sft.height else None
    out = write_exports(work / "exports", sft if sft.height else None, dpo if dpo.height else None, shards,
                        {"pii_handling": "benchmark"})
    return curated.height, sft.height + dpo.height, {"sft": sft.height, "dpo": dpo.height, "files": len(out["files"])}


BODIES = {"generate": stage_generate, "ingest": stage_ingest, "segment": stage_segment, "redact": stage_redact,
          "complexity": stage_complexity, "curate": stage_curate, "pairs": stage_pairs, "export": stage_export}


def _child(stage: str, work: Path, size: int, opts: dict) -> None:
    """Runs inside the stage subprocess: time the body, print one JSON line."""
    sys.path.insert(0, str(REPO))
    t0, c0 = time.perf_counter(), time.process_time()
    rows_in, rows_out, extra = BODIES[stage](work, size, opts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH_JSON " + json.dumps({"stage": stage, "size": size, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                                      "peak_rss_mb": round(rss_mb, 1), "rows_in": rows_in, "rows_out": rows_out,
                                      "load_avg": round(os.getloadavg()[0], 1), **extra}, sort_keys=True))


def run_stage(stage: str, work: Path, size: int, opts: dict, timeout: float | None = None) -> dict:
    """Run one stage in a fresh interpreter; returns its metrics (or {"error": ...})."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_stage", stage, "--_work", str(work),
           "--_size", str(size), "--_opts", json.dumps(opts, sort_keys=True)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {"stage": stage, "size": size, "error": f"timeout after {timeout}s"}
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # max over all children so far
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("BENCH_JSON "):
            rec = json.loads(line[len("BENCH_JSON "):])
            rec["process_wall_s"] = round(time.perf_counter() - t0, 3)  # incl. interpreter start + imports
            rec["children_max_rss_mb"] = round(child_rss, 1)
            return rec
    tail = (proc.stderr or "")[-800:]
    return {"stage": stage, "size": size, "error": f"rc={proc.returncode}: {tail}"}


# ---------------------------------------------------------------------------------------------------- analysis

def fit_exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(cost) on log(n) (cost-growth exponent b of cost ~ a * n^b)."""
    pts = [(math.log(n), math.log(c)) for n, c in points if n > 0 and c and c > 0]
    if len(pts) < 2 or len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / sxx, 3)


def stage_cost(rec: dict) -> tuple[float | None, float | None, str]:
    """(wall, cpu, label) for a stage record, using the linear extrapolation for a sampled redaction."""
    if rec.get("error"):
        return None, None, "failed"
    if rec.get("stage") == "redact" and rec.get("sampled"):
        other_wall = rec["wall_s"] - rec["redact_seconds"]
        other_cpu = rec["cpu_s"] - rec["redact_cpu_seconds"]
        return (round(rec["extrapolated_seconds"] + other_wall, 2),
                round(rec["extrapolated_cpu_seconds"] + other_cpu, 2), "sampled")
    return rec["wall_s"], rec["cpu_s"], "measured"


def summarize(results: dict[int, dict]) -> dict:
    """Per-stage exponents (on CPU seconds vs events) and the per-size table rows."""
    sizes = sorted(results)
    events = {s: (results[s]["stages"].get("ingest") or {}).get("rows_out") or s for s in sizes}
    exps = {}
    for st in STAGES:
        pts = []
        for s in sizes:
            rec = results[s]["stages"].get(st)
            if rec:
                _, cpu, label = stage_cost(rec)
                if cpu and label in ("measured", "sampled"):
                    pts.append((events[s], cpu))
        exps[st] = fit_exponent(pts)
    return {"sizes": sizes, "events": events, "exponents": exps}


def extrapolate(results: dict[int, dict], target_events: int) -> dict[str, dict]:
    """Per-stage cost at target_events: measured when that size ran the stage, else projected from the largest
    measured size with the fitted exponent (``fit``) and with b = 1 (``linear``: fixed start-up costs make a fitted
    b below 1 optimistic)."""
    summ = summarize(results)
    out = {}
    for st in STAGES:
        best = None
        for s in summ["sizes"]:
            rec = results[s]["stages"].get(st)
            if rec and not rec.get("error"):
                best = (s, rec)
        if best is None:
            continue
        s, rec = best
        wall, cpu, label = stage_cost(rec)
        ev = summ["events"][s]
        if ev >= target_events * 0.9 and label == "measured":
            out[st] = {"from_events": ev, "exponent": None, "cpu_s": cpu, "cpu_linear_s": cpu, "wall_s": wall,
                       "peak_rss_mb": rec["peak_rss_mb"], "figure": "measured"}
            continue
        b = summ["exponents"].get(st) or 1.0
        f, lin = (target_events / ev) ** b, target_events / ev
        out[st] = {"from_events": ev, "exponent": b, "cpu_s": round(cpu * f, 1), "cpu_linear_s": round(cpu * lin, 1),
                   "wall_s": round(wall * f, 1), "peak_rss_mb": rec["peak_rss_mb"],
                   "figure": "sampled+extrapolated" if label == "sampled" else "extrapolated"}
    return out


def projection_md(results: dict[int, dict], target: int = 1_000_000) -> list[str]:
    proj = extrapolate(results, target)
    if not proj:
        return []
    lines = ["", f"Projection to {target:,} events (per stage: measured where that size ran, else extrapolated from "
                 "the largest measured size; CPU with the fitted exponent and with b = 1):", "",
             "| stage | from events | b | CPU s (fit) | CPU s (b = 1) | peak RSS MB at that size | figure |",
             "|---|---:|---:|---:|---:|---:|---|"]
    tot_fit = tot_lin = 0.0
    for st, p in proj.items():
        if st != "generate":  # the generator is the benchmark's input, not part of the pipeline
            tot_fit += p["cpu_s"]
            tot_lin += p["cpu_linear_s"]
        b = "" if p["exponent"] is None else f"{p['exponent']:.2f}"
        lines.append(f"| {st} | {p['from_events']:,} | {b} | {p['cpu_s']:,.0f} | {p['cpu_linear_s']:,.0f} | "
                     f"{p['peak_rss_mb']:,.0f} | {p['figure']} |")
    lines.append(f"| **pipeline sum, one core (without generate)** | | | **{tot_fit:,.0f}** | **{tot_lin:,.0f}** | | |")
    return lines


def markdown(results: dict[int, dict], cmd: str, extra_md: str = "") -> str:
    summ = summarize(results)
    lines = ["## Stage throughput at scale (`benchmarks/run.py`)", "",
             "Commands: " + "; ".join(f"`{c}`" for c in sorted({c for s in summ["sizes"] for c in
                                                                (results[s].get("commands") or {}).values()} or {cmd}))
             + "  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs visible, "
             f"{_mem_gib():.0f} GiB RAM, shared with ~8 other engineers' jobs; Python {platform.python_version()}.  ",
             f"Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. Demo drop: seed 7, {DAYS} days, "
             f"sessions = target events / {EVENTS_PER_SESSION:g}.  ",
             "Each stage runs in a fresh subprocess: *peak RSS* is that process's `ru_maxrss` (interpreter + imports "
             "included, ~150-400 MB baseline); *CPU s* is process time (all threads), the cost measure; *wall s* is "
             "inflated by the other jobs on the machine (1-min load average shown). Throughput = rows in / wall s.",
             "", "| events (measured) | stage | rows in | rows out | wall s | CPU s | rows/s (wall) | peak RSS MB "
             "| load | figure |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in summ["sizes"]:
        ev = summ["events"][s]
        tot_w = tot_c = 0.0
        for st in STAGES:
            rec = results[s]["stages"].get(st)
            if not rec:
                continue
            if rec.get("error"):
                lines.append(f"| {ev:,} | {st} | | | | | | | | failed: {rec['error'][:80]} |")
                continue
            wall, cpu, label = stage_cost(rec)
            tot_w += wall
            tot_c += cpu
            note = label
            if label == "sampled":
                note = (f"redaction measured on {rec['redacted_units']:,} of {rec['rows_in']:,} units "
                        f"({rec['redact_seconds']:.1f} s), full stage extrapolated linearly")
            rps = rec["rows_in"] / wall if wall else 0
            lines.append(f"| {ev:,} | {st} | {rec['rows_in']:,} | {rec['rows_out']:,} | {wall:,.1f} | {cpu:,.1f} | "
                         f"{rps:,.0f} | {rec['peak_rss_mb']:,.0f} | {rec.get('load_avg', '')} | {note} |")
        lines.append(f"| {ev:,} | **sum of stages** | | | **{tot_w:,.1f}** | **{tot_c:,.1f}** | | | | |")
    lines += ["", "Cost-growth exponent b (CPU s ~ a * events^b, least squares over the sizes above):", "",
              "| stage | b |", "|---|---:|"]
    for st in STAGES:
        b = summ["exponents"].get(st)
        lines.append(f"| {st} | {'' if b is None else f'{b:.2f}'} |")
    lines += projection_md(results)
    lines += ["", "Each size's `results.json` (under the work directory) records which command produced each stage. "
                  "Figures marked *sampled* are linear extrapolations from a measured sample; the projection table "
                  "marks what is extrapolated."]
    if extra_md:
        lines += ["", extra_md]
    return "\n".join(lines) + "\n"


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        return 0.0


def run_size(size: int, work_root: Path, stages: list[str], opts: dict, echo=print, cmd: str = "") -> dict:
    work = work_root / f"n{size}"
    work.mkdir(parents=True, exist_ok=True)
    res_path = work / "results.json"
    prev = json.loads(res_path.read_text()) if res_path.exists() else {"size": size, "stages": {}}
    if cmd:
        prev.setdefault("commands", {}).update({st: cmd for st in stages})
    for st in STAGES:
        if st not in stages:
            continue
        echo(f"[{size:,}] {st} ...")
        rec = run_stage(st, work, size, opts, timeout=opts.get("stage_timeout_s"))
        prev["stages"][st] = rec
        res_path.write_text(json.dumps(prev, indent=1, sort_keys=True))
        if rec.get("error"):
            echo(f"[{size:,}] {st} FAILED: {rec['error'][:300]}")
            break
        echo(f"[{size:,}] {st}: {rec['rows_in']:,} -> {rec['rows_out']:,} in {rec['wall_s']:.1f}s wall, "
             f"{rec['cpu_s']:.1f}s CPU, peak RSS {rec['peak_rss_mb']:.0f} MB")
    return prev


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000", help="comma-separated target event counts, e.g. 10000,100000,1000000")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of " + ",".join(STAGES))
    ap.add_argument("--workdir", default="/tmp/flywheel_bench", help="generated logs + intermediate parquet")
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"), help="markdown file ('' = don't write)")
    ap.add_argument("--redact-max-units", type=int, default=20000,
                    help="redact at most this many (evenly spaced) units per size and extrapolate; 0 = all")
    ap.add_argument("--stage-timeout", type=float, default=None, help="seconds per stage subprocess")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: rebuild the markdown from the results.json files under --workdir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=DAYS)
    ap.add_argument("--_stage", help=argparse.SUPPRESS)
    ap.add_argument("--_work", help=argparse.SUPPRESS)
    ap.add_argument("--_size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_opts", default="{}", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a._stage:
        _child(a._stage, Path(a._work), a._size, json.loads(a._opts))
        return 0
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    stages = [s.strip() for s in a.stages.split(",") if s.strip()]
    bad = [s for s in stages if s not in STAGES]
    if bad:
        ap.error(f"unknown stages {bad}; choose from {STAGES}")
    opts = {"redact_max_units": a.redact_max_units, "stage_timeout_s": a.stage_timeout, "seed": a.seed,
            "days": a.days}
    root = Path(a.workdir)
    cmd = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {} if a.report_only else {s: run_size(s, root, stages, opts, cmd=cmd) for s in sizes}
    # fold in earlier sizes already in the work dir (so the table covers every size run so far)
    for p in sorted(root.glob("n*/results.json")):
        r = json.loads(p.read_text())
        results.setdefault(int(r["size"]), r)
    if a.out and results:
        sys.path.insert(0, str(REPO))  # run as a script, only benchmarks/ is on the path
        from benchmarks.doc_section import replace_section

        replace_section(a.out, SECTION, markdown(results, cmd), new_doc="# flywheel benchmarks\n")
        print(f"wrote {a.out}")
    print(json.dumps(summarize(results), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
