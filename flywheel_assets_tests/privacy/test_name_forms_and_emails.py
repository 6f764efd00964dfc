"""Directory-form names (``Surname, Given I.``), e-mail forms of real mail exports, and acronyms: a model's acronym
organisation is kept unless it is an everyday acronym of logs / tech text."""

from __future__ import annotations

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors.base import Span
from flywheel_assets.privacy.detectors.name_forms import join_inverted_names
from flywheel_assets.privacy.detectors.ner_plausibility import common_acronyms
from flywheel_assets.privacy.detectors.rules import detect_rules


def test_surname_comma_given_becomes_one_person():
    text = "To: Okafor, Chidi N.\nCc: Brandt, Helga"
    a, b = text.index("Okafor"), text.index("Chidi")
    c, d = text.index("Brandt"), text.index("Helga")
    spans = [Span(a, a + 6, "PERSON"), Span(b, b + 5, "PERSON"), Span(c, c + 6, "PERSON"), Span(d, d + 5, "PERSON")]
    out = [text[s.start:s.end] for s in join_inverted_names(text, spans)]
    assert out == ["Okafor, Chidi N.", "Brandt, Helga"]


def test_a_list_of_given_names_in_prose_stays_apart():
    text = "I met Anna, Maria and Tom."
    spans = [Span(text.index(w), text.index(w) + len(w), "PERSON") for w in ("Anna", "Maria", "Tom")]
    assert join_inverted_names(text, spans) == spans  # "Anna, Maria" is not followed by the end of an entry


def test_email_forms_of_mail_exports():
    def emails(t):
        return [t[s.start:s.end] for s in detect_rules(t) if s.entity_type == "EMAIL_ADDRESS"]

    assert emails("To: sean.o'neill@example.ie, x") == ["sean.o'neill@example.ie"]
    assert emails("From: ana.lima@example.com@MAILHUB\nSent: Monday") == ["ana.lima@example.com@MAILHUB"]
    assert emails("'kofi@example.org'") == ["kofi@example.org"]
    assert emails("icon user@host.com@2x.png") == ["user@host.com"]


def test_acronyms_model_first():
    assert {"API", "HTTP", "ATM", "SSN", "JSON"} <= common_acronyms()
    casc = Cascade(PrivacyConfig())
    for text in ("The API returned HTTP 500 again.", "Withdraw cash at the ATM on Main Street."):
        assert not [s for s in casc.scan(text) if s.entity_type in ("ORGANIZATION", "PERSON")
                    and text[s.start:s.end] in ("API", "HTTP", "ATM")], text
