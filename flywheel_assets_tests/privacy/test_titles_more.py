"""Job titles (titles.py), second wave: Sentence-case titles that fill a line or a separated segment with no other
cue ("Network administrator" under a name in a CV, "Jane Roe | Payroll manager | ..."), and the limits of that rule
(list bullets, headings with a colon, imperatives, software words in prose, product names) on real chat logs."""

from __future__ import annotations


import pytest

from flywheel_assets.privacy.detectors.titles import detect_titles
from flywheel_assets_tests.privacy._helpers import oasst_texts


def _values(text: str) -> list[str]:
    spans = detect_titles(text)
    assert all(s.entity_type == "TITLE" and s.source == "job_title" for s in spans)
    return [text[s.start:s.end] for s in spans]


@pytest.mark.parametrize("text,expected", [
    ("Ola Nordmann\nNetwork administrator\nFjordtech AS, 2019-2022", "Network administrator"),
    ("Jane Roe | Payroll manager | Northwind", "Payroll manager"),
    ("Senior accountant - responsible for month-end close", "Senior accountant"),
    ("Kwame Mensah, Payroll clerk", "Payroll clerk"),
    ("Logistics coordinator at Blue Harbour Freight", "Logistics coordinator"),
    ("Network administrator (contract)\nOslo", "Network administrator (contract)"),
])
def test_sentence_case_titles_in_their_own_segment(text, expected):
    assert expected in _values(text)


@pytest.mark.parametrize("text", [
    "Package manager\nUse pip to install it.",  # a software word with an ambiguous head
    "- Software engineer\n- Data analyst\n- Nurse",  # a list of careers, not someone's title
    "Project manager: plans the work and tracks it.",  # a heading that is explained
    "Ask administrator\n",  # an imperative
    "Contact your system administrator.",  # a generic mention in prose
    "Task manager shows the running processes.",
    "Window manager\nDisplay manager\n",
])
def test_sentence_case_titles_need_a_segment_and_a_job(text):
    assert _values(text) == []



def test_segment_titles_add_nothing_spurious_on_real_chat(realdata):
    """634 K chars of real chat: no stand-alone Sentence-case title from the new rule (the file has none), and the
    total stays a handful of titles from song lyrics, film plots and biographies."""
    texts = oasst_texts(realdata)
    assert sum(len(t) for t in texts) > 500_000
    values = [t[s.start:s.end] for t in texts for s in detect_titles(t)]
    assert len(values) <= 20, values
    # every Sentence-case value (capitalised first word, rest lower case) has a person cue before it in the text
    seg = [v for v in values if len(v.split()) > 1 and v[0].isupper() and v.split()[-1].islower()
           and all(w.islower() for w in v.split()[1:])]
    assert len(seg) <= 3, seg
