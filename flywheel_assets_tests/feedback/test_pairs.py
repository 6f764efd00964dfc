from __future__ import annotations

import json

import polars as pl
import pytest

from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.feedback.length_balance import balance, check_length_ratio, check_no_identical
from flywheel_assets.feedback.pairs import PAIR_SCHEMA, mine_pairs, preference_pairs
from flywheel_assets_tests.feedback.helpers import frame, qa, thread, trajectory

Q = "How long does shipping to Canada take for a standard order?"
GOOD = "Standard shipping to Canada takes 5 to 8 business days; you get a tracking link by email."
BAD = "Shipping depends on many factors such as the carrier and the weather and so on."


def _final(msgs_json: str) -> str:
    return [m for m in json.loads(msgs_json) if m["role"] == "assistant"][-1]["content"]


def test_thumbs_pair_same_prompt_only():
    rows = [qa("s1", Q, GOOD, feedback_thumbs="up"), qa("s2", Q, BAD, feedback_thumbs="down"),
            # a down-voted answer to another prompt must not be paired with the up-voted one
            qa("s3", "Do you ship to Mexico at all?", "No.", feedback_thumbs="down")]
    pairs = preference_pairs(frame(rows))
    assert pairs.height == 1
    p = pairs.row(0, named=True)
    assert p["pair_source"] == "thumbs" and p["signal"] == "thumbs"
    assert _final(p["chosen"]) == GOOD and _final(p["rejected"]) == BAD
    assert [m["role"] for m in json.loads(p["prompt"])] == ["system", "user"]
    assert (p["chosen_session_id"], p["rejected_session_id"]) == ("s1", "s2")
    assert p["is_synthetic"] is False and p["weight"] > 0
    assert set(pairs.columns) == set(PAIR_SCHEMA)
    ok, details = check_no_identical(pairs)
    assert ok and details["n_identical"] == 0


def test_identical_answers_never_pair_and_check_catches_them():
    rows = [qa("s1", Q, GOOD, feedback_thumbs="up"), qa("s2", Q, GOOD + "  ", feedback_thumbs="down")]
    assert preference_pairs(frame(rows)).height == 0
    good = preference_pairs(frame([qa("a", Q, GOOD, feedback_thumbs="up"), qa("b", Q, BAD, feedback_thumbs="down")]))
    forged = good.with_columns(pl.col("chosen").alias("rejected"))
    ok, details = check_no_identical(forged)
    assert not ok and details["n_identical"] == 1
    kept, dropped = balance(forged)
    assert kept.height == 0 and dropped["drop_reason"].to_list() == ["identical"]


def test_edit_pair_prefers_users_edit():
    edited = "Standard shipping to Canada takes 5-8 business days and includes tracking."
    rows = [qa("s1", Q, BAD, edited_response=edited)]
    pairs = preference_pairs(frame(rows))
    assert pairs["pair_source"].to_list() == ["edit"]
    p = pairs.row(0, named=True)
    assert _final(p["chosen"]) == edited and _final(p["rejected"]) == BAD
    assert p["chosen_unit_id"] == p["rejected_unit_id"]


def test_outcome_pairs_match_paraphrases_without_ids():
    ok_call = [("get_order", {"order_id": "A1"}, '{"status": "delivered", "total": 40}'),
               ("issue_refund", {"order_id": "A1", "amount": 40}, '{"refunded": 40}')]
    bad_call = [("issue_refund", {"order_id": "B7"}, "ERROR: missing required argument amount")]
    rows = [
        trajectory("ok", "I want a refund for my order A1, it arrived broken.", ok_call,
                   "Your refund of 40 has been issued.", outcome="success",
                   attributes={"intent_id": "intent-X"}),
        trajectory("fail", "My order B7 came damaged, please refund me.", bad_call,
                   "Sorry, I could not process the refund.", outcome="failure",
                   attributes={"intent_id": "intent-Y"}),
        # same (misleading) intent id as the successful one, but a different intent: must not be paired by id
        trajectory("other", "What are your store opening hours on Sunday?", [], "We are closed.", outcome="failure",
                   attributes={"intent_id": "intent-X"}),
    ]
    pairs = preference_pairs(frame(rows))
    out = pairs.filter(pl.col("pair_source") == "outcome")
    assert out.height == 1
    p = out.row(0, named=True)
    assert (p["chosen_session_id"], p["rejected_session_id"]) == ("ok", "fail")
    assert p["prompt_match"] == "paraphrase" and 0.5 < p["similarity"] < 1.0
    assert p["weight"] < 1.0  # paraphrase matches are down-weighted
    prompt = json.loads(p["prompt"])
    assert [m["role"] for m in prompt] == ["system", "user"] and "A1" in prompt[-1]["content"]
    chosen, rejected = json.loads(p["chosen"]), json.loads(p["rejected"])
    assert chosen[0]["role"] == "assistant" and rejected[0]["role"] == "assistant"
    assert chosen[0]["tool_calls"][0]["function"]["name"] == "get_order"
    assert rejected[0]["tool_calls"][0]["function"]["name"] == "issue_refund"


