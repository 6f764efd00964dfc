"""Smoke test of the scale benchmark harness at a tiny size (not timed), plus the vectorised JSON depth guard
and the segmentation fast path it motivated."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import polars as pl
import pytest

from benchmarks.doc_section import markers, replace_section

REPO = Path(__file__).resolve().parents[2]


def _load_run():
    spec = importlib.util.spec_from_file_location("fw_bench_run", REPO / "benchmarks" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fw_bench_run"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """Run generate -> ingest -> segment on ~200 events (the model-loading stages are left to the benchmark)."""
    run = _load_run()
    work = tmp_path_factory.mktemp("bench")
    out = work / "bench.md"
    out.write_text("# benchmarks\n\nkeep me\n")
    rc = run.main(["--sizes", "200", "--stages", "generate,ingest,segment", "--workdir", str(work),
                   "--out", str(out)])
    assert rc == 0
    return run, work, out


def test_harness_runs_stages_and_counts_real_events(bench):
    run, work, out = bench
    res = json.loads((work / "n200" / "results.json").read_text())
    st = res["stages"]
    assert set(st) == {"generate", "ingest", "segment"}
    assert not any("error" in r for r in st.values())
    events = pl.read_parquet(work / "n200" / "events.parquet")
    units = pl.read_parquet(work / "n200" / "units.parquet")
    # the recorded counts are the real frame sizes, and the demo really yields ~200 events for the 26 sessions
    assert st["ingest"]["rows_out"] == events.height
    assert 100 <= events.height <= 400
    assert st["segment"]["rows_in"] == events.height and st["segment"]["rows_out"] == units.height
    assert units["session_id"].n_unique() == units.height
    # every event lands in exactly one unit
    covered = units["event_ids"].explode()
    assert covered.len() == events.height and covered.n_unique() == events.height
    for r in st.values():
        assert r["peak_rss_mb"] > 10 and r["cpu_s"] >= 0 and r["wall_s"] > 0


def test_markdown_section_is_replaced_not_duplicated(bench):
    run, work, out = bench
    text = out.read_text()
    assert text.startswith("# benchmarks\n\nkeep me")
    begin, end = markers(run.SECTION)
    assert text.count(begin) == 1 and text.count(end) == 1
    n_events = pl.read_parquet(work / "n200" / "events.parquet").height
    assert f"| {n_events:,} | ingest |" in text
    replace_section(out, run.SECTION, run.markdown({200: json.loads((work / "n200" / "results.json").read_text())},
                                                  "cmd"))
    assert out.read_text().count(begin) == 1 and "keep me" in out.read_text()


def test_fit_exponent_recovers_known_slopes():
    run = _load_run()
    assert run.fit_exponent([(1e4, 2.0), (1e5, 20.0), (1e6, 200.0)]) == pytest.approx(1.0, abs=1e-9)
    assert run.fit_exponent([(1e4, 1.0), (1e5, 100.0)]) == pytest.approx(2.0, abs=1e-9)
    assert run.fit_exponent([(1e4, 1.0)]) is None


def test_extrapolation_uses_fitted_exponent():
    run = _load_run()
    rec = lambda n, cpu: {"stage": "ingest", "rows_in": n, "rows_out": n, "wall_s": cpu, "cpu_s": cpu,
                          "peak_rss_mb": 100.0}
    results = {s: {"size": s, "stages": {"ingest": rec(s, c)}} for s, c in ((10_000, 1.0), (100_000, 10.0))}
    ext = run.extrapolate(results, 1_000_000)
    assert ext["ingest"]["cpu_s"] == pytest.approx(100.0, rel=1e-6)


def _scan_reference(text: str, limit: int) -> int:
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > limit:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def test_vectorised_max_nesting_matches_character_scan():
    from flywheel_assets.ingest.source import MAX_JSON_DEPTH, max_nesting

    rng = random.Random(0)
    alphabet = '[]{}"\\ab,:\n'
    cases = ["", "[]", '["[[[["]', '"unterminated [[[', '["a\\"[", [1]]', '{"k": "\\\\"}[[', "é[ü{", "]]][["]
    cases += ["[" * d + "]" * d for d in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 3 * MAX_JSON_DEPTH)]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    for c in cases:
        assert max_nesting(c) == _scan_reference(c, MAX_JSON_DEPTH), c


def test_deep_json_still_quarantined():
    from flywheel_assets.ingest.source import MAX_JSON_DEPTH, Quarantine, loads

    with pytest.raises(Quarantine) as q:
        loads("[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5))
    assert q.value.reason == "json_too_deep"
    # many brackets but shallow: parsed normally
    assert loads("[" + ",".join(["[1]"] * 500) + "]")[0] == [1]
