"""redact_units: every field redacted, JSON stays valid with keys kept, consistent placeholders across turns, tool
arguments and tool results, first-name back-reference, determinism under a key, surrogates."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.pseudonymize import SessionPseudonymizer, consistency_violations
from flywheel_assets.privacy.redact import key_entity_type, redact_text, redact_units

from ._helpers import all_text, support_session

RAW_VALUES = ["Tamara", "Okonkwo", "mailbox.example", "7946", "4024", "CUST-77812", "Larchmont", "LS6 2AB",
              "Marcus", "Delacroix", "marcus.dw", "sk-proj-Zx81"]


@pytest.fixture(scope="module")
def cascade():
    return Cascade(PrivacyConfig())


@pytest.fixture(scope="module")
def result(cascade, pii_key):
    return redact_units(support_session(), PrivacyConfig(), pii_key, cascade=cascade)


def _msgs(res, i):
    return json.loads(res.units["messages"][i])


def test_no_raw_value_survives_anywhere(result):
    text = all_text(result.units)
    for v in RAW_VALUES:
        assert v.lower() not in text.lower(), v
    # the non-PII operational facts stay
    assert "ORD-99120" in text and "SKU-4411-B" in text and "lookup_customer" in text


def test_columns_and_counts(result):
    u = result.units
    assert u.schema["n_pii"] == pl.Int64 and u.schema["pii_types"] == pl.Utf8
    assert u.columns[: len(support_session().columns)] == support_session().columns
    types = json.loads(u["pii_types"][0])
    assert types["EMAIL_ADDRESS"] >= 3 and types["PERSON"] >= 3 and u["n_pii"][0] == sum(types.values())
    assert result.summary["n_entities"] == int(u["n_pii"].sum())
    assert result.summary["consistency_violations"] == 0


def test_json_stays_valid_keys_kept(result):
    m = _msgs(result, 0)
    args = json.loads(m[2]["tool_calls"][0]["function"]["arguments"])
    assert sorted(args) == ["customer_id", "email", "note"]
    tool = json.loads(m[3]["content"])
    assert sorted(tool["customer"]) == ["address", "email", "first_name", "last_name", "phone"]
    assert tool["orders"] == [{"order_id": "ORD-99120", "sku": "SKU-4411-B", "qty": 2}]
    assert re.fullmatch(r"<[A-Z_]+_\d+>", tool["customer"]["address"])
    json.loads(result.units["tools"][0])


def test_same_entity_same_placeholder_across_turns_args_results(result):
    m0, m1 = _msgs(result, 0), _msgs(result, 1)
    user = m0[1]["content"]
    email_ph = re.search(r"email is (<EMAIL_\d+>)", user).group(1)
    person_ph = re.search(r"I'm (<PERSON_\d+>)", user).group(1)
    assert email_ph == "<EMAIL_1>" and person_ph == "<PERSON_1>"
    args0 = json.loads(m0[2]["tool_calls"][0]["function"]["arguments"])
    assert args0["email"] == email_ph  # case-insensitive email normalisation
    assert args0["note"].startswith(f"Caller {person_ph} ")
    tool = json.loads(m0[3]["content"])
    assert tool["customer"]["email"] == email_ph
    phone_ph = re.search(r"phone is (<PHONE_\d+>)", user).group(1)
    assert tool["customer"]["phone"] == phone_ph
    card = re.search(r"Card (<CREDIT_CARD_\d+>)", user).group(1)
    assert args0["note"].endswith(card)  # spaced and unspaced card number -> same card
    # second unit of the same session continues the numbering and reuses identities
    args1 = json.loads(m1[1]["tool_calls"][0]["function"]["arguments"])
    assert args1["requested_by"] == email_ph
    assert args1["user_email"] == "<EMAIL_2>"
    assert args1["api_key"].startswith("<SECRET_")
    assert m1[2]["content"] == "ERROR: permission denied for <EMAIL_2>"


def test_first_name_back_reference(result):
    m0, m1 = _msgs(result, 0), _msgs(result, 1)
    assert m0[4]["content"].startswith("Thanks <PERSON_1>,")
    assert result.units["edited_response"][0].startswith("Thanks <PERSON_1>,")
    tool = json.loads(m0[3]["content"])
    assert tool["customer"]["first_name"] == "<PERSON_1>"
    assert m1[3]["content"].startswith("<PERSON_1>, I could not grant <PERSON_2>")


def test_deterministic_same_key_and_key_dependent_identity(cascade, pii_key):
    a = redact_units(support_session(), PrivacyConfig(), pii_key, cascade=cascade)
    b = redact_units(support_session(), PrivacyConfig(), pii_key, cascade=cascade)
    assert a.units.equals(b.units) and a.audit.equals(b.audit) and a.review_sample.equals(b.review_sample)
    s1, s2 = SessionPseudonymizer(pii_key), SessionPseudonymizer(b"another-key")
    assert s1.identity("Tamara Okonkwo", "PERSON") == SessionPseudonymizer(pii_key).identity("tamara  OKONKWO",
                                                                                             "PERSON")
    assert s1.identity("Tamara Okonkwo", "PERSON") != s2.identity("Tamara Okonkwo", "PERSON")
    cfg = PrivacyConfig(mode="surrogate")
    x = redact_units(support_session(), cfg, pii_key, cascade=cascade).units
    y = redact_units(support_session(), cfg, pii_key, cascade=cascade).units
    z = redact_units(support_session(), cfg, b"another-key", cascade=cascade).units
    assert x.equals(y) and not x.equals(z)


def test_surrogates_are_format_preserving(cascade, pii_key):
    from flywheel_assets.privacy.detectors.rules import luhn_ok

    res = redact_units(support_session(), PrivacyConfig(mode="surrogate"), pii_key, cascade=cascade)
    text = all_text(res.units)
    for v in RAW_VALUES:
        assert v.lower() not in text.lower(), v
    user = _msgs(res, 0)[1]["content"]
    card = re.search(r"Card ([\d ]{19})", user).group(1)
    assert luhn_ok(card) and card != "4024 0071 7736 2919"
    email = re.search(r"email is (\S+) and", user).group(1)
    assert re.fullmatch(r"[\w.+-]+@[\w-]+\.[a-z]+", email)
    args = json.loads(_msgs(res, 0)[2]["tool_calls"][0]["function"]["arguments"])
    assert args["email"] == email


def test_audit_and_review_sample_hold_no_raw_values(result):
    audit = result.audit
    assert set(audit.columns) == {"event_date", "entity_type", "field", "count"}
    fields = set(audit["field"].to_list())
    assert {"content:user", "tool_arguments", "tool_result", "edited_response"} <= fields
    assert audit["count"].sum() == result.summary["n_entities"]
    sample = " ".join(result.review_sample["placeholder_context"].to_list())
    assert "<" in sample
    for v in RAW_VALUES:
        assert v.lower() not in sample.lower()


def test_consistency_violations_detects_gaps():
    bad = pl.DataFrame({"session_id": ["s"], "unit_id": ["u"], "messages": ['[{"content":"<PERSON_2> met <PERSON_1>"}]'],
                        "edited_response": [None]})
    assert len(consistency_violations(bad)) == 1
    ok = bad.with_columns(pl.lit('[{"content":"<PERSON_1> met <PERSON_2> and <PERSON_1>"}]').alias("messages"))
    assert consistency_violations(ok) == []


def test_bad_messages_json_is_redacted_not_dropped(cascade, pii_key):
    u = support_session().head(1).with_columns(pl.lit("not json: call me at +44 20 7946 0958").alias("messages"))
    res = redact_units(u, PrivacyConfig(), pii_key, cascade=cascade)
    assert res.units.height == 1 and res.summary["invalid_messages_json"] == 1
    assert "7946" not in res.units["messages"][0]
    json.loads(res.units["messages"][0])


def test_key_entity_types():
    assert key_entity_type("customerEmail") == "EMAIL_ADDRESS"
    assert key_entity_type("user_id") == "USER_ID"
    assert key_entity_type("max_tokens") is None and key_entity_type("token_count") is None
    assert key_entity_type("api_key") == "SECRET" and key_entity_type("first_name") == "PERSON"
    assert key_entity_type("sku") is None and key_entity_type("order_id") is None


def test_redact_text_keeps_numbering_with_state(pii_key):
    st = SessionPseudonymizer(pii_key)
    a = redact_text("Mail jane.roe@example.org or bob.li@example.org", st)
    b = redact_text("Again: JANE.ROE@example.org", st)
    assert a == "Mail <EMAIL_1> or <EMAIL_2>" and b == "Again: <EMAIL_1>"


def test_empty_frame(pii_key):
    empty = support_session().head(0)
    res = redact_units(empty, PrivacyConfig(), pii_key)
    assert res.units.height == 0 and "n_pii" in res.units.columns and res.summary["n_entities"] == 0
