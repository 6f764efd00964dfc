"""What a night costs: end-to-end `flywheel run` CPU, the new-day / from-scratch ratio, peak RSS per step (issue 19).

    python benchmarks/nightly.py --cases 2400:3 [600:30 ...] [--modes scratch,newday] [--workdir DIR] [--out FILE]
    python benchmarks/nightly.py --report-only [--workdir DIR] [--out docs/benchmarks.md]

A case ``SESSIONS:DAYS`` is a seeded demo drop (``generate_demo(sessions=SESSIONS, days=DAYS)``: one landing
directory per day, starting 2026-11-18 or, when the drop would reach today, ending yesterday, since future-dated
events are quarantined; ~8 events per session; ~1% of events fall on the day before their directory's date, so
DAYS directories usually give DAYS + 1 event dates and a new directory also changes the previous date).
``2400:3`` is the demo drop of issue 19 (19,193 events, 4 event dates). Every run is the real CLI in a
subprocess, exactly what a nightly job runs:

    python -m flywheel_assets.cli --config configs/demo.yaml run --logs LOGS --warehouse WH --out OUT --demo-key

with ``FLYWHEEL_DEMO=1`` and the drop's manifest as canary file (as ``flywheel demo`` does). Modes:

* ``scratch``: an empty warehouse, the whole drop. Reports events (``normalized_events`` after the run), CPU
  seconds (user + sys of the CLI process and everything it waited for, from ``os.wait4``: per run, not the
  harness's cumulative ``RUSAGE_CHILDREN``), events per CPU-second, wall seconds and peak RSS (``ru_maxrss``, and
  the peaks read before each per-step reset, see below).
* ``newday``: the last landing directory is held back, the rest is run into an empty warehouse ("history"),
  then the directory is put back (same paths, so lineage and exports can be compared) and the CLI runs again
  ("new day"). The new-day run's CPU divided by the scratch run's CPU of the same drop is the ratio issue 19
  targets (<= 0.4 at 4 event dates, <= 0.1 at 30). The new-day run's exports are compared file by file (sha256)
  with the scratch run's.

Per-step cost (``--steps``, on by default): the CLI runs with ``FLYWHEEL_DAGSTER_LOG_LEVEL=DEBUG`` so Dagster
prints STEP_START / STEP_SUCCESS / STEP_FAILURE lines; the harness reads them as they arrive and, at each step
start, resets the CLI process's peak-RSS counter (``/proc/PID/clear_refs`` = 5) and notes its CPU ticks
(``/proc/PID/stat``); at the step's end it reads ``VmHWM`` and the ticks again. `flywheel run` (``--workers 1``)
executes every step in its own process one after another, so a step's *peak RSS* is the process's high-water mark
while that step ran, including what earlier steps still hold (Python rarely returns memory): an upper bound of
the step's own need, exact for the run as a whole. If ``clear_refs`` is not writable the harness falls back to
sampling ``VmRSS`` every 0.2 s (marked ``sampled``). Step CPU is the process's user + sys ticks (1/100 s) between
the two lines. The DEBUG console lines cost a little CPU; ``--no-steps`` measures without them.

Results: one JSON per run under ``WORKDIR/results/`` and a markdown section (between markers) in ``--out``,
regenerated from those JSON files by ``--report-only``. No timed tests: this is a benchmark, run by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECTION = "benchmarks/nightly.py"  # the markers of this script's section in --out (benchmarks/doc_section.py)
DEFAULT_WORKDIR = "/tmp/flywheel_nightly"
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
#: issue 19 targets, printed next to the measured figures
TARGET_EPS = 280.0
TARGET_RATIO = {4: 0.4, 30: 0.1}
TARGET_RSS_MB = 8 * 1024

STEP_RE = re.compile(r" - (?P<job>\w+) - (?P<run>[0-9a-f-]{8,}) - (?:\d+ - )?(?P<step>[\w.\[\]-]+) - "
                     r"(?P<event>STEP_START|STEP_SUCCESS|STEP_FAILURE) - ")
COUNT_RE = re.compile(r"\b(normalized_events|training_units|curated_kept|sft_dataset|dpo_dataset) (\d+)")
PARTS_RE = re.compile(r"(\d+) partitions \((\d+) unchanged, skipped\)")


# ---------------------------------------------------------------------------------------------------- parsing
# Pure functions (unit-tested in flywheel_assets_tests/test_benchmarks_nightly.py, no pipeline run).

def parse_case(spec: str) -> tuple[int, int]:
    """``"2400:3"`` -> (sessions, days)."""
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", spec)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise ValueError(f"case {spec!r} is not SESSIONS:DAYS with both >= 1")
    return int(m.group(1)), int(m.group(2))


def parse_step_line(line: str) -> dict | None:
    """A Dagster console line -> {job, run, step, event} for step start/end events, else None."""
    m = STEP_RE.search(line)
    return m.groupdict() if m else None


def parse_counts(text: str) -> dict[str, int]:
    """The CLI's warehouse-count line(s) -> {table: rows} (last value wins) plus partitions run / skipped."""
    out: dict[str, int] = {}
    for name, n in COUNT_RE.findall(text):
        out[name] = int(n)
    m = PARTS_RE.search(text)
    if m:
        out["partitions_found"] = int(m.group(1))
        out["partitions_skipped"] = int(m.group(2))
    return out


