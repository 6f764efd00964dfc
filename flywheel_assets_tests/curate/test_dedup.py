import random

import numpy as np
import polars as pl

from flywheel_assets.curate.complexity import complexity_tags
from flywheel_assets.curate.config import DedupConfig
from flywheel_assets.curate.dedup import content_hash, dedup_clusters, normalize
from flywheel_assets.curate.pipeline import curate_units

from .helpers import T1, T2, booking_trajectory, fast_cfg, frame, qa

TOPICS = ["baggage allowance", "seat upgrade", "refund for a cancelled flight", "pet travel rules", "wifi on board",
          "meal options", "lounge access", "missed connection", "name change on ticket", "travel insurance claim",
          "infant fares", "frequent flyer points", "checked bag delay", "visa requirements", "special assistance"]


def _distinct_units(n=15):
    rng = random.Random(3)
    out = []
    for i, topic in enumerate(TOPICS[:n]):
        detail = " ".join(rng.choice(["today", "tomorrow", "next week", "from Paris", "to Rome", "with my family",
                                      "on a business ticket", "for two people"]) for _ in range(3))
        out.append(qa(f"Hello! Thanks for your help. I have a question about {topic} {detail}. What are the rules?",
                      f"Thanks for asking. For {topic}: the policy depends on your fare; {detail} is handled at the desk "
                      f"and number {i * 37 + 11} applies. Anything else I can help with today?", sid=f"d{i}"))
    return out


def test_normalize_folds_case_whitespace_and_placeholder_indices():
    assert normalize("Hello  <PERSON_1>,\n\nMEET   <PERSON_22>") == "hello <person>, meet <person>"
    assert content_hash("Hi <EMAIL_ADDRESS_3>") == content_hash("hi   <EMAIL_ADDRESS_9>")
    assert content_hash("Hi there") != content_hash("Hi there!")


def test_planted_near_duplicates_are_found_and_distinct_units_stay_apart():
    base = _distinct_units()
    q = "Hello! I need to move my flight HAT214 from Monday to Wednesday because of a work meeting, is there a fee?"
    a = "Changing HAT214 from Monday to Wednesday costs 75 dollars on your fare; I can rebook you now if you like."
    planted = [qa(q, a, sid="p0"),
               qa(q.replace("work meeting", "business meeting"), a, sid="p1"),  # one word edited
               qa(q.lower(), a.replace("now", "right now"), sid="p2"),  # case + small insertion
               qa(q, a, sid="p3", system="A different system prompt entirely")]  # identical dialog, other system
    f = frame(*(base + planted))
    out = curate_units(f, complexity_tags(f), fast_cfg())
    by = {r["session_id"]: r for r in out.iter_rows(named=True)}
    clusters = {by[s]["dup_cluster_id"] for s in ("p0", "p1", "p2", "p3")}
    assert len(clusters) == 1
    assert sum(by[s]["is_representative"] for s in ("p0", "p1", "p2", "p3")) == 1
    assert by["p3"]["content_hash"] == by["p0"]["content_hash"]  # system prompt is not part of the content
    rep = next(by[s] for s in ("p0", "p1", "p2", "p3") if by[s]["is_representative"])
    assert rep["filter_reason"] is None and rep["kept"]
    for s in ("p0", "p1", "p2", "p3"):
        if by[s] is not rep:  # exact copy of the representative's content -> duplicate, else near_duplicate
            assert by[s]["filter_reason"] == ("duplicate" if by[s]["content_hash"] == rep["content_hash"] else "near_duplicate")
            assert not by[s]["kept"]
    # the 15 distinct units share the system prompt and a greeting, yet none merged
    assert len({by[f"d{i}"]["dup_cluster_id"] for i in range(15)}) == 15
    assert all(by[f"d{i}"]["is_representative"] and by[f"d{i}"]["kept"] for i in range(15))
    assert (out["dup_cluster_size"] >= 1).all()


def test_boilerplate_shared_by_every_unit_does_not_merge():
    # long identical boilerplate in every *user* turn (pasted template) + short distinct questions
    boiler = ("Ticket template v3. Customer tier: gold. Channel: web chat. Please follow the escalation matrix and "
              "the refund policy section 4.2 when you answer. ")
    texts = [boiler + f"Question {i}: " + " ".join(random.Random(i).sample(
        ["seat", "bag", "meal", "refund", "gate", "lounge", "pet", "visa", "wifi", "delay", "upgrade", "points"], 6))
        for i in range(40)]
    _, _, cluster, stats = dedup_clusters(texts, DedupConfig())
    assert stats["dropped_shingles"] > 0
    assert len(set(cluster.tolist())) == 40
    # without DF pruning the boilerplate dominates the shingles and would propose many candidates
    _, _, _, raw = dedup_clusters(texts, DedupConfig(max_shingle_df=1.0))
    assert raw["candidates"] > stats["candidates"]


