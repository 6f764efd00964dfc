import json

import polars as pl

from flywheel_assets.curate.complexity import BUCKETS, bucket, complexity_tags
from flywheel_assets.schema import message, new_unit, tool_call

from .helpers import WEATHER_TOOL, booking_trajectory, frame, qa


def _tags(*units) -> dict:
    t = complexity_tags(frame(*units))
    return {r["unit_id"]: r for r in t.iter_rows(named=True)}


def test_simple_qa_tags():
    u = qa("What is the capital of France?", "Paris.", sid="s1")
    r = _tags(u)[u["unit_id"]]
    assert (r["turns"], r["steps"], r["tool_calls"], r["distinct_tools"], r["graph_depth"]) == (1, 1, 0, 0, 0)
    assert (r["parallel_calls"], r["errors"], r["retries"], r["recoveries"]) == (0, 0, 0, 0)
    assert r["complexity_bucket"] == "simple"
    # context estimate ~ chars / 4 over messages (system prompt included) + tools
    chars = sum(len(m["content"]) for m in json.loads(u["messages"])) + len(u["tools"])
    assert r["context_tokens"] == -(-chars // 4)


def test_dependency_chain_from_argument_reuse():
    u = booking_trajectory("s2")
    r = _tags(u)[u["unit_id"]]
    assert r["tool_calls"] == 3 and r["distinct_tools"] == 3
    assert r["graph_depth"] == 3  # user_id flows into get_reservation, reservation_id into cancel
    assert r["parallel_calls"] == 1
    assert r["complexity_bucket"] == "complex"


def test_independent_calls_have_depth_one_and_parallel_calls_counted():
    msgs = [message("user", "Weather in Paris and Rome?"),
            message("assistant", "", tool_calls=[tool_call("a", "get_weather", {"city": "Paris"}),
                                                 tool_call("b", "get_weather", {"city": "Rome"})]),
            message("tool", "sunny 21C", name="get_weather", tool_call_id="a"),
            message("tool", "rain 15C", name="get_weather", tool_call_id="b"),
            message("assistant", "Paris is sunny (21C), Rome rainy (15C).")]
    u = new_unit(msgs, session_id="s3", tools=[WEATHER_TOOL])
    r = _tags(u)[u["unit_id"]]
    assert r["graph_depth"] == 1 and r["parallel_calls"] == 2 and r["distinct_tools"] == 1 and r["steps"] == 2


def test_tool_graph_attribute_overrides_inference():
    msgs = [message("user", "Weather in Paris and Rome?"),
            message("assistant", "", tool_calls=[tool_call("a", "get_weather", {"city": "Paris"})]),
            message("tool", "sunny", name="get_weather", tool_call_id="a"),
            message("assistant", "", tool_calls=[tool_call("b", "get_weather", {"city": "Rome"})]),
            message("tool", "rain", name="get_weather", tool_call_id="b"),
            message("assistant", "Paris sunny, Rome rain.")]
    plain = new_unit(msgs, session_id="s4", tools=[WEATHER_TOOL])
    graphed = new_unit(msgs, session_id="s5", tools=[WEATHER_TOOL],
                       attributes={"tool_graph": {"nodes": ["a", "b"], "edges": [["a", "b"]]}})
    t = _tags(plain, graphed)
    assert t[plain["unit_id"]]["graph_depth"] == 1
    assert t[graphed["unit_id"]]["graph_depth"] == 2


def test_errors_retries_recoveries():
    ok = booking_trajectory("s6")
    retried = booking_trajectory("s7", fail_first=True)
    t = _tags(ok, retried)
    a, b = t[ok["unit_id"]], t[retried["unit_id"]]
    assert (a["errors"], a["retries"], a["recoveries"]) == (0, 0, 0)
    assert (b["errors"], b["retries"], b["recoveries"]) == (1, 1, 1)
    assert b["complexity_score"] > a["complexity_score"]
    # an unrecovered error: the only call fails and nothing follows
    msgs = [message("user", "weather?"), message("assistant", "", tool_calls=[tool_call("x", "get_weather", {"city": "Oslo"})]),
            message("tool", "ERROR: 503", name="get_weather", tool_call_id="x")]
    u = new_unit(msgs, session_id="s8", tools=[WEATHER_TOOL], n_errors=0, attributes={"errors": [{"type": "api"}], "retries": 2})
    r = _tags(u)[u["unit_id"]]
    assert r["errors"] == 2 and r["recoveries"] == 0 and r["retries"] == 2


def test_bucket_thresholds_and_order():
    assert [bucket(s) for s in (0.0, 2.99, 3.0, 6.99, 7.0, 13.99, 14.0, 30)] == [
        "simple", "simple", "moderate", "moderate", "complex", "complex", "expert", "expert"]
    assert BUCKETS == ("simple", "moderate", "complex", "expert")


def test_bad_messages_do_not_crash():
    u = qa("hi", "hello", sid="bad")
    u["messages"] = "{not json"
    t = complexity_tags(frame(u))
    assert t.height == 1 and t["turns"][0] == 0 and t["complexity_bucket"][0] == "simple"


def test_realdata_toolbench_is_agentic_and_complex(realdata):
    from .realdata_units import toolbench_units

    units = frame(*toolbench_units(realdata))
    t = complexity_tags(units)
    assert t.height == units.height >= 10
    assert (t["tool_calls"] > 0).all() and (t["graph_depth"] >= 1).all()
    # ToolBench runs chain several API calls: no run is "simple", several have errors
    assert not (t["complexity_bucket"] == "simple").any()
    assert (t["errors"] > 0).sum() >= 1
    assert t.select(pl.col("unit_id").is_unique().all()).item()
