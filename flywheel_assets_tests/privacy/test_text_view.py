"""Hidden characters (text_view.py): zero-width spaces, soft hyphens, a BOM or bidi controls inside an identifier
(pasted from a web page or a PDF, or put there to dodge a filter) and full-width forms must not hide it. The cascade
reads a view without them and redacts the original text, hidden characters included; pseudonyms do not depend on
them."""

from __future__ import annotations

import random

import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.pseudonymize import SessionPseudonymizer
from flywheel_assets.privacy.redact import redact_text
from flywheel_assets.privacy.text_view import INVISIBLE, plain, reading_view

ZWSP, SHY, BOM, ZWJ, RLO = "\u200b", "\u00ad", "\ufeff", "\u200d", "\u202e"


@pytest.fixture(scope="module")
def cascade() -> Cascade:
    return Cascade(PrivacyConfig())


def test_view_drops_hidden_characters_and_maps_offsets_back():
    rng = random.Random(3)
    base = "Write to maria.oliveira@example.org or call +44 20 7946 0958, card 4024 0071 7736 2919."
    for _ in range(50):
        chars = []
        for c in base:
            if rng.random() < 0.15:
                chars.append(rng.choice(INVISIBLE))
            chars.append(c)
        text = "".join(chars)
        view, index, ends = reading_view(text)
        assert view == base
        assert all(text[index[k]] == view[k] and ends[k] == index[k] + 1 for k in range(len(view)))
    assert reading_view(base) is None  # nothing hidden: no copy


def test_full_width_forms_read_as_ascii():
    text = "mail ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ now"
    view, index, _ = reading_view(text)
    assert view == "mail john@example.com now" and len(index) == len(text)
    assert plain("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "john@example.com"


@pytest.mark.parametrize("text, value, entity_type", [
    (f"Email me at jo{ZWSP}hn.smith@example.com please", f"jo{ZWSP}hn.smith@example.com", "EMAIL_ADDRESS"),
    (f"Call +1 415{ZWSP}555 0132 today", f"+1 415{ZWSP}555 0132", "PHONE_NUMBER"),
    (f"card 4111{SHY}1111{SHY}1111{SHY}1111 was declined", f"4111{SHY}1111{SHY}1111{SHY}1111", "CREDIT_CARD"),
    (f"SSN 078-05-{ZWJ}1120 on file", f"078-05-{ZWJ}1120", "US_SSN"),
    (f"key sk-proj-{BOM}Zx81kLmN0pQrStUvWxYz1234567890abcdEF", f"sk-proj-{BOM}Zx81kLmN0pQrStUvWxYz1234567890abcdEF",
     "SECRET"),
    ("mail ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "EMAIL_ADDRESS"),
])
def test_hidden_characters_do_not_hide_identifiers(cascade, text, value, entity_type):
    got = [(text[s.start:s.end], s.entity_type) for s in cascade.scan(text)]
    assert (value, entity_type) in got
    off = Cascade(PrivacyConfig(read_invisible=False))
    assert (value, entity_type) not in [(text[s.start:s.end], s.entity_type) for s in off.scan(text)]


def test_redaction_removes_the_whole_value_and_pseudonyms_ignore_hidden_characters(pii_key):
    state = SessionPseudonymizer(pii_key)
    plain_text = redact_text("Reach me at maria.oliveira@example.org", state)
    hidden = redact_text(f"or at ma{ZWSP}ria.oli{SHY}veira@exam{RLO}ple.org", state)
    assert "maria" not in hidden and "veira" not in hidden and "ple.org" not in hidden and ZWSP not in hidden
    # the same address with or without hidden characters is one entity of the session
    assert plain_text.split()[-1] == hidden.split()[-1] == "<EMAIL_1>"


def test_logged_string_literals_are_read_decoded(cascade):
    # a JSON body logged as text: escaped newlines glue the next word to an "n" ("\\nMaria"), \\u escapes break
    # accented names; both are read decoded and the spans cover the escapes in the original text
    text = r'{"note": "Customer details:\nMaria Oliveira\nPhone: +44 20 7946 0958\nThanks, Jos\u00e9 Ram\u00edrez"}'
    view = reading_view(text)
    assert "\nMaria Oliveira\n" in view[0] and "José Ramírez" in view[0]
    got = [text[s.start:s.end] for s in cascade.scan(text)]
    assert "Maria Oliveira" in got and r"Jos\u00e9 Ram\u00edrez" in got
    assert view.span(view[0].index("José"), view[0].index("José") + 4) == (text.index("Jos"), text.index("Ram") - 1)
    off = Cascade(PrivacyConfig(unescape_literals=False))
    assert "Maria Oliveira" not in [text[s.start:s.end] for s in off.scan(text)]
    # an escaped zero-width space is dropped like a real one
    assert reading_view(r"mail jo\u200bhn@example.com")[0] == "mail john@example.com"


@pytest.mark.parametrize("text", [r"C:\Users\nathan\new folder", r"grep -E '\d+\n' file", "no escapes at all"])
def test_paths_and_regexes_are_not_decoded(text):
    # a backslash that starts no string escape (\U, \d) means this is no string literal: nothing is decoded
    view = reading_view(text, invisible=False)
    assert view is None or "\n" not in view[0]


def test_scans_are_deterministic(cascade):
    text = f"Ana Li{ZWSP}ma, ana{BOM}.lima@example.com, +351 21 123{SHY}4567"
    first = cascade.scan(text)
    assert first and Cascade(PrivacyConfig()).scan(text) == first