def proc_status_kb(status_text: str, key: str) -> int | None:
    """``VmHWM`` / ``VmRSS`` in kB from the text of /proc/PID/status."""
    m = re.search(rf"^{key}:\s+(\d+) kB", status_text, re.M)
    return int(m.group(1)) if m else None


def proc_stat_ticks(stat_text: str) -> int:
    """utime + stime + cutime + cstime (clock ticks) from the text of /proc/PID/stat (comm may hold spaces)."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15])  # fields 14..17 of proc(5), after pid and comm


def fold_steps(events: list[dict]) -> dict[str, dict]:
    """Step records (one per step execution: job, step, cpu_s, wall_s, peak_kb) -> per (job, step) totals:
    executions, CPU s and wall s summed, peak RSS MB = max over the executions."""
    out: dict[str, dict] = {}
    for e in events:
        key = f"{e['job']}:{e['step']}"
        agg = out.setdefault(key, {"job": e["job"], "step": e["step"], "runs": 0, "cpu_s": 0.0, "wall_s": 0.0,
                                   "peak_rss_mb": 0.0, "failed": 0, "rss_method": e.get("rss_method", "")})
        agg["runs"] += 1
        agg["cpu_s"] = round(agg["cpu_s"] + e.get("cpu_s", 0.0), 2)
        agg["wall_s"] = round(agg["wall_s"] + e.get("wall_s", 0.0), 2)
        agg["peak_rss_mb"] = round(max(agg["peak_rss_mb"], (e.get("peak_kb") or 0) / 1024), 1)
        agg["failed"] += int(e.get("event") == "STEP_FAILURE")
    return out


def run_peak_mb(rec: dict) -> float | None:
    """A run's peak RSS: its recorded peak, or a step's if higher (results written before the harness kept the
    peak across its per-step counter resets recorded only the peak since the last reset)."""
    steps = [t.get("peak_rss_mb") or 0 for t in (rec.get("step_totals") or {}).values()]
    vals = [v for v in [rec.get("peak_rss_mb"), *steps] if v]
    return max(vals) if vals else None


def start_date(days: int, today: date | None = None) -> date:
    """The generator's default first day (2026-11-18) when the whole drop lies before today, else the drop ends
    yesterday: events dated in the future are quarantined, so a drop reaching past today would measure that."""
    today = today or datetime.now(timezone.utc).date()
    default = date(2026, 11, 18)
    return default if default + timedelta(days=days) <= today else today - timedelta(days=days)


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole rounded to 3 places; None when either is missing or whole is 0."""
    if part is None or not whole:
        return None
    return round(part / whole, 3)


