"""Issue 8.2 - property-based fuzzing of the redactor (flywheel_assets.privacy.redact.redact_units).

A planted PII value (email, phone, card, SSN, API key, IPv4) inside arbitrary text, or inside JSON tool arguments
under arbitrary keys, never survives redaction; tool arguments and JSON tool results stay valid JSON with every
key kept. The fuzz uses the rule + secret detectors (presidio_ner=False: the planted types are format-detected,
NER would only add minutes of spaCy per example; NER recall is the privacy suite's job).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

redact = pytest.importorskip("flywheel_assets.privacy.redact", reason="privacy stage (privacy/redact.py) not present")

from flywheel_assets.schema import message, new_unit, tool_call, units_frame  # noqa: E402

KEY = b"fuzz-redactor-key"
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def cascade():
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig

    cfg = PrivacyConfig(presidio_ner=False)
    return cfg, Cascade(cfg)


def _luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _luhn_complete(prefix: str, length: int) -> str:
    """prefix (length-1 digits) + the check digit that makes it Luhn-valid."""
    return next(prefix + str(c) for c in range(10) if _luhn_valid(prefix + str(c)))


def test_luhn_helper():
    assert _luhn_valid("4539148803436467") and not _luhn_valid("4539148803436468")
    assert _luhn_complete("453914880343646", 16) == "4539148803436467"


D = st.sampled_from("0123456789")
_REPEAT4 = re.compile(r"(\d)\1{3}")  # test-card / placeholder-looking runs (0000) are not realistic values
emails = st.builds(lambda a, b, c, tld: f"{a}{b}@{c}.{tld}",
                   st.from_regex(r"[a-z]", fullmatch=True), st.from_regex(r"[a-z0-9._]{0,10}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[a-z]{2,12}", fullmatch=True), st.sampled_from(["com", "org", "net", "io", "de"]))
phones = st.builds(lambda area, ex, num, fmt: fmt.format(a=area, e=ex, n=num),
                   st.integers(201, 989).filter(lambda a: a % 100 != 11),
                   st.integers(200, 999).filter(lambda e: e % 100 != 11), st.integers(0, 9999).map(lambda n: f"{n:04d}").filter(lambda n: not _REPEAT4.search(n)),
                   # dotted 415.555.0132 is a known gap (test_dotted_phone below), so not in the property
                   st.sampled_from(["{a}-{e}-{n}", "({a}) {e}-{n}", "+1 {a} {e} {n}", "{a} {e} {n}"]))
cards = st.builds(lambda pre, body, sep: (lambda full: sep.join(full[i:i + 4] for i in range(0, 16, 4)))(
    _luhn_complete((pre + body)[:15], 16)),
    st.sampled_from(["4", "51", "52", "53", "54", "55"]),
    # realistic (non-degenerate) card bodies: at least 5 distinct digits
    st.text(D, min_size=14, max_size=14).filter(lambda b: len(set(b)) >= 5 and not _REPEAT4.search(b)), st.sampled_from([" ", "-", ""]))
ssns = st.builds(lambda a, g, s: f"{a:03d}-{g:02d}-{s:04d}",
                 st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999))
api_keys = st.one_of(
    st.from_regex(r"sk-[A-Za-z0-9]{40}", fullmatch=True),
    st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True),
    st.from_regex(r"ghp_[A-Za-z0-9]{36}", fullmatch=True),
)
ips = st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", st.integers(1, 223), st.integers(0, 255),
                st.integers(0, 255), st.integers(1, 254))
PII = {"email": emails, "phone": phones, "card": cards, "ssn": ssns, "api_key": api_keys, "ip": ips}
pii_values = st.one_of(*[st.tuples(st.just(k), v) for k, v in PII.items()])
filler = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
json_keys = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="_-"),
                    min_size=1, max_size=12)


def _redact(cascade, msgs, session="fuzz"):
    cfg, cas = cascade
    units = units_frame([new_unit(msgs, session_id=session)])
    out = redact.redact_units(units, cfg, KEY, cascade=cas)
    return out.units


@SETTINGS
@given(planted=pii_values, before=filler, after=filler)
def test_pii_in_arbitrary_text_never_survives(cascade, planted, before, after):
    kind, value = planted
    text = f"{before} | {value} | {after}"  # a clear boundary: digits of the filler must not join the value
    out = _redact(cascade, [message("user", text), message("assistant", "Noted.")])
    msgs = json.loads(out["messages"][0])
    assert all(value not in m["content"] for m in msgs), (kind, value, msgs[0]["content"])
    assert value not in out["messages"][0]


def _plant(obj, path_keys, value, prefix):
    """Nest ``prefix + value`` under path_keys (dicts), return the tree."""
    leaf = f"{prefix}{value}" if prefix else value
    for k in reversed(path_keys):
        leaf = {k: leaf}
    obj.update(leaf if isinstance(leaf, dict) else {"v": leaf})
    return obj


def _keys(obj):
    if isinstance(obj, dict):
        return sorted((k, _keys(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return [_keys(v) for v in obj]
    return None


@settings(SETTINGS, max_examples=30)
@given(planted=pii_values, path=st.lists(json_keys, min_size=1, max_size=3, unique=True),
       others=st.dictionaries(json_keys.map(lambda k: "o_" + k), st.one_of(st.integers(-5, 5), st.booleans(),
                                                                            st.text(max_size=10)), max_size=3),
       prefix=st.sampled_from(["", "contact: ", "see "]), in_list=st.booleans())
def test_pii_in_json_tool_arguments_never_survives(cascade, planted, path, others, prefix, in_list):
    kind, value = planted
    args = _plant(dict(others), path, value, prefix)
    if in_list:
        args = {"items": [args, {"note": "unrelated"}]}
    result = json.dumps({"echo": args, "status": "ok"})
    msgs = [
        message("user", "please look this up"),
        message("assistant", "", tool_calls=[tool_call("call_1", "lookup", args)]),
        message("tool", result, name="lookup", tool_call_id="call_1"),
        message("assistant", "Done."),
    ]
    out = _redact(cascade, msgs)
    raw = out["messages"][0]
    assert value not in raw, (kind, value, raw)
    red = json.loads(raw)  # messages still valid JSON
    new_args = json.loads(red[1]["tool_calls"][0]["function"]["arguments"])  # arguments still valid JSON
    assert _keys(new_args) == _keys(json.loads(tool_call("c", "n", args)["function"]["arguments"]))  # keys kept
    assert red[1]["tool_calls"][0]["function"]["name"] == "lookup"
    new_result = json.loads(red[2]["content"])  # JSON tool result stays JSON, keys kept
    assert _keys(new_result) == _keys(json.loads(result))


def test_card_after_digit_group(cascade):
    value = "4000 0000 0001 2346"
    out = _redact(cascade, [message("user", f"ref 0000 {value} thanks")])
    assert value not in out["messages"][0]


def test_dotted_phone(cascade):
    out = _redact(cascade, [message("user", "call me at 415.555.0132 tomorrow")])
    assert "415.555.0132" not in out["messages"][0]
