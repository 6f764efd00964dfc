"""Places and organisations that used to slip through (sixth wave): ALL-CAPS places after a cue, birthplace /
home-city / ``X-born`` / ``X native`` cues, lower-case employer cues (``my employer x``, ``x is hiring``), lower-case
surname firms after an organisation cue, and given-name lists that must not become a firm.

Every example below is invented for this file (made-up towns and companies; real census surnames and given names)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from flywheel_assets.privacy.detectors.gazetteer import detect_places  # noqa: E402
from flywheel_assets.privacy.detectors.place_cues import CUE_SCORE  # noqa: E402
from flywheel_assets.privacy.detectors.org_base import is_place  # noqa: E402
from flywheel_assets.privacy.detectors.org_context import hiring_orgs  # noqa: E402
from flywheel_assets.privacy.detectors.org_firms import lower_firms  # noqa: E402
from flywheel_assets.privacy.detectors.organisations import detect_organisations  # noqa: E402

from ._helpers import oasst_texts  # noqa: E402


def _places(text: str) -> list[str]:
    return [text[s.start:s.end] for s in detect_places(text)]


def _orgs(text: str) -> list[str]:
    return [text[s.start:s.end] for s in detect_organisations(text)]


# --- ALL-CAPS places after a cue -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,place", [
    ("I AM IN ΠΑΡΕΚΚΛΗΣΙΑ NOW", "ΠΑΡΕΚΚΛΗΣΙΑ"),                       # Greek, shouted cue
    ("WE GREW UP IN SKÄLDERVIKEN, THEN LEFT", "SKÄLDERVIKEN"),         # Latin with diacritics
    ("I grew up in TRÄSLÖVSLÄGE with my aunt", "TRÄSLÖVSLÄGE"),        # ALL-CAPS word after a biographic cue
    ("I LIVE IN KELSBY WITH FRIENDS", "KELSBY"),                       # trailing shouted English words dropped
    ("I'M FROM ZELVINO", "ZELVINO"),
    ("ich bin in ЗАРЕЧНОВКА", None),                                   # no English cue: nothing claimed here
])
def test_all_caps_place_after_cue(text, place):
    got = _places(text)
    if place is None:
        assert not any("ЗАРЕЧНОВКА" == g for g in got)
    else:
        assert place in got, got
        span = next(s for s in detect_places(text) if text[s.start:s.end] == place)
        assert span.entity_type == "LOCATION"


@pytest.mark.parametrize("text", [
    "I AM IN LOVE WITH THIS",          # English words
    "I AM IN CHARGE OF THE TEAM",
    "I AM IN NASA NOW",                # 4-letter Latin ALL CAPS: an acronym, not a place
    "we moved to GRAPHQL last year",   # "moved to" + ALL CAPS in mixed case: a tech migration
    "our service is based in KUBERNETES",
])
def test_all_caps_words_that_are_not_places(text):
    assert _places(text) == []


# --- birthplace / home city / X-born / X native ------------------------------------------------------------------

@pytest.mark.parametrize("text,place", [
    ("my birthplace is Zelvino, a small town", "Zelvino"),
    ("My home city is Brindleford.", "Brindleford"),
    ("her hometown was kelsburgh", "kelsburgh"),
    ("He is a Tarnowice native.", "Tarnowice"),
    ("an Oakvillea native, she moved abroad", "Oakvillea"),
    ("The Kelsburgh-born actor", "Kelsburgh"),      # not "The Kelsburgh"
    ("a Berlin-born artist", "Berlin"),             # a gazetteer place glued to -born
])
def test_birthplace_and_native_cues(text, place):
    assert place in _places(text)


@pytest.mark.parametrize("text", [
    "she is a native speaker of Dutch",
    "I'm a Spanish native speaker",
    "the React Native app crashed",
    "the First-born child",
    "a Python native extension",
])
def test_native_and_born_words_that_are_not_places(text):
    got = _places(text)
    assert all(g not in ("Spanish", "React", "First", "Python") for g in got), got


def test_cue_places_score_below_gazetteer():
    [span] = detect_places("He is a Tarnowice native.")
    assert span.score == CUE_SCORE


@pytest.mark.parametrize("text,place", [
    ("SHIP TO KVARNBYN, SWEDEN", "KVARNBYN"),            # unknown word before ", <country>"
    ("Kvarnbyn, Sweden", "Kvarnbyn"),
    ("KVARNBYN, SWEDEN 12345", "KVARNBYN"),
    ("in Dunholm, Texas.", "Dunholm"),                   # ", <first-level region>"
    ("I'm from a village called Ashwick", "Ashwick"),    # "a village called X" after an article
    ("i'm from a small town called dunholm", "dunholm"),
    ("a city named Zelvino", "Zelvino"),
])
def test_pairs_and_called_cues(text, place):
    assert place in _places(text)


@pytest.mark.parametrize("text,word", [
    ("Thanks Tomas, Sweden.", "Tomas"),                  # a given name
    ("I use Kubernetes, Germany.", "Kubernetes"),        # tech word
    ("Stuff, Germany", "Stuff"),                         # English word
    ("a company called Zentrova", "Zentrova"),           # not a place cue
    ("Bonjour, France!", "Bonjour"),                     # a greeting
])
def test_pairs_and_called_cues_leave_other_words(text, word):
    assert word not in _places(text)


# --- lower-case employer cues ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,org", [
    ("my employer zentrova pays well", "zentrova"),
    ("zentrova is hiring engineers", "zentrova"),
    ("Zentrova is hiring!", "Zentrova"),
    ("My employer, Qorvix, is great", "Qorvix"),
    ("acmecorp hired me last week", "acmecorp"),
])
def test_employer_and_hiring_cues(text, org):
    assert org in _orgs(text)


@pytest.mark.parametrize("text", [
    "everyone is hiring now", "google is hiring", "my employer is amazon", "my employer is great",
    "john is hiring a plumber", "my employer says no", "they hired me", "nobody hired me",
])
def test_employer_cues_leave_words_names_and_products(text):
    assert hiring_orgs(text) == []


@pytest.mark.parametrize("name", ["Kraków", "Zürich", "Montréal", "São Paulo", "Krakow", "Sao Paulo", "Paris"])
def test_place_check_folds_accents_like_the_gazetteer(name):
    # the organisation detector's "is this a place?" uses the gazetteer's folding: accented and plain spellings agree
    assert is_place(name)


def test_place_check_rejects_non_places():
    assert not is_place("Qorvix") and not is_place("Zentrova Labs")


# --- surname firms ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,org", [
    ("i work at morrison, keller and dunn", "morrison, keller and dunn"),
    ("i used to work for fairbanks & cole", "fairbanks & cole"),
    ("he was represented by hale & dorr", "hale & dorr"),
    ("my lawyer at baker and mckenzie said so", "baker and mckenzie"),
    ("I work at Craig, Palmer and Quinn as a clerk", "Craig, Palmer and Quinn"),
])
def test_surname_firms(text, org):
    assert org in _orgs(text)


@pytest.mark.parametrize("text,org", [
    ("reach out to delgado, frye and bauer about it", "delgado, frye and bauer"),   # 3+ surnames, no cue
    ("CALL HUGHES, WHITAKER AND BROWN TODAY", "HUGHES, WHITAKER AND BROWN"),        # shouted
])
def test_surname_list_without_cue(text, org):
    assert org in _orgs(text)


@pytest.mark.parametrize("text", [
    "i like wood, stone and glass", "we need salt, pepper and rice", "thanks to james, mary and john",
    "i invited emma, olivia and sophia", "red, green and blue", "I LIKE RED, GREEN AND BLUE",
    "london, paris and berlin",
    "we saw lions, tigers and bears", "I USE PYTHON, JAVA AND RUST", "wood, iron and steel",
])
def test_word_and_given_name_lists_are_no_firm(text):
    assert _orgs(text) == []


@pytest.mark.parametrize("text", [
    "i work at home and school", "i worked at night and weekends", "she works for bread and butter",
    "i work for english and french speakers", "i work for fun and profit", "i work for young and old people",
    "i joined may and june",
])
def test_lower_firm_needs_surnames(text):
    assert lower_firms(text) == []


def test_given_name_list_is_not_a_firm():
    # what the truecased copy of "i invited emma, olivia and sophia" looks like
    assert _orgs("I invited Emma, Olivia and Sophia to the party") == []
    # census surnames in the same shape stay a firm
    assert _orgs("Hughes, Whitaker and Brown") == ["Hughes, Whitaker and Brown"]


def test_all_caps_employer_span_is_the_name():
    assert _orgs("I WORK AT ZENTROVA AS AN ANALYST") in (["ZENTROVA"], ["ZENTROVA AS"])


# --- real chat: the new forms add nothing ------------------------------------------------------------------------

def test_new_forms_add_nothing_on_real_chat(realdata):
    """OASST (real English chat): no hiring / employer org, no lower-case firm, no ``-born`` / ``native`` place."""
    hits = []
    for t in oasst_texts(realdata):
        low = t.lower()
        if "employer" in low or "hiring" in low or "hired me" in low:
            hits += [t[s.start:s.end] for s in hiring_orgs(t)]
        if " and " in t or "&" in t:
            hits += [t[s.start:s.end] for s in lower_firms(t)]
        if "-born" in t or " native" in t:
            hits += [t[s.start:s.end] for s in detect_places(t) if s.score == CUE_SCORE and (
                t[s.end:s.end + 5] == "-born" or t[s.end:s.end + 7] == " native")]
    assert hits == []
