"""The residual scan (the blocking second detector over redacted output): raw PII that leaked is still counted, and
a stock-model name guess on an everyday word is not (it is judged by the redactor's own model-entity rules).
Names and addresses below are invented for these tests."""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors.dictionary import cached_allow_list
from flywheel_assets.privacy.residual import residual_hits, residual_scan

LEAKED = ("Hi <PERSON_1>, thanks for waiting. I have forwarded your refund request to Margaret Holloway in billing; "
          "she will write to you from margaret.holloway@fabrikam-mail.com within two days.")


def test_leaked_name_and_email_are_counted():
    cfg = PrivacyConfig()
    assert cfg.residual_name_rules
    res = residual_scan([LEAKED, "Your order <ORDER_ID_1> ships on Monday."], cfg)
    assert res["hits_by_type"].get("PERSON", 0) >= 1 and res["hits_by_type"].get("EMAIL_ADDRESS", 0) == 1
    assert res["residual_rate"] > cfg.residual_threshold
    # the same text with both values redacted: nothing left to count
    clean = LEAKED.replace("Margaret Holloway", "<PERSON_2>").replace("margaret.holloway@fabrikam-mail.com",
                                                                       "<EMAIL_ADDRESS_1>")
    assert residual_scan([clean], cfg)["hits_by_type"] == {}


class _Fixed:
    """An analyzer that returns fixed guesses (what the stock model said), to test how they are judged."""

    def __init__(self, results):
        self.results = results

    def analyze(self, text, language, entities):
        return [r for r in self.results if r.entity_type in entities]


def _guess(text: str, value: str, et: str = "PERSON") -> RecognizerResult:
    a = text.index(value)
    return RecognizerResult(et, a, a + len(value), 0.85)


def test_everyday_words_are_no_residual_names_but_names_are():
    text = "Steps:\n1. Stir the sauce until it thickens.\n2. Ask Margaret Holloway to taste it."
    guesses = [_guess(text, "Stir"), _guess(text, "Margaret Holloway"), _guess(text, "sauce")]
    allow = cached_allow_list((), True)
    on = residual_hits(text, _Fixed(guesses), allow, PrivacyConfig())
    assert [text[s.start:s.end] for s in on] == ["Margaret Holloway"]
    # without the name rules the stock guesses on everyday words count as suspected PII (the old behaviour)
    off = residual_hits(text, _Fixed(guesses), allow, PrivacyConfig(residual_name_rules=False))
    assert {text[s.start:s.end] for s in off} >= {"Stir", "Margaret Holloway"}


def test_rule_hits_and_placeholders_unchanged_by_name_rules():
    text = "Card 4539 1488 0343 6467 was charged for <PERSON_1>."
    guesses = [_guess(text, "4539 1488 0343 6467", "CREDIT_CARD"), _guess(text, "<PERSON_1>")]
    allow = cached_allow_list((), True)
    for flag in (True, False):
        hits = residual_hits(text, _Fixed(guesses), allow, PrivacyConfig(residual_name_rules=flag))
        assert [(h.entity_type, text[h.start:h.end]) for h in hits] == [("CREDIT_CARD", "4539 1488 0343 6467")]
