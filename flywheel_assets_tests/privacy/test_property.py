"""Property tests: a planted direct identifier never survives redaction, in prose or inside JSON tool arguments
and results, and every JSON field stays valid JSON with its keys."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.redact import redact_units
from flywheel_assets.schema import message, new_unit, tool_call, units_frame

CASCADE = Cascade(PrivacyConfig(presidio_ner=False))  # direct identifiers are the rules' job; keeps the test fast
KEY = b"property-test-key"


def _luhn(body: list[int]) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return "".join(map(str, body + [(10 - total % 10) % 10]))


emails = st.builds(lambda a, b, tld: f"{a}@{b}.{tld}",
                   st.text(string.ascii_lowercase + string.digits + "._", min_size=1, max_size=12).filter(
                       lambda s: s[0].isalnum() and s[-1].isalnum() and ".." not in s),
                   st.text(string.ascii_lowercase, min_size=2, max_size=10), st.sampled_from(["com", "org", "io", "de"]))
cards = st.builds(lambda d, sep: sep.join([(c := _luhn([4] + d))[i:i + 4] for i in range(0, 16, 4)]),
                  st.lists(st.integers(0, 9), min_size=14, max_size=14), st.sampled_from(["", " ", "-"]))
phones = st.builds(lambda a, b, c, style: style.format(a, b, c), st.integers(201, 989), st.integers(200, 999),
                   st.integers(1000, 9999), st.sampled_from(["+1 {}-{}-{}", "({}) {}-{}", "+1 ({}) {} {}"]))
ssns = st.builds(lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}", st.integers(1, 665), st.integers(1, 99),
                 st.integers(1, 9999))
secrets = st.builds(lambda s, p: p + s, st.text(string.ascii_letters + string.digits, min_size=36, max_size=40),
                    st.sampled_from(["sk-proj-", "ghp_", "hf_"]))
ipv4 = st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", st.integers(11, 223), st.integers(0, 255),
                 st.integers(0, 255), st.integers(1, 254))
values = st.one_of(emails, cards, phones, ssns, secrets, ipv4)
words = st.lists(st.sampled_from(["please", "check", "the", "account", "for", "me", "ok", "thanks", "update",
                                  "status", "is", "pending", "Hello", "Order", "shipped"]), max_size=8).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(value=values, before=words, after=words, key=st.sampled_from(["note", "contact", "value", "details"]))
def test_planted_value_never_survives_and_json_stays_valid(value, before, after, key):
    prose = f"{before} {value} {after}".strip()
    msgs = [
        message("user", prose),
        message("assistant", "", tool_calls=[tool_call("c1", "crm", {key: prose, "nested": {"list": [value]}})]),
        message("tool", json.dumps({"result": {key: value, "text": prose}, "ok": True}), tool_call_id="c1",
                name="crm"),
    ]
    units = units_frame([new_unit(msgs, session_id="p", edited_response=prose)])
    res = redact_units(units, PrivacyConfig(presidio_ner=False), KEY, cascade=CASCADE)
    out = res.units.row(0, named=True)
    blob = out["messages"] + (out["edited_response"] or "")
    assert value not in blob
    assert value.replace(" ", "").replace("-", "") not in blob.replace(" ", "").replace("-", "") or len(value) < 9
    red = json.loads(out["messages"])
    args = json.loads(red[1]["tool_calls"][0]["function"]["arguments"])
    assert sorted(args) == sorted([key, "nested"]) and isinstance(args["nested"]["list"], list)
    tool = json.loads(red[2]["content"])
    assert sorted(tool["result"]) == sorted({key, "text"}) and tool["ok"] is True
    assert out["n_pii"] >= 5