def test_outcome_pair_with_exact_prompt_uses_shared_prefix():
    req = "Refund my order A1 please, it arrived broken."
    lookup = ("get_order", {"order_id": "A1"}, '{"status": "delivered", "total": 40}')
    rows = [trajectory("ok", req, [lookup, ("issue_refund", {"order_id": "A1", "amount": 40}, '{"refunded": 40}')],
                       "Refund of 40 issued.", outcome="success"),
            trajectory("fail", req, [lookup, ("issue_refund", {"order_id": "A1", "amount": 400}, "ERROR: amount "
                                              "exceeds order total")], "I could not refund you.", outcome="failure")]
    p = preference_pairs(frame(rows)).filter(pl.col("pair_source") == "outcome").row(0, named=True)
    assert p["prompt_match"] == "exact"
    prompt = json.loads(p["prompt"])
    # the identical lookup step is part of the shared prefix; continuations diverge at the refund call
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "tool"]
    assert json.loads(p["chosen"])[0]["tool_calls"][0]["function"]["arguments"] == '{"amount":40,"order_id":"A1"}'
    assert json.loads(p["rejected"])[0]["tool_calls"][0]["function"]["arguments"] == '{"amount":400,"order_id":"A1"}'


def test_concise_from_complaint_and_from_feedback():
    verbose = " ".join(["Shipping to Canada can vary a lot depending on many things."] * 3)
    short = "Standard shipping takes 5-8 business days."
    t = thread("t1", [("user", Q), ("assistant", verbose), ("user", "too long, just give me the answer"),
                      ("assistant", short)])
    pairs = preference_pairs(frame([t]))
    assert pairs["pair_source"].to_list() == ["concise"] and pairs["signal"].to_list() == ["complaint"]
    p = pairs.row(0, named=True)
    assert _final(p["chosen"]) == short and _final(p["rejected"]) == verbose
    assert [m["role"] for m in json.loads(p["prompt"])] == ["system", "user"]
    # feedback prefers a much shorter answer to the same prompt -> labelled concise
    medium = " ".join(["Standard shipping to Canada usually takes between five and eight business days."] * 2)
    rows = [qa("a", Q, GOOD, feedback_thumbs="up"), qa("b", Q, medium + " " + BAD, feedback_thumbs="down")]
    assert preference_pairs(frame(rows))["pair_source"].to_list() == ["concise"]


def test_synthetic_off_by_default_then_capped_and_flagged():
    rows = []
    for i in range(12):
        q = f"Return the status of order Z{i} as JSON with keys id and status."
        rows.append(qa(f"j{i}", q, json.dumps({"id": f"Z{i}", "status": "shipped"}), outcome="success"))
    rows += [qa("u", Q, GOOD, feedback_thumbs="up"), qa("d", Q, BAD, feedback_thumbs="down")]
    df = frame(rows)
    assert preference_pairs(df).filter(pl.col("is_synthetic")).height == 0
    cfg = FeedbackConfig()
    cfg.pairs.sources = ["thumbs", "edit", "outcome", "concise", "synthetic"]
    cfg.pairs.synthetic_max_share = 0.5
    pairs = preference_pairs(df, cfg)
    syn = pairs.filter(pl.col("is_synthetic"))
    assert syn.height == 1  # cap: share 0.5 of 1 real pair -> at most 1
    s = syn.row(0, named=True)
    assert s["pair_source"] == "synthetic" and s["signal"] == "broken_json"
    json.loads(_final(s["chosen"]))
    with pytest.raises(ValueError):
        json.loads(_final(s["rejected"]))
    assert s["weight"] <= cfg.pairs.synthetic_weight


