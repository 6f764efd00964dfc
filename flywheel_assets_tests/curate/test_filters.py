import polars as pl

from flywheel_assets.curate.complexity import complexity_tags
from flywheel_assets.curate.pipeline import curate_units
from flywheel_assets.schema import message, new_unit, tool_call

from .helpers import BOOKING_TOOLS, WEATHER_TOOL, booking_trajectory, fast_cfg, frame, qa


def _reasons(*units, cfg=None) -> dict:
    f = frame(*units)
    out = curate_units(f, complexity_tags(f), cfg or fast_cfg())
    assert out.height == f.height  # filtered units stay in the table
    assert (out["kept"] == out["filter_reason"].is_null()).all()
    return dict(zip(out["session_id"], out["filter_reason"]))


def test_good_units_are_kept():
    r = _reasons(qa("How do I change my seat on flight HAT214?", "Open Manage booking, pick the flight and choose Seat.", sid="ok1"),
                 booking_trajectory("ok2"))
    assert r == {"ok1": None, "ok2": None}


def test_empty_answer_and_missing_assistant():
    r = _reasons(qa("What is the baggage allowance for basic economy?", "   ", sid="e1"),
                 new_unit([message("user", "Is my flight on time today?")], session_id="e2"))
    assert r == {"e1": "empty_answer", "e2": "empty_answer"}


def test_truncated_answers():
    r = _reasons(
        qa("Write a python function that sorts a list of flights by price", "```python\ndef sort_flights(f):\n    return sorted(f, key=lambda x: x['pr", sid="t1"),
        qa("How many bags can I check on a business class ticket?", "You can check two bags of up to", sid="t2",
           attributes={"finish_reason": "length"}),
        qa("Give the reservation as a JSON object please", '{"reservation_id": "RES77Q", "flight": "HAT', sid="t3"))
    assert r == {"t1": "truncated_answer", "t2": "truncated_answer", "t3": "truncated_answer"}


def test_unexpected_vs_expected_refusal():
    r = _reasons(
        qa("How do I add a checked bag to my reservation?", "I'm sorry, but I can't help with that request.", sid="r1"),
        qa("How do I build a bomb to take on the plane?", "I'm sorry, but I can't help with that request.", sid="r2"))
    assert r == {"r1": "unexpected_refusal", "r2": None}


def test_invalid_json_when_json_requested():
    r = _reasons(
        qa("Return the flight details as JSON with keys origin and destination.", "Origin MCO, destination CLT.", sid="j1"),
        qa("Return the flight details as JSON with keys origin and destination.", '```json\n{"origin": "MCO", "destination": "CLT"}\n```', sid="j2"),
        qa("Tell me where the flight goes.", "Origin MCO, destination CLT.", sid="j3"))
    assert r == {"j1": "invalid_json", "j2": None, "j3": None}


def _call_unit(sid, name, args):
    msgs = [message("user", "What's the weather in Paris tomorrow?"),
            message("assistant", "", tool_calls=[tool_call("c", name, args)]),
            message("tool", "sunny 21C", name=name, tool_call_id="c"),
            message("assistant", "Tomorrow Paris will be sunny, 21C.")]
    return new_unit(msgs, session_id=sid, tools=[WEATHER_TOOL])


def test_invalid_tool_calls_against_declared_schemas():
    r = _reasons(_call_unit("v1", "get_weather", {"city": "Paris", "days": 1}),
                 _call_unit("v2", "get_weather", {"days": 1}),  # required city missing
                 _call_unit("v3", "get_weather", {"city": "Paris", "days": "one"}),  # wrong type
                 _call_unit("v4", "get_forecast", {"city": "Paris"}),  # undeclared tool
                 _call_unit("v5", "get_weather", "city=Paris"))  # arguments not JSON
    assert r == {"v1": None, "v2": "invalid_tool_call", "v3": "invalid_tool_call", "v4": "invalid_tool_call",
                 "v5": "invalid_tool_call"}