def target_ratio(event_dates: int) -> float | None:
    """Issue 19's new-day target for a history of this many event dates (the nearest of 4 and 30 below it)."""
    keys = [k for k in sorted(TARGET_RATIO) if event_dates >= k]
    return TARGET_RATIO[keys[-1]] if keys else None


# ---------------------------------------------------------------------------------------------------- running

class _StepTracker:
    """Reads the CLI's merged output line by line; per step: CPU ticks and peak RSS of the CLI process."""

    def __init__(self, pid: int, log_path: Path):
        self.pid, self.log = pid, open(log_path, "w")
        self.open: dict[tuple, dict] = {}
        self.steps: list[dict] = []
        self.lines: list[str] = []
        self.rss_method = "clear_refs"
        self._samples_max = 0  # fallback: max VmRSS seen while a step is open
        self.hwm_max_kb = 0  # the process's peak RSS read before each reset
        self._stop = threading.Event()

    def _read(self, name: str) -> str:
        with open(f"/proc/{self.pid}/{name}") as fh:
            return fh.read()

    def _reset_hwm(self, status: str) -> None:
        """Reset the peak-RSS counter; the kernel's ``ru_maxrss`` is the same counter, so the peak so far is kept
        first (the run's peak = max of these and the ``ru_maxrss`` that ``wait4`` reports)."""
        if self.rss_method != "clear_refs":
            return
        self.hwm_max_kb = max(self.hwm_max_kb, proc_status_kb(status, "VmHWM") or 0)
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as fh:
                fh.write("5")
        except OSError:
            self.rss_method = "sampled"

    def sampler(self) -> None:
        while not self._stop.wait(0.2):
            try:
                rss = proc_status_kb(self._read("status"), "VmRSS") or 0
            except OSError:
                return
            self._samples_max = max(self._samples_max, rss)

    def feed(self, line: str, track: bool) -> None:
        self.log.write(line)
        self.lines.append(line)
        ev = parse_step_line(line) if track else None
        if not ev:
            return
        now = time.perf_counter()
        try:
            ticks = proc_stat_ticks(self._read("stat"))
            status = self._read("status")
        except OSError:
            return
        key = (ev["run"], ev["step"])
        if ev["event"] == "STEP_START":
            self._reset_hwm(status)
            self._samples_max = proc_status_kb(status, "VmRSS") or 0
            self.open[key] = {"t": now, "ticks": ticks}
        elif key in self.open:
            st = self.open.pop(key)
            peak = (proc_status_kb(status, "VmHWM") if self.rss_method == "clear_refs"
                    else max(self._samples_max, proc_status_kb(status, "VmRSS") or 0))
            self.steps.append({**ev, "cpu_s": round((ticks - st["ticks"]) / CLK_TCK, 2),
                               "wall_s": round(now - st["t"], 2), "peak_kb": peak, "rss_method": self.rss_method})

    def close(self) -> None:
        self._stop.set()
        self.log.close()