def test_length_balance_drops_and_downweights_extremes():
    short = "Five to eight business days."
    rows = [qa("a", Q, GOOD, feedback_thumbs="up"), qa("b", Q, BAD, feedback_thumbs="down"),
            # extreme: chosen ~10x longer than rejected -> dropped
            qa("c", "Tell me about your return policy.", "Returns: " + "within 30 days, unused, with receipt. " * 8,
               feedback_thumbs="up"),
            qa("d", "Tell me about your return policy.", "30 days.", feedback_thumbs="down"),
            # 4x longer: kept but down-weighted
            qa("e", "Can I change my delivery address?", short * 4, feedback_thumbs="up"),
            qa("f", "Can I change my delivery address?", short, feedback_thumbs="down")]
    res = mine_pairs(frame(rows))
    assert res.dropped["drop_reason"].to_list() == ["extreme_length_ratio"]
    assert res.dropped["chosen_session_id"].to_list() == ["c"]
    kept = {r["chosen_session_id"]: r for r in res.pairs.iter_rows(named=True)}
    assert set(kept) == {"a", "e"}
    assert kept["e"]["weight"] < kept["a"]["weight"]
    ok, details = check_length_ratio(res.pairs)
    assert details["n_over_drop_ratio"] == 0
    # an unfiltered frame with the extreme pair fails the check
    ok_bad, d_bad = check_length_ratio(pl.concat([res.pairs, res.dropped.drop("drop_reason")]))
    assert not ok_bad and d_bad["n_over_drop_ratio"] == 1


def test_length_rebalancing_evens_out_longer_wins():
    rows = []
    for i in range(3):  # chosen longer (ratio ~3)
        q = f"Question number {i} about gift cards and their expiry rules?"
        rows += [qa(f"u{i}", q, f"Gift cards never expire, and balance {i} stays valid forever.", feedback_thumbs="up"),
                 qa(f"d{i}", q, f"They last {i} years.", feedback_thumbs="down")]
    q = "Do you offer student discounts on laptops?"
    rows += [qa("su", q, "Yes, 10% off for students.", feedback_thumbs="up"),
             qa("sd", q, "We offer many discounts on many products, student ones too!", feedback_thumbs="down")]
    pairs = preference_pairs(frame(rows))
    assert pairs.height == 4
    ok, d = check_length_ratio(pairs)
    assert d["longer_wins_share"] == pytest.approx(3 / 4, abs=1e-3)
    assert ok and d["longer_wins_share_weighted"] == pytest.approx(0.5, abs=0.01)


def test_empty_rejected_dropped():
    rows = [qa("a", Q, GOOD, feedback_thumbs="up"), qa("b", Q, "", feedback_thumbs="down")]
    res = mine_pairs(frame(rows))
    assert res.pairs.height == 0 or (res.pairs["rejected_len"] > 0).all()


def test_deterministic_and_bad_rows_do_not_crash():
    rows = [qa("s1", Q, GOOD, feedback_thumbs="up"), qa("s2", Q, BAD, feedback_thumbs="down")]
    df = frame(rows)
    broken = df.head(1).with_columns(pl.lit("{not json").alias("messages"), pl.lit("x").alias("unit_id"))
    a = preference_pairs(pl.concat([df, broken]))
    b = preference_pairs(pl.concat([broken, df]))
    assert a.equals(b) and a.height == 1


def test_kept_column_respected():
    rows = [qa("s1", Q, GOOD, feedback_thumbs="up"), qa("s2", Q, BAD, feedback_thumbs="down")]
    assert preference_pairs(frame(rows, kept=[True, False])).height == 0


def test_units_compared_once_across_sources():
    rows = [qa("s1", Q, GOOD, feedback_thumbs="up", outcome="success"),
            qa("s2", Q, BAD, feedback_thumbs="down", outcome="failure")]
    pairs = preference_pairs(frame(rows))
    assert pairs["pair_source"].to_list() == ["thumbs"]
