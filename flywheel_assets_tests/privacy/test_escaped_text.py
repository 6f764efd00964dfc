"""Logs often hold string literals with backslash-escaped quotes (a JSON body logged as text, a Python repr):
``\\"Tell Okonkwo\\'s wife I\\'m late\\"``. The cascade reads such a text unescaped and maps spans back."""

from __future__ import annotations

import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.text_view import reading_view


def test_unescape_view_and_index():
    text = 'say \\"I\\\'m here\\"'
    u, idx, ends = reading_view(text, invisible=False)
    assert u == 'say "I\'m here"'
    assert len(idx) == len(u) and all(text[k] == c and e == k + 1 for k, c, e in zip(idx, u, ends))
    assert reading_view("plain text, no escapes", invisible=False) is None
    assert reading_view("C:\\Users\\new", invisible=False) is None  # a path (\U starts no escape): left alone


@pytest.mark.parametrize("text, name", [
    ('user said: \\"Tell Okonkwo\\\'s wife I\\\'m late\\"', "Okonkwo"),
    ("log: msg='I\\'m Jukka Virtanen\\'s assistant'", "Jukka Virtanen"),
    ('body="{\\"note\\": \\"ask for Zofia Wrzesniewska\\"}"', "Zofia Wrzesniewska"),
])
def test_names_inside_escaped_literals(text, name):
    spans = Cascade().scan(text)
    got = [text[s.start:s.end] for s in spans]
    assert any(name in g for g in got), got
    # spans sit on the original text: sorted, inside it, never splitting an escape from its quote
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(text[s.end - 1] != "\\" for s in spans)


def test_escaped_possessive_needs_the_unescaped_view():
    text = 'user said: \\"Tell Okonkwo\\\'s wife I\\\'m late\\"'
    off = [text[s.start:s.end] for s in Cascade(PrivacyConfig(unescape_literals=False)).scan(text)]
    on = [text[s.start:s.end] for s in Cascade().scan(text)]
    assert "Okonkwo" in on and "Okonkwo" not in off  # off: the model reads "Okonkwo\\" as an organisation