def run_cli(logs: Path, wh: Path, out: Path, config: Path, canary: Path | None, log_path: Path,
            steps: bool = True, extra: list[str] | None = None) -> dict:
    """One `flywheel run` in a subprocess; returns its measured cost, counts and per-step records."""
    env = {k: v for k, v in os.environ.items() if k not in ("FLYWHEEL_EMBEDDING_CACHE", "DAGSTER_HOME")}
    env.update({"TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "FLYWHEEL_DEMO": "1",
                "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
    env.setdefault("OMP_NUM_THREADS", "1")
    if canary:
        env["FLYWHEEL_CANARY_FILE"] = str(canary)
    if steps:
        env["FLYWHEEL_DAGSTER_LOG_LEVEL"] = "DEBUG"
    cmd = [sys.executable, "-m", "flywheel_assets.cli", "--config", str(config), "run", "--logs", str(logs),
           "--warehouse", str(wh), "--out", str(out), "--demo-key", *(extra or [])]
    return measure(cmd, env, log_path, steps)


def measure(cmd: list[str], env: dict, log_path: Path, steps: bool = True) -> dict:
    """Run ``cmd`` (stdout + stderr merged, saved to ``log_path``); its CPU, wall, peak RSS, counts, steps."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    tracker = _StepTracker(proc.pid, log_path)
    sampler = threading.Thread(target=tracker.sampler, daemon=True)
    if steps:
        sampler.start()
    for line in proc.stdout:
        tracker.feed(line, steps)
    _, status, ru = os.wait4(proc.pid, 0)  # this child's own rusage (incl. what it waited for), not cumulative
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    tracker.close()
    text = "".join(tracker.lines)
    return {"cmd": " ".join(cmd), "rc": proc.returncode, "wall_s": round(wall, 1),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 1), "user_s": round(ru.ru_utime, 1),
            "sys_s": round(ru.ru_stime, 1), "peak_rss_mb": round(max(ru.ru_maxrss, tracker.hwm_max_kb) / 1024, 1),
            "load_avg": [round(load0, 1), round(os.getloadavg()[0], 1)], "counts": parse_counts(text),
            "steps": tracker.steps, "step_totals": fold_steps(tracker.steps), "rss_method": tracker.rss_method,
            "log": str(log_path), "tail": text[-600:] if proc.returncode else ""}


def export_digest(out: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under an export directory."""
    if not out.exists():
        return {}
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def compare_exports(a: dict[str, str], b: dict[str, str]) -> dict:
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return {"files": len(set(a) | set(b)), "identical": not differ, "differ": differ[:20]}


def machine() -> dict:
    mem = ""
    try:
        kb = proc_status_kb(Path("/proc/meminfo").read_text(), "MemTotal")
        mem = f"{kb / 1024 / 1024:.0f} GiB" if kb else ""
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "flywheel_assets"],
                                    cwd=REPO, capture_output=True, text=True).stdout.strip())
    except OSError:
        rev, dirty = "", False
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "mem": mem,
            "python": platform.python_version(), "commit": rev + ("+dirty" if dirty else "")}


def run_case(sessions: int, days: int, modes: list[str], work: Path, seed: int, steps: bool, config: Path) -> dict:
    from flywheel_assets.demo import generate_demo

    case = work / f"s{sessions}_d{days}"
    logs, manifest = case / "logs", case / "demo_manifest.json"
    results = work / "results"
    results.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    start = start_date(days)
    generate_demo(logs, seed=seed, sessions=sessions, days=days, start_date=start, manifest_path=manifest)
    dirs = sorted(p for p in logs.iterdir() if p.is_dir())
    print(f"[{sessions}:{days}] generated {len(dirs)} landing directories in {time.perf_counter() - t0:.0f}s",
          flush=True)
    base = {"case": f"{sessions}:{days}", "sessions": sessions, "days": days, "seed": seed, "steps": steps,
            "start_date": start.isoformat(),
            "config": config.read_text() if config.exists() else str(config),
            "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    recs = {}
    if "scratch" in modes:
        d = case / "scratch"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        print(f"[{sessions}:{days}] scratch run ...", flush=True)
        r = run_cli(logs, d / "warehouse.duckdb", d / "out", config, manifest, d / "cli.log", steps)
        r["exports"] = export_digest(d / "out")
        recs["scratch"] = {**base, "mode": "scratch", **r}
        _save(results, recs["scratch"])
    if "newday" in modes:
        d = case / "newday"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        held = case / "held" / dirs[-1].name
        shutil.rmtree(held.parent, ignore_errors=True)  # a copy left by an interrupted run
        held.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(dirs[-1]), str(held))
        try:
            print(f"[{sessions}:{days}] history run (without {dirs[-1].name}) ...", flush=True)
            hist = run_cli(logs, d / "warehouse.duckdb", d / "out", config, manifest, d / "cli_history.log", steps)
        finally:
            shutil.move(str(held), str(dirs[-1]))
        print(f"[{sessions}:{days}] new-day run (+ {dirs[-1].name}) ...", flush=True)
        new = run_cli(logs, d / "warehouse.duckdb", d / "out", config, manifest, d / "cli_newday.log", steps)
        new["exports"] = export_digest(d / "out")
        hist.pop("steps", None)
        new["history"] = {k: hist[k] for k in ("rc", "wall_s", "cpu_s", "peak_rss_mb", "counts", "load_avg")}
        new["new_events"] = (new["counts"].get("normalized_events", 0)
                             - hist["counts"].get("normalized_events", 0))
        recs["newday"] = {**base, "mode": "newday", "held_back": dirs[-1].name, **new}
        _save(results, recs["newday"])
    return recs


