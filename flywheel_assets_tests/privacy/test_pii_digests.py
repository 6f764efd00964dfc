"""Keyed cross-session digests of redacted values (``pii_digests``, clean zone only): equal across sessions for the
same value under one key, different under another key, never the value itself."""

from __future__ import annotations

import json

import polars as pl
import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.pseudonymize import DIGEST_HEX, SessionPseudonymizer
from flywheel_assets.privacy.redact import redact_units

from ._helpers import support_session
from .test_redact import RAW_VALUES


@pytest.fixture(scope="module")
def cascade():
    return Cascade(PrivacyConfig())


def _digests(units: pl.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in units.iter_rows(named=True):
        out.setdefault(r["session_id"], set()).update(json.loads(r["pii_digests"]))
    return out


def test_digests_shared_across_sessions_and_keyed(cascade, pii_key):
    two = pl.concat([support_session("s1"), support_session("s2")])
    res = redact_units(two, PrivacyConfig(), pii_key, cascade=cascade)
    assert res.units.schema["pii_digests"] == pl.Utf8
    d = _digests(res.units)
    assert d["s1"] and d["s1"] == d["s2"]  # same people / e-mails / card in both sessions
    # at least one digest per distinct replaced entity of the first unit (placeholders are per-session numbered)
    first = json.loads(res.units.filter(pl.col("session_id") == "s1")["pii_digests"][0])
    assert first == sorted(first) and all(len(x) == DIGEST_HEX for x in first)
    assert len(first) >= 4
    other = _digests(redact_units(support_session("s1"), PrivacyConfig(), b"another-key", cascade=cascade).units)
    assert not (other["s1"] & d["s1"])
    # never the value: no raw value (or its lower-case form) inside a digest
    blob = "".join(res.units["pii_digests"].to_list()).lower()
    assert not any(v.lower() in blob for v in RAW_VALUES)


def test_pseudonymizer_digest_tracks_normalised_identity(pii_key):
    a, b = SessionPseudonymizer(pii_key), SessionPseudonymizer(pii_key)
    a.replace("Tamara.Okonkwo@Mailbox.example", "EMAIL_ADDRESS")
    b.replace("other@x.example", "EMAIL_ADDRESS")
    b.replace("tamara.okonkwo@mailbox.example", "EMAIL_ADDRESS")
    assert a.last_digest == b.last_digest  # <EMAIL_ADDRESS_1> in one session, <EMAIL_ADDRESS_2> in the other
    b.replace("other@x.example", "EMAIL_ADDRESS")
    assert b.last_digest != a.last_digest