def test_representative_prefers_success_feedback_recency():
    q, a = "Can I bring my cat on the plane to Rome next week?", "Yes, cats under 8 kg may travel in the cabin in a carrier."
    fail = qa(q, a, sid="r_fail", outcome="failure", ended_at=T2)
    old_ok = qa(q, a, sid="r_old", feedback_thumbs="up", ended_at=T1)
    new_ok = qa(q, a, sid="r_new", feedback_thumbs="up", ended_at=T2)
    f = frame(fail, old_ok, new_ok)
    out = curate_units(f, complexity_tags(f), fast_cfg())
    rep = out.filter(pl.col("is_representative"))
    assert rep.height == 1 and rep["session_id"][0] == "r_new"
    # a filtered unit never wins over a clean one
    bad = qa(q, a + " ```", sid="r_bad", feedback_thumbs="up", ended_at=datetime_later())
    f = frame(bad, old_ok)
    out = curate_units(f, complexity_tags(f), fast_cfg())
    assert out["dup_cluster_id"].n_unique() == 1
    assert out.filter(pl.col("is_representative"))["session_id"].to_list() == ["r_old"]
    assert out.filter(pl.col("session_id") == "r_bad")["filter_reason"][0] == "truncated_answer"


def datetime_later():
    from datetime import datetime, timezone

    return datetime(2026, 11, 5, tzinfo=timezone.utc)


def test_dedup_is_deterministic_and_order_independent():
    units = _distinct_units() + [booking_trajectory("t1"), booking_trajectory("t2")]
    f = frame(*units)
    a = curate_units(f, complexity_tags(f), fast_cfg())
    shuffled = f.sample(fraction=1.0, shuffle=True, seed=5)
    b = curate_units(shuffled, None, fast_cfg())
    assert a.equals(b)
    assert a.filter(pl.col("session_id").is_in(["t1", "t2"]))["dup_cluster_id"].n_unique() == 1


def test_numpy_banding_matches_datasketch_lsh():
    rng = random.Random(0)
    words = [f"w{i}" for i in range(3000)]
    base = [" ".join(rng.choice(words) for _ in range(50)) for _ in range(150)]
    texts = base + [b.replace(b.split()[7], "edited", 1) for b in base[:30]]
    _, _, c1, s1 = dedup_clusters(texts, DedupConfig(lsh_backend="numpy"))
    _, _, c2, s2 = dedup_clusters(texts, DedupConfig(lsh_backend="datasketch"))
    assert np.array_equal(c1, c2)
    assert all(c1[150 + k] == c1[k] for k in range(30))
    assert len(set(c1.tolist())) == 150


def test_realdata_tau_bench_shared_openings_are_not_duplicates(realdata):
    from flywheel_assets.curate.dedup import near_duplicate_labels

    from .realdata_units import tau_units

    units = tau_units(realdata)
    f = frame(*units)
    out = curate_units(f, None, fast_cfg())
    # retail demos 19 / 21 / 32 open with the same t-shirt inventory lookup (a ~5k-character tool result) but are
    # different tasks (modify one order, modify two orders, return items): LSH proposes them, verification rejects
    assert out.filter(pl.col("filter_reason").is_in(["duplicate", "near_duplicate"])).height == 0
    assert out["dup_cluster_id"].n_unique() == out.height
    from flywheel_assets.curate.parsed import ParsedUnit

    texts = [normalize(ParsedUnit.from_row(u).dialog_text) for u in units]
    _, stats = near_duplicate_labels(texts, DedupConfig())
    assert stats["candidates"] >= 2 and stats["verified"] == 0


def test_shared_long_opening_with_different_endings_is_not_merged():
    from flywheel_assets.schema import message, new_unit, tool_call

    from .helpers import WEATHER_TOOL

    rng = random.Random(9)
    report = " ".join(f"station{i} temp {rng.randint(-5, 30)}C wind {rng.randint(0, 60)}kmh" for i in range(400))
    endings = ["Pack an umbrella: rain is expected all week in the north, with strong winds on the coast and "
               "temperatures dropping below freezing overnight in the mountains.",
               "It will be a warm and dry week everywhere, perfect for the beach; sunscreen is advised and the "
               "evenings stay mild, so no jacket is needed for your trip."]
    units = []
    for k, end in enumerate(endings):
        msgs = [message("user", "What is the weather this week across the country?"),
                message("assistant", "", tool_calls=[tool_call("c", "get_weather", {"city": "all"})]),
                message("tool", report, name="get_weather", tool_call_id="c"),
                message("assistant", end * 8)]
        units.append(new_unit(msgs, session_id=f"long{k}", tools=[WEATHER_TOOL]))
    f = frame(*units)
    out = curate_units(f, None, fast_cfg())
    assert out["dup_cluster_id"].n_unique() == 2 and out["kept"].all()
    # the same pair with identical endings does merge
    same = frame(units[0], dict(units[1], messages=units[0]["messages"].replace("What is", "what is")))
    assert curate_units(same, None, fast_cfg())["dup_cluster_id"].n_unique() == 1
