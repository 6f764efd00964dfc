"""Keyed per-session date shift (date_shift.py): same shift for every date of a session, order / spacing / year /
weekday / written form kept, other sessions and other keys shift differently, the policy switch turns it off."""

from __future__ import annotations

import json
from datetime import date

import pytest

from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.date_shift import session_shift_days, shift_date_text
from flywheel_assets.privacy.redact import redact_units
from flywheel_assets.schema import message, new_unit, units_frame


@pytest.mark.parametrize("value,days,expected", [
    ("2023-11-28", 14, "2023-12-12"),
    ("11/28/2023", -21, "11/7/2023"),
    ("28.11.2023", 14, "12.12.2023"),
    ("03/07/1992", 14, "03/21/1992"),          # zero-padded stays zero-padded
    ("Nov 28th", 14, "Dec 12th"),
    ("28 November 2023", -21, "7 November 2023"),
    ("June 3rd", -21, "May 13th"),
    ("December 30, 2021", 14, "December 16, 2021"),  # would cross into 2022: shifted the other way, year kept
    ("2024-06-03 14:30", 7, "2024-06-10 14:30"),
])
def test_shift_keeps_the_written_form(value, days, expected):
    assert shift_date_text(value, days) == expected


def test_not_a_calendar_day_returns_none():
    for v in ("31/02/2020", "next week", "tomorrow", "2 business days", "13/13/2020"):
        assert shift_date_text(v, 14) is None, v


def test_shift_is_whole_weeks_keyed_by_key_and_session():
    shifts = {session_shift_days(b"k", f"s{i}") for i in range(40)}
    assert all(d % 7 == 0 and 7 <= abs(d) <= 56 for d in shifts) and len(shifts) > 4
    assert session_shift_days(b"k", "s1") == session_shift_days(b"k", "s1")
    assert any(session_shift_days(b"k", f"s{i}") != session_shift_days(b"other", f"s{i}") for i in range(10))
    d = date(2024, 3, 5)
    for days in shifts:
        out = date.fromisoformat(shift_date_text(d.isoformat(), days))
        assert out.weekday() == d.weekday() and out.year == d.year and out != d


def _session(sid: str):
    msgs = [message("user", "My date of birth is 14 March 1986. I was admitted on 2023-11-28 and discharged "
                            "December 2."),
            message("assistant", "Thanks. Your follow-up appointment is on December 9.")]
    return units_frame([new_unit(msgs, session_id=sid, consent_training=True)])


def _texts(res) -> str:
    return " ".join(m["content"] for ms in res.units["messages"].to_list() for m in json.loads(ms))


def test_redaction_shifts_dates_consistently_within_a_session(pii_key):
    out = _texts(redact_units(_session("a"), PrivacyConfig(), pii_key))
    days = session_shift_days(pii_key, "a")
    for v in ("14 March 1986", "2023-11-28", "December 2", "December 9"):
        assert v not in out
        assert shift_date_text(v, days) in out, (v, out)
    assert "<DATE_" not in out


def test_policy_switch_turns_the_shift_off(pii_key):
    out = _texts(redact_units(_session("a"), PrivacyConfig(date_shift=False), pii_key))
    assert "<DATE_1>" in out and "14 March 1986" not in out
