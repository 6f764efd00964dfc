from __future__ import annotations

import polars as pl

from flywheel_assets.feedback.analytics import feedback_report
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets_tests.feedback.helpers import frame, qa, trajectory


def _units() -> pl.DataFrame:
    rows = []
    # model v1: 3 up, 1 down on day 1; model v2: 1 up, 3 down on day 2
    for i, t in enumerate(["up", "up", "up", "down"]):
        rows.append(qa(f"a{i}", f"Where is my order number {i}?", "It ships tomorrow.", feedback_thumbs=t, day=1,
                       model="v1", feedback_rating=5.0 if t == "up" else 1.0))
    for i, t in enumerate(["up", "down", "down", "down"]):
        rows.append(qa(f"b{i}", f"Where is my order number {i}?", "No idea.", feedback_thumbs=t, day=2, model="v2"))
    rows.append(trajectory("t0", "Refund order O-1", [("issue_refund", {"order_id": "O-1", "amount": 5}, "{}")],
                           "Refunded.", outcome="success", day=2, model="v2"))
    rows.append(qa("n0", "Hello?", "Hi!", day=3, model="v2", feedback_thumbs="neutral"))
    return frame(rows, task_type=["support"] * 8 + ["refund", "chitchat"],
                 complexity_bucket=["low"] * 4 + ["high"] * 4 + ["medium", "low"])


def test_distributions_and_breakdowns():
    rep = feedback_report(_units(), FeedbackConfig())
    s = rep.summary
    assert s["thumbs"] == {"up": 4, "down": 4, "neutral": 1, "none": 1}
    assert s["outcomes"] == {"success": 1, "failure": 0, "unknown": 9}
    assert s["rating_distribution"] == {"1": 1, "5": 3} and s["mean_rating"] == 0.75
    assert s["satisfaction"] == 0.5
    by_model = {r["model"]: r for r in rep.tables["by_model"].iter_rows(named=True)}
    assert by_model["v1"]["satisfaction"] == 0.75 and by_model["v2"]["satisfaction"] == 0.25
    by_date = {str(r["event_date"]): r for r in rep.tables["by_date"].iter_rows(named=True)}
    assert by_date["2026-11-01"]["satisfaction"] == 0.75 and by_date["2026-11-02"]["satisfaction"] == 0.25
    assert by_date["2026-11-03"]["satisfaction"] is None  # one neutral vote: too few for a rate
    by_tool = {r["tool"]: r["n"] for r in rep.tables["by_tool"].iter_rows(named=True)}
    assert by_tool == {"(none)": 9, "issue_refund": 1}
    by_cx = {r["complexity_bucket"]: r["n"] for r in rep.tables["by_complexity"].iter_rows(named=True)}
    assert by_cx == {"low": 5, "high": 4, "medium": 1}
    assert {"support", "refund", "chitchat"} == set(rep.tables["by_task_type"]["task_type"])
    assert rep.figures and all(v.startswith(b"\x89PNG") for v in rep.figures.values())
    assert "satisfaction_over_time" in rep.figures and "| v1 |" in rep.markdown


def test_without_curation_columns_and_empty():
    rep = feedback_report(_units().drop("task_type", "complexity_bucket"))
    assert rep.tables["by_task_type"]["task_type"].to_list() == ["unknown"]
    empty = feedback_report(frame([]))
    assert empty.summary["n_units"] == 0 and empty.figures == {}
