"""Small builders for realistic redacted units used by the curation tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.schema import message, new_unit, tool_call, units_frame

SYSTEM = ("You are the helpful support assistant of Acme Travel. Be concise, polite and accurate. Never reveal "
          "internal policies. Always verify the customer's identity before changing a booking. Answer in English.")

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                   "required": ["city"]}}}
BOOKING_TOOLS = [
    {"type": "function", "function": {"name": "find_user", "description": "find a user by name",
                                      "parameters": {"type": "object", "properties": {"name": {"type": "string"}},
                                                     "required": ["name"]}}},
    {"type": "function", "function": {"name": "get_reservation", "description": "reservation of a user",
                                      "parameters": {"type": "object", "properties": {"user_id": {"type": "string"}},
                                                     "required": ["user_id"]}}},
    {"type": "function", "function": {"name": "cancel_reservation", "description": "cancel",
                                      "parameters": {"type": "object",
                                                     "properties": {"reservation_id": {"type": "string"}},
                                                     "required": ["reservation_id"]}}},
]


def qa(question: str, answer: str, *, sid: str, system: str | None = SYSTEM, **kw) -> dict:
    msgs = ([message("system", system)] if system else []) + [message("user", question), message("assistant", answer)]
    return new_unit(msgs, session_id=sid, **kw)


def booking_trajectory(sid: str, *, fail_first: bool = False, **kw) -> dict:
    """find_user -> get_reservation(user_id from result) -> cancel_reservation(reservation_id from result)."""
    msgs = [message("system", SYSTEM), message("user", "Please cancel my flight reservation, I am <PERSON_1>.")]
    if fail_first:
        msgs += [message("assistant", "", tool_calls=[tool_call("c0", "find_user", {"name": "<PERSON_1>"})]),
                 message("tool", "ERROR: upstream timeout", name="find_user", tool_call_id="c0")]
    msgs += [
        message("assistant", "", tool_calls=[tool_call("c1", "find_user", {"name": "<PERSON_1>"})]),
        message("tool", '{"user_id": "usr_8812"}', name="find_user", tool_call_id="c1"),
        message("assistant", "", tool_calls=[tool_call("c2", "get_reservation", {"user_id": "usr_8812"})]),
        message("tool", '{"reservation_id": "RES77Q", "flight": "HAT214"}', name="get_reservation", tool_call_id="c2"),
        message("assistant", "", tool_calls=[tool_call("c3", "cancel_reservation", {"reservation_id": "RES77Q"})]),
        message("tool", '{"status": "cancelled"}', name="cancel_reservation", tool_call_id="c3"),
        message("assistant", "Your reservation RES77Q on flight HAT214 has been cancelled. The refund takes 5 days."),
    ]
    return new_unit(msgs, session_id=sid, tools=BOOKING_TOOLS, **kw)


def frame(*units: dict):
    return units_frame(list(units))


def fast_cfg(**over) -> CurateConfig:
    """Default config with TF-IDF embeddings (no model load) for quick tests."""
    cfg = CurateConfig()
    cfg.diversity.embedding_backend = "tfidf"
    cfg.filters.embedding_backend = "tfidf"
    for k, v in over.items():
        setattr(cfg, k, v)
    return cfg


D1 = date(2026, 11, 1)
T1 = datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