def _save(results: Path, rec: dict, echo: bool = True) -> None:
    name = f"{rec['mode']}_s{rec['sessions']}_d{rec['days']}.json"
    (results / name).write_text(json.dumps(rec, indent=1, sort_keys=True))
    if not echo:
        return
    eps = ratio(rec["counts"].get("normalized_events"), rec["cpu_s"])
    print(f"  {rec['mode']}: rc {rec['rc']}, {rec['cpu_s']} CPU s, {rec['wall_s']} s wall, "
          f"{rec['peak_rss_mb']} MB peak, counts {rec['counts']}, events/CPU-s {eps}", flush=True)


# ---------------------------------------------------------------------------------------------------- report

def _fmt(x, nd=0) -> str:
    if x is None:
        return "–"
    return f"{x:,.{nd}f}"


def load_results(work: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((work / "results").glob("*.json"))]


def render(recs: list[dict], commands: list[str]) -> str:
    """The markdown section (between markers) from the result records."""
    scratch = {r["case"]: r for r in recs if r["mode"] == "scratch"}
    newday = {r["case"]: r for r in recs if r["mode"] == "newday"}
    cases = sorted(set(scratch) | set(newday), key=lambda c: tuple(int(x) for x in c.split(":")))
    any_rec = (recs or [{}])[0]
    m = any_rec.get("machine", {})
    dates = sorted({r.get("date", "") for r in recs})
    loads = [x for r in recs for x in r.get("load_avg", [])]
    lines = ["## Nightly cost (issue 19)", "",
             "Commands: " + "; ".join(f"`{c}`" for c in commands) + "  ",
             f"Machine: {m.get('platform', '?')}, {m.get('cpus', '?')} CPUs visible, {m.get('mem', '?')} RAM, "
             f"shared with other engineers' jobs (1-min load average during the runs "
             f"{_fmt(min(loads, default=None), 1)}-{_fmt(max(loads, default=None), 1)}); Python {m.get('python', '?')};"
             f" code at `{m.get('commit', '?')}`.  ",
             f"Date: {', '.join(d for d in dates if d)}. Demo drop: seed {any_rec.get('seed', 7)}, case = "
             "sessions:landing days (~1% of events fall on the day before their directory's date, so a drop usually has "
             "one event date more than landing days and a new directory also changes the previous date).  ",
             "Every figure is one run of the real CLI (`python -m flywheel_assets.cli --config configs/demo.yaml run "
             "... --demo-key`) in a subprocess; *CPU s* = user + sys of that process and what it waited for "
             "(`os.wait4`); *peak RSS* = its `ru_maxrss` (kept across the per-step counter resets below); wall "
             "time is inflated by the other jobs on the machine. "
             "Nothing below is extrapolated.", "",
             "### End to end, from scratch", "",
             "| case | events | units | partitions | CPU s | events / CPU-s (target 280) | wall s | peak RSS MB "
             "(target 8,192) | exit |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cases:
        r = scratch.get(c)
        if not r:
            continue
        n = r["counts"].get("normalized_events")
        lines.append(f"| {c} | {_fmt(n)} | {_fmt(r['counts'].get('training_units'))} | "
                     f"{_fmt(r['counts'].get('partitions_found'))} | {_fmt(r['cpu_s'], 1)} | "
                     f"**{_fmt(ratio(n, r['cpu_s']), 1)}** | {_fmt(r['wall_s'])} | {_fmt(run_peak_mb(r))} | "
                     f"{r['rc']} |")
    if newday:
        lines += ["", "### New day vs from scratch", "",
                  "History run = the drop without its last landing directory into an empty warehouse; new-day run = "
                  "the same warehouse after the directory is put back (what a nightly `flywheel run` does). Ratio = "
                  "new-day CPU / from-scratch CPU of the whole drop.", "",
                  "| case | event dates | history CPU s | new-day events | partitions run / skipped | new-day CPU s "
                  "| from-scratch CPU s | **ratio** | target | new-day peak RSS MB | exports = from-scratch | exit |",
                  "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|"]
        for c in cases:
            r = newday.get(c)
            if not r:
                continue
            s = scratch.get(c)
            found = r["counts"].get("partitions_found")
            skipped = r["counts"].get("partitions_skipped", 0)
            dates_n = (s or r)["counts"].get("partitions_found")
            cmp = compare_exports(r.get("exports", {}), s.get("exports", {})) if s else None
            same = "–" if cmp is None else ("yes" if cmp["identical"] else
                                            f"no ({len(cmp['differ'])} of {cmp['files']} files differ)")
            tgt = target_ratio(dates_n or 0)
            lines.append(f"| {c} | {_fmt(dates_n)} | {_fmt(r['history']['cpu_s'], 1)} | {_fmt(r.get('new_events'))} | "
                         f"{_fmt(None if found is None else found - skipped)} / {_fmt(skipped)} | "
                         f"{_fmt(r['cpu_s'], 1)} | {_fmt(s['cpu_s'] if s else None, 1)} | "
                         f"**{_fmt(ratio(r['cpu_s'], s['cpu_s'] if s else None), 2)}** | "
                         f"{'≤ ' + str(tgt) if tgt else '–'} | {_fmt(run_peak_mb(r))} | {same} | {r['rc']} |")
    relaxed = sorted({r["case"] for r in recs if re.search(r"^\s*residual_threshold:", r.get("config") or "", re.M)})
    if relaxed:
        lines += ["", f"Cases {', '.join(relaxed)} ran with `privacy.residual_threshold` raised "
                  "(`--residual-threshold`,"
                  " config written to the work directory): with a few sessions per day one day's blocking residual-PII"
                  " check can fail on 2 hits, and a failed partition is retried by every later run."]
    step_recs = [r for r in recs if r.get("step_totals")]
    if step_recs:
        lines += ["", "### Per step (CPU s and peak RSS MB)", "",
                  "From Dagster's STEP_START / STEP_SUCCESS lines of the same runs (`--workers 1`: every step runs "
                  "in the CLI process, one after another). Peak RSS = the process's high-water mark while the step "
                  "ran (reset at each step start via `/proc/PID/clear_refs`), which includes memory earlier steps "
                  "still hold: an upper bound of the step's own need. Partition steps are summed over partitions "
                  "(runs = partitions), RSS is the max over them.", ""]
        ordered = sorted(step_recs, key=lambda r: (tuple(int(x) for x in r["case"].split(":")),
                                                   r["mode"] != "scratch"))
        cols = [(r["case"], r["mode"], r["step_totals"]) for r in ordered]
        lines.append("| job : step | " + " | ".join(f"{c} {m} CPU s | RSS MB" for c, m, _ in cols) + " |")
        lines.append("|---|" + "---:|---:|" * len(cols))
        keys = []  # execution order of the runs' steps (step_totals come back key-sorted from JSON)
        for r in ordered:
            seq = [f"{e['job']}:{e['step']}" for e in r.get("steps") or []] + list(r["step_totals"])
            keys += [k for k in dict.fromkeys(seq) if k not in keys]
        for k in keys:
            cells = []
            for _, _, tot in cols:
                t = tot.get(k)
                cells += ([f"{_fmt(t['cpu_s'], 1)}" + (f" ({t['runs']}×)" if t["runs"] > 1 else ""),
                           _fmt(t["peak_rss_mb"])] if t else ["–", "–"])
            lines.append(f"| {k.replace(':', ' : ')} | " + " | ".join(cells) + " |")
        sums = []
        for _, _, tot in cols:
            sums += [f"**{_fmt(sum(t['cpu_s'] for t in tot.values()), 1)}**", ""]
        lines.append("| **sum of steps** | " + " | ".join(sums) + " |")
        methods = sorted({r.get("rss_method") or "?" for r in step_recs})
        if methods != ["clear_refs"]:
            lines.append(f"\nRSS method: {', '.join(methods)} (`sampled` = max VmRSS every 0.2 s).")
        lines.append("\nThe sum of steps is below the run's CPU: the rest is interpreter start, imports, Dagster "
                     "definitions and job setup, the raw-zone landing scan and the warehouse counts.")
    return "\n".join(lines) + "\n"


def derived_config(base: Path, work: Path, residual_threshold: float) -> Path:
    """``base`` with ``privacy.residual_threshold`` replaced, written to ``work/flywheel_bench.yaml``."""
    import yaml

    cfg = yaml.safe_load(base.read_text()) or {}
    cfg.setdefault("privacy", {})["residual_threshold"] = residual_threshold
    work.mkdir(parents=True, exist_ok=True)
    out = work / "flywheel_bench.yaml"
    out.write_text(yaml.safe_dump(cfg, sort_keys=True))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="*", default=["2400:3"], help="SESSIONS:DAYS demo drops (default 2400:3)")
    ap.add_argument("--modes", default="scratch,newday", help="comma list of scratch, newday")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--config", default=str(REPO / "configs" / "demo.yaml"))
    ap.add_argument("--residual-threshold", type=float, default=None,
                    help="run with privacy.residual_threshold set to this (a config derived from --config is written "
                         "to WORKDIR): a day of a few sessions can fail the blocking residual-PII check on 2 hits, "
                         "which stops that partition and makes every later run retry it")
    ap.add_argument("--no-steps", action="store_true", help="no DEBUG step lines, no per-step figures")
    ap.add_argument("--out", default="docs/benchmarks.md", help="markdown file to update between markers ('' = none)")
    ap.add_argument("--commands", default="", help="command lines to print in the report (';'-separated); "
                    "default: this invocation, plus those recorded in earlier results")
    ap.add_argument("--report-only", action="store_true", help="regenerate the markdown from WORKDIR/results")
    a = ap.parse_args(argv)
    work = Path(a.workdir)
    sys.path.insert(0, str(REPO))
    this_cmd = "python benchmarks/nightly.py " + " ".join(argv if argv is not None else sys.argv[1:])
    config = Path(a.config)
    if a.residual_threshold is not None and not a.report_only:
        config = derived_config(config, work, a.residual_threshold)
    if not a.report_only:
        modes = [m.strip() for m in a.modes.split(",") if m.strip()]
        bad = set(modes) - {"scratch", "newday"}
        if bad:
            ap.error(f"unknown modes {sorted(bad)}")
        for spec in a.cases:
            sessions, days = parse_case(spec)
            for rec in run_case(sessions, days, modes, work, a.seed, not a.no_steps, config).values():
                rec["command"] = this_cmd
                _save(work / "results", rec, echo=False)
    recs = load_results(work)
    if a.out and recs:
        cmds = ([c.strip() for c in a.commands.split(";") if c.strip()] if a.commands
                else sorted({r.get("command", "") for r in recs if r.get("command")}))
        from benchmarks.doc_section import replace_section

        replace_section(REPO / a.out if not Path(a.out).is_absolute() else Path(a.out), SECTION, render(recs, cmds))
        print(f"wrote the 'Nightly cost (issue 19)' section of {a.out} from {len(recs)} results")
    return 0 if all(r.get("rc") == 0 for r in recs) else 1


if __name__ == "__main__":
    sys.exit(main())
