import polars as pl

from flywheel_assets.curate.config import MetadataConfig
from flywheel_assets.curate.metadata import language, task_type, unit_metadata
from flywheel_assets.curate.parsed import ParsedUnit
from flywheel_assets.curate.pipeline import curate_units

from .helpers import T1, T2, booking_trajectory, fast_cfg, frame, qa


def _pu(u):
    return ParsedUnit.from_row(u)


def test_task_types():
    cases = {
        "agentic": booking_trajectory("a"),
        "coding": qa("Why does my python script raise KeyError?", "```python\nd.get('k')\n```", sid="c"),
        "extraction": qa("Extract the dates and flight numbers from this email: HAT214 on May 3.", "HAT214 - May 3", sid="e"),
        "summarization": qa("Summarize this complaint in two lines: the flight was late and the bag lost.", "Late flight, lost bag.", sid="s"),
        "translation": qa("Translate 'where is the gate' into Spanish", "¿Dónde está la puerta?", sid="t"),
        "qa": qa("What is the baggage allowance on basic economy fares?", "One personal item.", sid="q"),
        "chit-chat": qa("hi there!", "Hello! How can I help?", sid="h"),
        "creative": qa("Write a poem about airports at night", "Neon gates hum...", sid="p"),
    }
    assert {k: task_type(_pu(u)) for k, u in cases.items()} == {k: k for k in cases}


def test_domain_and_language_from_redacted_text():
    cfg = MetadataConfig()
    travel = qa("My flight reservation from <LOCATION_1> was cancelled, can I rebook the trip?", "Yes, via Manage booking.", sid="d1")
    retail = qa("I want to return a product from my order, how does the refund work?", "Start a return in Orders.", sid="d2")
    general = qa("What is the meaning of life?", "42.", sid="d3")
    assert [unit_metadata(_pu(u), u, {}, cfg)["domain"] for u in (travel, retail, general)] == ["travel", "retail", "general"]
    fr = qa("Bonjour, je voudrais changer la date de mon vol pour Paris, est-ce possible ?", "Oui.", sid="l1")
    de = qa("Guten Tag, ich möchte meinen Flug nach Berlin stornieren und mein Geld zurück.", "Ja.", sid="l2")
    short = qa("<PERSON_1> ok?", "ok", sid="l3")
    assert [language(_pu(u), cfg) for u in (travel, fr, de, short)] == ["en", "fr", "de", "und"]


def test_outcome_precedence():
    cfg = MetadataConfig()
    q, a = "Is HAT214 on time?", "Yes, it departs at 10:05."

    def out(**kw):
        u = qa(q, a, sid="o", **kw)
        return unit_metadata(_pu(u), u, {"errors": kw.get("n_errors", 0)}, cfg)["outcome"]

    assert out() == "unknown"
    assert out(feedback_thumbs="up", outcome="failure") == "success"  # explicit feedback wins over the log
    assert out(feedback_thumbs="down") == "failure"
    assert out(feedback_rating=5.0) == "success" and out(feedback_rating=1.5) == "failure"
    assert out(feedback_rating=0.9) == "success" and out(feedback_rating=0.1) == "failure"  # 0-1 scale
    assert out(reward=1.0) == "success" and out(reward=-1.0) == "failure"
    assert out(outcome="failure") == "failure"
    assert out(attributes={"status": "error"}) == "failure"


def test_metadata_columns_in_curated_output():
    traj = booking_trajectory("m1", latency_ms=None, started_at=T1, ended_at=T2)
    f = frame(traj, qa("What is the baggage allowance on basic economy fares?", "One personal item.", sid="m2", latency_ms=812.0))
    out = curate_units(f, None, fast_cfg())
    by = {r["session_id"]: r for r in out.iter_rows(named=True)}
    assert by["m1"]["tools_used"] == ["cancel_reservation", "find_user", "get_reservation"]
    assert by["m1"]["hops"] == 3 and by["m2"]["hops"] == 0 and by["m2"]["tools_used"] == []
    assert by["m1"]["latency_ms"] == 86_400_000.0 and by["m2"]["latency_ms"] == 812.0
    assert by["m1"]["task_type"] == "agentic" and by["m1"]["domain"] == "travel"
    for col in ("task_type", "domain", "language", "outcome", "latency_ms", "tools_used", "hops"):
        assert col in out.columns
    # metadata never contains placeholder or raw values: domain/language/task are closed vocabularies
    assert set(out["domain"]) <= set(MetadataConfig().domain_keywords) | {"general"}


def test_realdata_outcomes_follow_toolbench_win(realdata):
    from .realdata_units import toolbench_units

    units = toolbench_units(realdata)
    out = curate_units(frame(*units), None, fast_cfg())
    tb = out.filter(pl.col("source_format") == "toolbench")
    # win -> reward 1.0 -> success; lost runs -> reward 0.0 -> failure
    assert (tb.filter(pl.col("reward") == 1.0)["outcome"] == "success").all()
    assert (tb.filter(pl.col("reward") == 0.0)["outcome"] == "failure").all()
    assert set(tb["task_type"]) == {"agentic"} and set(tb["language"]) == {"en"}
    assert tb["tools_used"].list.len().min() >= 1