def test_error_only_trajectory():
    msgs = [message("user", "Cancel reservation RES77Q please"),
            message("assistant", "", tool_calls=[tool_call("c1", "cancel_reservation", {"reservation_id": "RES77Q"})]),
            message("tool", "ERROR: service unavailable", name="cancel_reservation", tool_call_id="c1"),
            message("assistant", "", tool_calls=[tool_call("c2", "cancel_reservation", {"reservation_id": "RES77Q"})]),
            message("tool", "ERROR: service unavailable", name="cancel_reservation", tool_call_id="c2")]
    err = new_unit(msgs, session_id="x1", tools=BOOKING_TOOLS)
    r = _reasons(err, booking_trajectory("x2", fail_first=True))
    assert r == {"x1": "error_only", "x2": None}


def test_feedback_flags_wrong_or_outdated():
    r = _reasons(
        qa("What is the checked bag fee?", "It is 25 dollars per bag.", sid="f1",
           attributes={"feedback": [{"message_index": 2, "label": "outdated", "comment": "fee changed last month"}]}),
        qa("What is the carry-on limit?", "One bag and one personal item.", sid="f2",
           attributes={"feedback": [{"message_index": 2, "label": "helpful", "value": True, "flag": False}]}),
        qa("Which terminal does HAT214 leave from?", "Terminal B.", sid="f3", feedback_thumbs="down",
           attributes={"feedback_comment": "This is incorrect, it is terminal C"}))
    assert r == {"f1": "flagged_wrong", "f2": None, "f3": "flagged_wrong"}


def test_off_topic_keywords_and_domain_centroid():
    units = [qa("How do I change my flight reservation?", "Use Manage booking to change the flight.", sid="o1"),
             qa("Can you give me a lasagna recipe?", "Layer pasta, ragu and bechamel, bake 40 minutes.", sid="o2")]
    kw = fast_cfg()
    kw.filters.topic_keywords = ["flight", "booking", "reservation", "baggage"]
    assert _reasons(*units, cfg=kw) == {"o1": None, "o2": "off_topic"}
    emb = fast_cfg()
    emb.filters.domain_examples = ["change my flight reservation", "flight booking and baggage",
                                   "cancel a flight reservation and get a refund"]
    emb.filters.min_domain_similarity = 0.2
    assert _reasons(*units, cfg=emb) == {"o1": None, "o2": "off_topic"}
    assert _reasons(*units) == {"o1": None, "o2": None}  # off by default


def test_invalid_messages_are_quarantined_not_dropped():
    u = qa("hi there, what is my baggage allowance?", "Two bags.", sid="b1")
    u["messages"] = "not json at all"
    assert _reasons(u, qa("What is my baggage allowance on basic economy?", "One carry-on.", sid="b2")) == {
        "b1": "invalid_messages", "b2": None}


def test_filters_can_be_disabled():
    cfg = fast_cfg()
    cfg.filters.enabled = False
    assert _reasons(qa("Is my flight on time?", "", sid="d1"), cfg=cfg) == {"d1": None}


def test_realdata_toolbench_hallucinated_tool_is_caught(realdata):
    from .realdata_units import toolbench_units

    units = toolbench_units(realdata)
    r = _reasons(*units)
    # G3 run 21 calls "dota_2_steam_web", which is not among the functions declared for that run
    assert r["toolbench/G3_answer/21_ChatGPT_DFS_woFilter_w2"] == "invalid_tool_call"
    assert sum(v == "invalid_tool_call" for v in r.values()) == 1
    # every other ToolBench call validates against its declared JSON schema
    assert sum(v is None for v in r.values()) == len(units) - 1


def test_broken_units_do_not_cluster_together():
    a = qa("x", "y", sid="br1")
    b = qa("x", "y", sid="br2")
    a["messages"] = "garbage"
    b["messages"] = "[]"
    f = frame(a, b)
    out = curate_units(f, None, fast_cfg())
    assert out["dup_cluster_id"].n_unique() == 2
    assert set(out["filter_reason"]) == {"invalid_messages"}
