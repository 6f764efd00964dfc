"""Contact blocks (detectors/contact_blocks.py): in a mailing label, e-mail signature or CRM export, the lines
between a person's name and a postal address (job title, department, employer) identify the person too and are
masked; a letterhead line straight above an address at the top of a text is the sender's firm. Prose, sign-offs,
labels, markdown headings and numbered lines are never taken, and real chat / agent logs gain no such spans.

The blocks below are written for these tests in common signature / label layouts (plain, ``> `` quoted e-mail,
bullet-separated, blank-line letterhead); none comes from a benchmark file."""

from __future__ import annotations

import json

import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors.base import Span
from flywheel_assets.privacy.detectors.contact_blocks import contact_block_spans
from flywheel_assets_tests.privacy._helpers import oasst_texts


def spans_for(text: str, **values: str) -> list[Span]:
    """Spans of the given values (keyword = entity type, e.g. PERSON="Jane Doe"), as other detectors would give."""
    out = []
    for et, v in values.items():
        et = et.rstrip("_0123456789")
        a = text.index(v)
        out.append(Span(a, a + len(v), et, 0.8, "test"))
    return sorted(out)


def found(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start:s.end]) for s in contact_block_spans(text, spans)]


def test_signature_title_and_employer_lines():
    text = "Jane Doe\nSenior Claims Adjuster\nNorthwind Mutual\n12 Harbour Road\nLeith EH6 6LX"
    spans = spans_for(text, PERSON="Jane Doe", STREET_ADDRESS="12 Harbour Road\nLeith EH6 6LX")
    assert found(text, spans) == [("TITLE", "Senior Claims Adjuster"), ("ORGANIZATION", "Northwind Mutual")]


def test_quoted_and_bulleted_blocks_and_lower_case():
    quoted = "> Ingrid Solberg\n> Fjellvegen Bakeri\n> Storgata 14\n> 0184 Oslo"
    spans = spans_for(quoted, PERSON="Ingrid Solberg", STREET_ADDRESS="Storgata 14\n> 0184 Oslo")
    assert found(quoted, spans) == [("ORGANIZATION", "Fjellvegen Bakeri")]
    bullets = "• tomás ruiz\n• ferretería ruiz hermanos\n• calle mayor 8\n• 28013 madrid"
    spans = spans_for(bullets, PERSON="tomás ruiz", STREET_ADDRESS="calle mayor 8\n• 28013 madrid")
    assert found(bullets, spans) == [("ORGANIZATION", "ferretería ruiz hermanos")]


def test_employer_between_two_people_above_the_address():
    text = ">Ruth Oyelaran\n>Tidewater Freight\n>Kofi Mensah\n>8 Marina Road\n>Lagos"
    spans = spans_for(text, PERSON="Ruth Oyelaran", PERSON_2="Kofi Mensah", STREET_ADDRESS="8 Marina Road\n>Lagos")
    assert found(text, spans) == [("ORGANIZATION", "Tidewater Freight")]


def test_letterhead_line_above_an_address_at_the_top():
    text = "Harbourside Dental Care\n\n4 Quay Street\nGalway H91 X2F4"
    spans = spans_for(text, STREET_ADDRESS="4 Quay Street\nGalway H91 X2F4")
    assert found(text, spans) == [("ORGANIZATION", "Harbourside Dental Care")]


@pytest.mark.parametrize("text, person, address", [
    # prose, a sign-off, a label, a markdown heading, a numbered line: none is a title or an employer
    ("Jane Doe\nI moved last week.\n12 Harbour Road\nLeith", "Jane Doe", "12 Harbour Road\nLeith"),
    ("Best regards,\nJane Doe\n12 Harbour Road\nLeith", "Jane Doe", "12 Harbour Road\nLeith"),
    ("Jane Doe\nShip to:\n12 Harbour Road\nLeith", "Jane Doe", "12 Harbour Road\nLeith"),
    ("Jane Doe\n**Delivery details**\n12 Harbour Road\nLeith", "Jane Doe", "12 Harbour Road\nLeith"),
    ("Jane Doe\nOrder 4471 Blue Mug\n12 Harbour Road\nLeith", "Jane Doe", "12 Harbour Road\nLeith"),
])
def test_prose_labels_and_markup_are_not_taken(text, person, address):
    assert found(text, spans_for(text, PERSON=person, STREET_ADDRESS=address)) == []


def test_no_person_no_letterhead():
    # lines above an address with no name line: only a Title Case line at the top of the text counts
    text = "Please find the office here\n\n12 Harbour Road\nLeith"
    assert found(text, spans_for(text, STREET_ADDRESS="12 Harbour Road\nLeith")) == []
    text = "See you soon!\nOur new studio\n12 Harbour Road\nLeith"
    assert found(text, spans_for(text, STREET_ADDRESS="12 Harbour Road\nLeith")) == []
    # an address inside a sentence is no block
    text = "Jane Doe\nNorthwind Mutual\nwe are at 12 Harbour Road"
    assert found(text, spans_for(text, PERSON="Jane Doe", STREET_ADDRESS="12 Harbour Road")) == []


def test_cascade_masks_a_signature_block_and_keeps_lines_apart():
    c = Cascade(PrivacyConfig())
    text = ("Thanks for the quick reply!\n\nMarisol Quintanilla\nRegional Logistics Coordinator\nBrightwater Supply Co\n"
            "220 Kensington Avenue\nSpringfield, IL 62704")
    got = {text[s.start:s.end]: s.entity_type for s in c.scan(text)}
    assert "Marisol Quintanilla" in got and got["Marisol Quintanilla"] == "PERSON"  # the name stays on its line
    assert any("Brightwater Supply Co" in v for v in got)
    assert any("Regional Logistics Coordinator" in v for v in got)
    assert "Thanks for the quick reply!" not in "".join(got)
    off = Cascade(PrivacyConfig(contact_blocks=False))
    assert not any(s.source == "contact_block" for s in off.scan(text))


def test_real_chat_and_agent_logs_gain_no_contact_blocks(realdata):
    # OASST chat and tau-bench agent transcripts (addresses, lists, markdown): the rule must stay silent there
    texts = [t for t in oasst_texts(realdata) if "\n" in t]
    for p in sorted((realdata / "tau_bench_demos").glob("*.jsonl")):
        texts.extend(json.loads(line)["messages_display"] for line in p.read_text(encoding="utf-8").splitlines())
    spans = Cascade(PrivacyConfig()).scan_many(texts)
    hits = [t[s.start:s.end] for t, sp in zip(texts, spans) for s in sp if s.source == "contact_block"]
    assert len(texts) > 500 and hits == []
