"""Recall on the demo drop's planted PII (an eval independent of the benchmark file): every planted direct
identifier and secret must be gone from the redacted units, names/addresses at >= 0.98, per type and per location
(user / assistant / system / tool arguments / tool results), and known non-PII strings (the deployment's product
name, carriers, currencies, order ids, SKUs, durations) must survive.

The demo's deployment config declares its product name ``Acme`` on the allow-list (``PrivacyConfig.allow_list``),
as a real deployment would; everything else is the default config.
"""

from __future__ import annotations

import json

import pytest

from flywheel_assets.demo import generate_demo
from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import ingest_paths
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.demo_eval import DIRECT_PLANTED, QUASI_PLANTED, non_pii_kept, planted_recall
from flywheel_assets.privacy.redact import redact_units
from flywheel_assets.segment.units import segment_events

SESSIONS = 160


@pytest.fixture(scope="module")
def demo(tmp_path_factory, pii_key):
    root = tmp_path_factory.mktemp("demo")
    manifest = generate_demo(root / "drop", sessions=SESSIONS, manifest_path=root / "manifest.json")
    res = ingest_paths(root / "drop", IngestContext(key=pii_key))
    units = segment_events(res.events)
    sessions = json.loads((root / "manifest.json").read_text())["sessions"]
    return manifest, units, sessions


@pytest.fixture(scope="module")
def redacted(demo, pii_key):
    _, units, _ = demo
    return redact_units(units, PrivacyConfig(allow_list=["Acme"]), pii_key)


@pytest.fixture(scope="module")
def scores(demo, redacted):
    _, _, sessions = demo
    return planted_recall(redacted.units, sessions)


def test_demo_has_planted_pii_of_every_kind(demo, scores):
    # the eval is only meaningful if the drop really planted these kinds in these places
    assert scores["n_planted"] > 500
    for t in ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "JWT", "PERSON", "PERSON_FIRST_NAME",
              "STREET_ADDRESS", "ZIP_CODE", "CUSTOMER_ID", "URL_WITH_TOKEN", "CANARY"):
        assert scores["by_type"].get(t, {}).get("n", 0) >= 3, t
    for loc in ("user", "assistant", "tool_args", "tool_result"):
        assert scores["by_location"][loc]["n"] >= 20, loc


def test_every_direct_identifier_and_secret_removed(scores):
    for t in DIRECT_PLANTED:
        b = scores["by_type"].get(t)
        if b:
            assert b["removed"] == b["n"], (t, b, [s for s in scores["survivors"] if s["type"] == t][:5])
    assert scores["direct_recall"] == 1.0


def test_names_and_addresses_recall_floor(scores):
    for t in QUASI_PLANTED:
        b = scores["by_type"].get(t)
        assert b is not None and b["recall"] >= 0.98, (t, b)
    assert scores["quasi_recall"] >= 0.98


def test_recall_per_location(scores):
    for loc, b in scores["by_location"].items():
        assert b["recall"] >= 0.98, (loc, b)


def test_survivor_report_never_holds_raw_values(demo, scores):
    _, _, sessions = demo
    values = {p["value"] for s in sessions for p in s["pii"]}
    blob = json.dumps(scores)
    assert not any(v in blob for v in values if len(v) > 4)


def test_known_non_pii_strings_survive(demo, redacted):
    _, units, _ = demo
    kept = non_pii_kept(units, redacted.units)
    assert kept["Acme"]["raw"] > 100
    for term, k in kept.items():
        if k["raw"] >= 3:
            assert k["kept_share"] >= 0.95, (term, k)


def test_product_name_needs_the_allow_list(demo, pii_key):
    """Without the deployment's allow-list entry the small NER model takes 'Acme' for a person/org: the config path
    is what keeps it (documented in docs/privacy.md)."""
    _, units, _ = demo
    sub = units.head(40)
    with_allow = redact_units(sub, PrivacyConfig(allow_list=["Acme"]), pii_key).units
    without = redact_units(sub, PrivacyConfig(), pii_key).units
    assert non_pii_kept(sub, with_allow, ["Acme"])["Acme"]["kept_share"] == 1.0
    assert non_pii_kept(sub, without, ["Acme"])["Acme"]["kept_share"] < 1.0


def test_redacted_tool_results_keep_their_json_formatting(demo, redacted):
    _, units, _ = demo
    n_compact = 0
    for raw, red in zip(units["messages"].to_list(), redacted.units["messages"].to_list()):
        for a, b in zip(json.loads(raw), json.loads(red)):
            c = a["content"]
            if a["role"] == "tool" and c.startswith("{") and '":"' in c and '": "' not in c:
                assert '": "' not in b["content"] and '", "' not in b["content"], b["content"][:80]
                json.loads(b["content"])
                n_compact += 1
    assert n_compact > 20
