"""feedback/signals.py on real units: the complaint texts of a unit are its short user turns after the first answer
plus the comments of its attributes' feedback, and a real tool-call argument string parses as a JSON answer (also
inside a code fence) while a real prose answer does not."""

from __future__ import annotations

import json

import pytest

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import signals as ts
from flywheel_assets_tests.feedback.real_units import real_units


@pytest.fixture(scope="module")
def rows(realdata, pii_key) -> list[dict]:
    return list(real_units(realdata, pii_key).iter_rows(named=True))


def test_complaint_texts_are_late_short_user_turns(rows):
    n_with = 0
    for row in rows:
        msgs = c.messages_of(row)
        texts = ts.feedback_texts(row, msgs)
        first_answer = next((i for i, m in enumerate(msgs) if m["role"] == "assistant"), len(msgs))
        late = [c.content(m) for m in msgs[first_answer:] if m["role"] == "user"]
        turns = [t for t in late if len(t) <= ts.COMPLAINT_MAX_CHARS]
        assert texts[:len(turns)] == turns  # user turns first, in order; long turns are new requests
        assert not any(len(t) > ts.COMPLAINT_MAX_CHARS for t in texts[:len(turns)])
        n_with += bool(texts)
    assert n_with > 0


def test_json_answer_check_on_real_texts(rows):
    args, prose = [], []
    for row in rows:
        for m in c.messages_of(row):
            for tc in m.get("tool_calls") or []:
                a = tc["function"].get("arguments")
                if isinstance(a, str) and a.strip():
                    args.append(a)
            if m["role"] == "assistant" and c.content(m).strip() and not m.get("tool_calls"):
                prose.append(c.content(m))
    assert args and prose
    for a in args:
        try:
            json.loads(a)
            ok = True
        except ValueError:
            ok = False
        assert ts.try_parse_json_answer(a) is ok
        assert ts.try_parse_json_answer("```json\n" + a + "\n```") is ok
    for p in prose:
        try:
            json.loads(p.strip())
            continue  # an answer that is itself JSON
        except ValueError:
            pass
        if "```" not in p:
            assert ts.try_parse_json_answer(p) is False
