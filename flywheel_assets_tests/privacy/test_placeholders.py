"""The placeholder grammar (privacy/placeholders.py): only what the redactor emits is a placeholder."""

from __future__ import annotations

import re

import pytest

from flywheel_assets.privacy import placeholders as ph


@pytest.mark.parametrize("text", ["<PERSON_1>", "<EMAIL_12>", "<ORG_3>", "<DATE_2>", "<ADDRESS_1>", "<SECRET_4>",
                                  "<EMAIL_ADDRESS_2>", "<DATE_TIME_3>", "<USER_ID_1>", "<DRIVER_LICENSE_1>"])
def test_placeholders(text):
    assert ph.PLACEHOLDER_RE.fullmatch(text) and not ph.has_malformed(text)


@pytest.mark.parametrize("text", ["<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]", "<SYS>", "<QUERY>",
                                  "<|im_start|>system<|im_end|>", "<think>x</think>", "<div><B>x</B></div>", "<BR>",
                                  "<PERSON>", "<PHONE_NUMBER>", "<DATE_TIME>", "<TITLE>Home</TITLE>", "<HOSTNAME_1>",
                                  "<MY_VAR_2>", "a < B_1 > c"])
def test_text_is_not_a_placeholder(text):
    assert ph.find_placeholders(text) == [] and not ph.has_malformed(text)


@pytest.mark.parametrize("text", ["<PERSON_>", "<PERSON_0>", "<EMAIL_07>", "cut <PERSON_1", "<PERSON_<ORG_1>>",
                                  "<DATE_TIME_ >"])
def test_malformed(text):
    assert ph.has_malformed(text)
    assert re.search(ph.MALFORMED_PLACEHOLDER, text)  # the string form (Great Expectations) agrees


def test_every_type_the_pseudonymizer_writes_is_a_placeholder():
    from flywheel_assets.privacy.pseudonymize import SessionPseudonymizer

    p = SessionPseudonymizer(b"k" * 32)
    for t in ph.ENTITY_TYPES:
        out = p.replace("value of " + t, t)
        assert ph.PLACEHOLDER_RE.fullmatch(out), (t, out)
        assert ph.generic(out) == f"<{ph.label(t).lower()}>"


def test_grammar_covers_the_detectors_types():
    """Built from the redactor's own entity types: every type a detector or label map can emit is listed."""
    from flywheel_assets.privacy.detectors.gliner_ner import LABEL_TO_TYPE
    from flywheel_assets.privacy.detectors.presidio_ner import LABEL_MAP
    from flywheel_assets.privacy.detectors.addresses import ADDRESS_RULES
    from flywheel_assets.privacy.detectors.rules import PII_RULES
    from flywheel_assets.privacy.detectors.secrets import SECRET_RULES
    from flywheel_assets.privacy.detectors import identifiers
    from flywheel_assets.privacy.detectors.model_backends import HF_LABEL_TO_TYPE
    from flywheel_assets.privacy.config import DIRECT_IDENTIFIERS, PrivacyConfig

    id_rules = [r for name in dir(identifiers) if name.endswith("_RULES") for r in getattr(identifiers, name)]
    assert id_rules
    emitted = {r.entity_type for r in [*PII_RULES, *SECRET_RULES, *ADDRESS_RULES, *id_rules]}
    emitted |= set(LABEL_MAP.values()) | set(HF_LABEL_TO_TYPE.values())
    emitted |= set(LABEL_TO_TYPE.values()) | set(DIRECT_IDENTIFIERS) | set(PrivacyConfig().residual_types)
    assert emitted - set(ph.ENTITY_TYPES) == set()


def test_dictionary_types_extend_the_grammar():
    pat = ph.placeholder_pattern(["HOSTNAME"])
    assert pat.fullmatch("<HOSTNAME_1>") and not ph.PLACEHOLDER_RE.fullmatch("<HOSTNAME_1>")
    assert ph.malformed_pattern(["HOSTNAME"]).search("<HOSTNAME_>")
