"""Truecasing of all-lower-case texts (privacy/truecase.py) and its use in the cascade (``truecase_lowercase``).

Names, places and firms in these tests are invented for the tests (no value from any benchmark file)."""

from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.truecase import is_lowercase_text, truecase

from ._helpers import oasst_texts


def _capitals(original: str, cased: str) -> list[str]:
    """The words whose first letter truecasing raised (in text order)."""
    import re

    return [m.group(0) for m in re.finditer(r"[^\W\d_][\w'’]*", cased)
            if m.group(0)[0] != original[m.start()]]


def _assert_offsets(text: str, out: str) -> None:
    assert len(out) == len(text)
    for a, b in zip(text, out):
        assert a == b or (a.islower() and b == a.upper()), (a, b)


# -- what counts as lower case -----------------------------------------------------------------------------------

def test_lowercase_definition():
    assert is_lowercase_text("hi, i'm new here")
    assert is_lowercase_text("Hi, i'm new here and my bank is in the USA")  # first letter, ALL-CAPS token
    assert is_lowercase_text("hello, I'm new here")  # the pronoun I
    assert not is_lowercase_text("hi, i'm new here. Where is Oslo?")  # a capitalised word mid-text
    assert not is_lowercase_text("12345 67")
    assert not is_lowercase_text("")


def test_cased_text_is_returned_unchanged():
    t = "Hello, this is Maria Jovanovic from Tromsø."
    assert truecase(t) is t


# -- offsets ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "straße ist ßtraße and ŉoel, ǆungla, ﬁle; i'm here",  # ß / ŉ / ﬁ upper-case to 2+ chars; ǆ to one
    "şenol from izmir met ölçer. ελένη from αθήνα; ёлка and юрий",
    "emoji 🙂 then zofia wróblewska, e\u0301lodie and i",
    "x",
    "",
])
def test_offsets_are_preserved_with_unicode(text):
    out = truecase(text)
    _assert_offsets(text, out)


def test_characters_whose_upper_case_is_longer_are_left_alone():
    out = truecase("ßara and ŉoel met zofia")
    assert out.startswith("ßara and ŉoel")  # would become "SSara" / "ʼNoel": offsets would shift
    assert "Zofia" in out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdeijklmnorstuvwyzßŉǆıçéøñ .,!?'\n-_@/:0123")), max_size=60))
def test_offsets_property(text):
    _assert_offsets(text, truecase(text))


# -- which words get capitals -------------------------------------------------------------------------------------

def test_names_places_firms_and_sentence_starts_get_capitals():
    t = "hi, i'm wojciech kowalczyk from grimsby. i work at zentrofax in germany with my dog"
    out = truecase(t)
    _assert_offsets(t, out)
    assert _capitals(t, out) == ["Hi", "I'm", "Wojciech", "Kowalczyk", "Grimsby", "I", "Zentrofax", "Germany"]


def test_everyday_words_shorthand_and_code_stay_lower():
    t = ("can you help me write a python script that reads a json file? lol idk, gonna try numpy's sort "
         "on foo.bar or https://example.com/some_path and `mystery_fn` later, dont worry. it's simpler")
    out = truecase(t)
    _assert_offsets(t, out)
    assert _capitals(t, out) == ["Can", "Lol", "It's"]  # sentence starts only


def test_given_name_that_is_a_word_needs_a_name_next_to_it():
    assert "Harry" not in truecase("they harry the sheep across the field")
    assert "Harry Okonkwo" in truecase("tell harry okonkwo the sheep are in")


def test_surname_after_given_name_and_lower_case_country():
    out = truecase("please ask mariela baker about the trip to portugal")
    assert "Mariela Baker" in out and "Portugal" in out


def test_hints_from_lower_case_detectors_get_capitals():
    t = "i bank with the bank of lindenholt and my cat is called pepper"
    a = t.index("the bank")
    b = t.index(" and my")
    out = truecase(t, hints=((a, b),))
    _assert_offsets(t, out)
    assert out[a:b] == "The Bank of Lindenholt"  # stop words inside a hint stay lower except the first
    assert "pepper" in out and "Pepper" not in out


def test_long_texts_are_left_alone():
    t = "order line for jukka " * 2_000
    assert truecase(t) is t
    assert truecase(t[:200]) != t[:200]


def test_not_english_prose_is_left_alone():
    t = "wir haben gestern zusammen mit unseren freunden lange über diese fragen gesprochen"
    assert truecase(t) == t


# -- cascade -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cascades():
    return Cascade(PrivacyConfig()), Cascade(PrivacyConfig(truecase_lowercase=False))


def _masked(casc: Cascade, text: str) -> str:
    out = list(text)
    for s in casc.scan(text):
        for i in range(s.start, s.end):
            out[i] = "#"
    return "".join(out)


@pytest.mark.parametrize("text, secrets", [
    ("my friend okonkwo lives in tromso and works for brightmoor analytics", ["okonkwo", "brightmoor"]),
    ("thanks mariela, the parcel from velstrom arrived this morning", ["mariela", "velstrom"]),
])
def test_lower_case_sentence_gets_its_names_masked(cascades, text, secrets):
    on, off = cascades
    masked = _masked(on, text)
    for s in secrets:
        assert s not in masked, masked
    # the cased copy is what found them: without it at least one stays
    before = _masked(off, text)
    assert any(s in before for s in secrets)


def test_ordinary_lower_case_chat_keeps_its_words(cascades):
    on, _off = cascades
    for t in ["can you help me write a python script that reads a json file and prints the keys? thanks lol",
              "i think the answer is simpler than that: just restart the router and wait a minute",
              "what is the best way to learn guitar at home? i have an hour a day"]:
        assert on.scan(t) == [], t


def test_real_lower_case_chat_few_extra_spans(realdata, cascades):
    """OASST messages typed in lower case: truecasing may add a few spans (typos, tech words taken for names) but
    must not start masking ordinary words in bulk."""
    on, off = cascades
    texts = [t for t in oasst_texts(realdata) if is_lowercase_text(t)]
    assert len(texts) >= 100
    for t in texts[:60]:
        _assert_offsets(t, truecase(t))
    n_on = sum(len(s) for s in on.scan_many(texts))
    n_off = sum(len(s) for s in off.scan_many(texts))
    chars = sum(len(t) for t in texts)
    assert n_on - n_off <= chars / 1000, (n_on, n_off, chars)  # measured: +12 spans on ~21 K chars
