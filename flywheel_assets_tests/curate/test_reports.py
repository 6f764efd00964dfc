import polars as pl

from flywheel_assets.curate.bias import bias_report
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate.coverage import coverage_report
from flywheel_assets.curate.pipeline import curate_units

from .helpers import booking_trajectory, fast_cfg, frame, qa

PNG = b"\x89PNG\r\n\x1a\n"


def _curated(units):
    return curate_units(frame(*units), None, fast_cfg())


def _mixed():
    units = [qa(f"What is the baggage allowance for fare class {c}?", f"Fare class {c} includes {n} checked bags.", sid=f"q{c}")
             for c, n in zip("ABCDEFGH", range(8))]
    units += [booking_trajectory("t1")]
    return units


def test_coverage_fires_on_missing_bucket_tool_domain_language():
    cur = _curated(_mixed())
    cfg = CurateConfig()
    cfg.coverage.required_domains = ["finance"]
    cfg.coverage.required_languages = ["en", "de"]
    rep = coverage_report(cur, cfg)
    missed = rep.summary["targets_missed"]
    assert "domain:finance 0<1" in missed and "language:de 0<1" in missed
    assert not any(m.startswith("language:en") for m in missed)
    # every declared booking tool is used by t1 -> no tool target missed
    assert not any(m.startswith("tool:") for m in missed)
    buckets = dict(zip(rep.tables["complexity_bucket"]["value"], rep.tables["complexity_bucket"]["units"]))
    assert set(buckets) == {"simple", "moderate", "complex", "expert"}
    assert sum(buckets.values()) == cur.filter(pl.col("kept")).height
    assert all(f"complexity_bucket:{b} 0<1" in missed for b, n in buckets.items() if n == 0)
    assert rep.figures and all(png.startswith(PNG) for png in rep.figures.values())
    assert "Targets missed" in rep.markdown


def test_coverage_declared_but_unused_tool_is_missed_and_all_met_is_empty():
    traj = booking_trajectory("t2")
    cfg = CurateConfig()
    cfg.coverage.min_per_bucket = 0
    cur = _curated([traj])
    assert coverage_report(cur, cfg).summary["targets_missed"] == []
    # declare an extra tool no unit ever calls
    import json

    tools = json.loads(traj["tools"]) + [{"type": "function", "function": {"name": "upgrade_seat", "parameters": {}}}]
    traj2 = dict(traj, tools=json.dumps(tools))
    assert coverage_report(_curated([traj2]), cfg).summary["targets_missed"] == ["tool:upgrade_seat 0<1"]


def test_bias_report_fires_on_thresholds():
    units = [qa(f"My husband wants to know if he can bring his golf bag on flight {i}?", f"Yes, he can check his golf bag on flight {i}.", sid=f"g{i}")
             for i in range(25)]
    cur = _curated(units)
    cfg = CurateConfig()
    cfg.bias.max_language_share = 0.9
    rep = bias_report(cur, cfg)
    v = rep.summary["violations"]
    assert any(x.startswith("language:en share 1.00") for x in v)
    assert any(x.startswith("demographic:gender male ratio") for x in v)
    assert not any(x.startswith("sensitive_topic") for x in v)
    male = rep.tables["demographic_terms"].filter((pl.col("category") == "gender") & (pl.col("group") == "male"))["mentions"][0]
    assert male >= 25 * 3
    assert rep.figures["bias_overview"].startswith(PNG)
    # sensitive topic share
    units2 = [qa(f"I was diagnosed with cancer, can I fly to Rome on day {i}?", f"Please bring a medical certificate for day {i}.", sid=f"h{i}")
              for i in range(25)]
    v2 = bias_report(_curated(units2), CurateConfig()).summary["violations"]
    assert any(x.startswith("sensitive_topic:health share") for x in v2)


def test_bias_report_quiet_on_balanced_small_data():
    rep = bias_report(_curated(_mixed()), CurateConfig())
    assert rep.summary["violations"] == []
    assert rep.summary["kept_units"] == 9


def test_reports_on_empty_input():
    empty = curate_units(frame(), None, fast_cfg())
    assert empty.height == 0
    assert coverage_report(empty, CurateConfig()).summary["targets_missed"]  # nothing covered -> buckets missed
    assert bias_report(empty, CurateConfig()).summary["violations"] == []


def test_realdata_reports(realdata):
    from .realdata_units import real_units

    cur = curate_units(real_units(realdata), None, fast_cfg())
    cov = coverage_report(cur, CurateConfig())
    # ToolBench declares many APIs that the recorded runs never call: coverage reports them
    assert any(m.startswith("tool:") for m in cov.summary["targets_missed"])
    assert "complexity_bucket:simple 0<1" in cov.summary["targets_missed"]
    bias = bias_report(cur, CurateConfig())
    assert bias.summary["languages"] == {"en": cur.filter(pl.col("kept")).height}
