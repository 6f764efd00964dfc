"""Generic identifier rules (detectors/identifiers.py): values written here from the public definition of each
format, not from any benchmark file; each rule also has look-alikes it must leave alone."""

from __future__ import annotations

import pytest

from flywheel_assets.privacy.cascade import Cascade, resolve_overlaps
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors import identifiers as ids
from flywheel_assets.privacy.detectors.rules import detect_rules


def found(text: str, entity_type: str | None = None) -> list[str]:
    spans = resolve_overlaps(detect_rules(text))
    return [text[s.start:s.end] for s in spans if entity_type is None or s.entity_type == entity_type]


CAUGHT = [
    ("my username on the forum is nightowl_52 if that helps", "USER_ID", "nightowl_52"),
    ("ping @maren.holt about the invoice", "USER_ID", "@maren.holt"),
    ("2025-01-04T10:00:00Z WARN session expired user=pkarlsson7", "USER_ID", "pkarlsson7"),
    ('denied: username "r.obuya" not in group', "USER_ID", "r.obuya"),
    ("I'm lukas-brenner on github, the repo is private", "USER_ID", "lukas-brenner"),
    ("my twitter is @noor_bakes", "USER_ID", "@noor_bakes"),
    ("my customer id is QZ-5531907, charged twice", "ACCOUNT_ID", "QZ-5531907"),
    ("policy number TR-4471-220913 needs a new address", "ACCOUNT_ID", "TR-4471-220913"),
    ("member ID K902133745 for the dental plan", "ACCOUNT_ID", "K902133745"),
    ("client_id=cl_9f3k22x plan=basic", "ACCOUNT_ID", "cl_9f3k22x"),
    ("routing number 011000015 please", "BANK_ACCOUNT", "011000015"),
    ("acct no. 2209 3381 7710 checking", "BANK_ACCOUNT", "2209 3381 7710"),
    ("National Insurance number AB 48 21 93 D on my payslip", "NATIONAL_ID", "AB 48 21 93 D"),
    ("for the KYC form: AFKPT7302M", "NATIONAL_ID", "AFKPT7302M"),
    ("my aadhaar is 2345 6789 0124", "NATIONAL_ID", "2345 6789 0124"),
    ("Steuer-ID 47 036 892 816 for the refund", "NATIONAL_ID", "47 036 892 816"),
    ("VIN JH4KA7561PC008269 – recall?", "VEHICLE_ID", "JH4KA7561PC008269"),
    ("the car with licence plate MH12 DE 1433 blocked the gate", "VEHICLE_ID", "MH12 DE 1433"),
    ("my instagram is instagram.com/noor.bakes", "URL", "instagram.com/noor.bakes"),
    ("I have an appointment on October 14th at 3", "DATE_TIME", "October 14th"),
    ("she was admitted 2022-08-19 with chest pain", "DATE_TIME", "2022-08-19"),
]


@pytest.mark.parametrize("text,etype,value", CAUGHT)
def test_identifier_is_caught(text, etype, value):
    assert value in found(text, etype), (found(text), value)


LEFT_ALONE = [
    "the user is logged in",                      # no handle-like value after the label
    "User: hello there, can you help?",           # a transcript's role label
    "please handle errors gracefully",
    "@dataclass\nclass Point: pass",              # a decorator opening a line
    "write to maren.holt@example.org",             # an e-mail's domain is no @handle
    "order ORD-99120 shipped",                    # an order number is no account id
    "version 2.3.1 released",
    "2025-01-04 10:00:00 INFO job done",          # a log timestamp has no event word
    "the sku is AB48219 3D",
    "JH4KA7561PC008260 is a random code",         # a VIN-shaped string with a wrong check digit
    "routing number 123456789",                   # fails the ABA checksum
    "The controller can handle non-linear input",  # "handle" the verb
    "- 24th July: the first moon landing",        # a public date in a history list: no person in the sentence
    "the release on March 3 is planned",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_look_alikes_are_left_alone(text):
    new = [s for s in detect_rules(text) if s.source in {r.name for r in ids.IDENTIFIER_RULES}]
    assert new == [], [(text[s.start:s.end], s.source) for s in new]


def test_checksums():
    assert ids.aba_ok("011000015") and not ids.aba_ok("011000016")
    assert ids.vin_check_ok("JH4KA7561PC008269") and not ids.vin_check_ok("JH4KA7561PC008260")
    assert ids.verhoeff_ok("234567890124") and not ids.verhoeff_ok("234567890125")
    assert ids.nino_ok("AB482193D") and not ids.nino_ok("GB482193D") and not ids.nino_ok("DA482193D")


def test_detect_matches_the_rules_detector_and_the_cascade_masks_them():
    text = "my customer id is QZ-5531907 and my NI number is AB 48 21 93 D"
    assert {(s.start, s.end) for s in ids.detect(text)} <= {(s.start, s.end) for s in detect_rules(text)}
    masked = [text[s.start:s.end] for s in Cascade(PrivacyConfig()).scan(text)]
    assert "QZ-5531907" in masked and "AB 48 21 93 D" in masked
