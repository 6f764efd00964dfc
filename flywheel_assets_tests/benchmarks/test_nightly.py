"""The nightly-cost harness (benchmarks/nightly.py): its parsing, ratio and report code, and the per-step
measurement on a small fake command (no pipeline run, nothing timed)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from benchmarks.doc_section import markers, replace_section

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nightly():
    spec = importlib.util.spec_from_file_location("fw_bench_nightly", REPO / "benchmarks" / "nightly.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fw_bench_nightly"] = mod
    spec.loader.exec_module(mod)
    return mod


RUN = "ede5d093-8454-46e3-998c-204299dc6c64"
# the shape of Dagster 1.13 console lines at DEBUG (job - run id - pid - step - event - message)
START = (f"2026-12-07 19:31:26 +0000 - dagster - DEBUG - daily_partition_job - {RUN} - 11044 - ingest_assets - "
         f"STEP_START - Started execution of step \"ingest_assets\".")
SUCCESS = (f"2026-12-07 19:31:29 +0000 - dagster - DEBUG - global_assets_job - {RUN} - curated_units - STEP_SUCCESS"
           f" - Finished execution of step \"curated_units\" in 3.48s.")


def test_parse_case(nightly):
    assert nightly.parse_case("2400:3") == (2400, 3)
    assert nightly.parse_case(" 300 : 30 ") == (300, 30)
    for bad in ("2400", "0:3", "2400:0", "a:b", "2400:3:1"):
        with pytest.raises(ValueError):
            nightly.parse_case(bad)


def test_parse_step_lines(nightly):
    assert nightly.parse_step_line(START) == {"job": "daily_partition_job", "run": RUN, "step": "ingest_assets",
                                              "event": "STEP_START"}
    # without the pid field (older console format) the step is still found
    assert nightly.parse_step_line(SUCCESS)["step"] == "curated_units"
    assert nightly.parse_step_line(SUCCESS)["event"] == "STEP_SUCCESS"
    other = START.replace("STEP_START", "STEP_OUTPUT")
    assert nightly.parse_step_line(other) is None
    assert nightly.parse_step_line("  [1/2] partition 2026-11-17: ok (54.8s)") is None


def test_parse_counts(nightly):
    text = ("flywheel: 6 files in /x (6 new, stored in the raw zone), 4 partitions (2 unchanged, skipped), "
            "warehouse /x/w.duckdb\n  normalized_events 414, quarantined_records 8, training_units 60, "
            "redacted_trajectories 51, curated_units 51, preference_pairs 9, sft_dataset 28, dpo_dataset 9, "
            "curated_kept 45\n")
    c = nightly.parse_counts(text)
    assert c == {"normalized_events": 414, "training_units": 60, "sft_dataset": 28, "dpo_dataset": 9,
                 "curated_kept": 45, "partitions_found": 4, "partitions_skipped": 2}
    assert nightly.parse_counts("no summary: the run failed early") == {}


def test_proc_parsers_on_this_process(nightly):
    status = Path("/proc/self/status").read_text()
    assert nightly.proc_status_kb(status, "VmRSS") > 1000  # an interpreter with pytest holds more than 1 MB
    assert nightly.proc_status_kb(status, "NoSuchKey") is None
    sum(range(3_000_000))  # burn a little CPU so the tick count is above zero
    ticks = nightly.proc_stat_ticks(Path("/proc/self/stat").read_text())
    t = os.times()
    assert abs(ticks / nightly.CLK_TCK - (t.user + t.system + t.children_user + t.children_system)) < 0.5
    # a comm with spaces and a closing parenthesis does not shift the fields
    fake = "123 (a) b c) S " + " ".join(["0"] * 10) + " 7 5 2 1 " + " ".join(["0"] * 30)
    assert nightly.proc_stat_ticks(fake) == 15


def test_fold_ratio_target(nightly):
    steps = [{"job": "daily_partition_job", "step": "privacy_assets", "cpu_s": 10.0, "wall_s": 12.0,
              "peak_kb": 500 * 1024, "event": "STEP_SUCCESS"},
             {"job": "daily_partition_job", "step": "privacy_assets", "cpu_s": 5.5, "wall_s": 6.0,
              "peak_kb": 700 * 1024, "event": "STEP_FAILURE"},
             {"job": "global_assets_job", "step": "curated_units", "cpu_s": 3.0, "wall_s": 3.0, "peak_kb": 100,
              "event": "STEP_SUCCESS"}]
    tot = nightly.fold_steps(steps)
    p = tot["daily_partition_job:privacy_assets"]
    assert (p["runs"], p["cpu_s"], p["wall_s"], p["peak_rss_mb"], p["failed"]) == (2, 15.5, 18.0, 700.0, 1)
    assert tot["global_assets_job:curated_units"]["runs"] == 1
    assert nightly.ratio(153, 207) == 0.739
    assert nightly.ratio(None, 207) is None and nightly.ratio(5, 0) is None
    assert nightly.target_ratio(4) == 0.4 and nightly.target_ratio(31) == 0.1 and nightly.target_ratio(2) is None


def test_measure_attributes_peak_rss_and_cpu_to_the_step_that_used_them(nightly, tmp_path):
    """A fake 'CLI' prints Dagster-shaped step lines: step big allocates ~200 MB, step small does not, step busy
    burns CPU. The harness must charge the memory to big only and the CPU to busy."""
    def line(step, ev):
        return f"print('x - dagster - DEBUG - job_a - {RUN} - 1 - {step} - {ev} - m', flush=True)"
    script = "\n".join([
        "import time", line("big", "STEP_START"), "time.sleep(0.3)", "a = bytearray(200 * 2**20)",
        "time.sleep(0.3)", "del a", "time.sleep(0.3)", line("big", "STEP_SUCCESS"), "time.sleep(0.3)",
        line("small", "STEP_START"), "time.sleep(0.5)", line("small", "STEP_SUCCESS"),
        line("busy", "STEP_START"), "t = time.process_time()",
        "while time.process_time() - t < 0.6: pass", line("busy", "STEP_SUCCESS"),
        "print('  normalized_events 12, training_units 3')"])
    rec = nightly.measure([sys.executable, "-c", script], dict(os.environ), tmp_path / "log.txt")
    assert rec["rc"] == 0 and rec["counts"] == {"normalized_events": 12, "training_units": 3}
    tot = rec["step_totals"]
    assert set(tot) == {"job_a:big", "job_a:small", "job_a:busy"}
    assert tot["job_a:big"]["peak_rss_mb"] >= 200
    assert tot["job_a:small"]["peak_rss_mb"] < 150  # the counter was reset after big freed its memory
    assert tot["job_a:busy"]["cpu_s"] >= 0.4 and tot["job_a:small"]["cpu_s"] < 0.2
    assert rec["peak_rss_mb"] >= 200 and rec["cpu_s"] >= 0.5
    assert (tmp_path / "log.txt").read_text().count("STEP_START") == 3


def test_render_and_write_section(nightly, tmp_path):
    m = {"platform": "Linux", "cpus": 2, "mem": "24 GiB", "python": "3.11", "commit": "abc"}
    base = {"case": "2400:3", "sessions": 2400, "days": 3, "seed": 7, "machine": m, "date": "2026-12-07 20:00 UTC",
            "load_avg": [3.0, 4.0], "rc": 0}
    scratch = {**base, "mode": "scratch", "cpu_s": 200.0, "wall_s": 400.0, "peak_rss_mb": 2000.0,
               "counts": {"normalized_events": 19193, "training_units": 2400, "partitions_found": 4},
               "exports": {"sft/train.jsonl": "h1", "dpo/train.jsonl": "h2"},
               "step_totals": nightly.fold_steps([{"job": "j", "step": "s", "cpu_s": 1.0, "peak_kb": 2048}])}
    newday = {**base, "mode": "newday", "cpu_s": 100.0, "wall_s": 200.0, "peak_rss_mb": 1500.0, "new_events": 6249,
              "counts": {"normalized_events": 19193, "partitions_found": 2, "partitions_skipped": 0},
              "history": {"cpu_s": 150.0}, "exports": {"sft/train.jsonl": "h1", "dpo/train.jsonl": "other"}}
    md = nightly.render([scratch, newday], ["python benchmarks/nightly.py --cases 2400:3"])
    assert "| 2400:3 | 19,193 | 2,400 | 4 | 200.0 | **96.0** |" in md
    assert "**0.50** | ≤ 0.4 |" in md and "no (1 of 2 files differ)" in md
    assert "| j : s | 1.0 | 2 |" in md
    doc = tmp_path / "bench.md"
    doc.write_text("# title\n\nkeep me\n")
    replace_section(doc, nightly.SECTION, md)
    replace_section(doc, nightly.SECTION, md.replace("**96.0**", "**97.0**"))  # replaced between the markers
    text = doc.read_text()
    assert text.startswith("# title\n\nkeep me\n") and text.count(markers(nightly.SECTION)[0]) == 1
    assert "**97.0**" in text and "**96.0**" not in text


def test_run_peak_takes_the_highest_of_run_and_steps(nightly):
    steps = nightly.fold_steps([{"job": "j", "step": "s", "cpu_s": 1.0, "peak_kb": 3000 * 1024}])
    assert nightly.run_peak_mb({"peak_rss_mb": 1000.0, "step_totals": steps}) == 3000.0
    assert nightly.run_peak_mb({"peak_rss_mb": 4000.0, "step_totals": steps}) == 4000.0
    assert nightly.run_peak_mb({}) is None


def test_derived_config_only_changes_the_residual_threshold(nightly, tmp_path):
    import yaml

    from flywheel_assets.config import FlywheelConfig

    out = nightly.derived_config(REPO / "configs" / "demo.yaml", tmp_path, 1.0)
    base, derived = FlywheelConfig.load(str(REPO / "configs" / "demo.yaml")), FlywheelConfig.load(str(out))
    assert derived.stage("privacy").residual_threshold == 1.0
    assert derived.stage("privacy").allow_list == base.stage("privacy").allow_list
    demo = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text())
    assert yaml.safe_load(out.read_text())["paths"] == demo["paths"]


def test_start_date_keeps_the_drop_in_the_past(nightly):
    from datetime import date, timedelta

    today = date(2026, 12, 7)
    assert nightly.start_date(3, today) == date(2026, 11, 18)  # the demo drop's own dates when they fit
    start = nightly.start_date(30, today)
    assert start + timedelta(days=29) < today  # the last landing day is yesterday, never today or later
    assert start + timedelta(days=30) == today
