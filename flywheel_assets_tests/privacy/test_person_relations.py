"""Relational PERSON cues (``person_cue_relations.relations`` / ``extend_name_lists``): kinship and social possessives,
appositions (``X, my brother``), naming verbs, ``X and I`` / ``me and X``, vocatives in direct speech, and name lists
anchored on a PERSON any detector found. Sentences are written from general knowledge of how people write."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from flywheel_assets.privacy.detectors.person_cue_relations import relations  # noqa: E402
from flywheel_assets.privacy.detectors.person_cue_words import CueText, allowed_terms  # noqa: E402
from flywheel_assets.privacy.detectors.person_cues import detect_person_cues, extend_name_lists  # noqa: E402


def _found(text: str) -> list[str]:
    return sorted({text[s.start:s.end] for s in detect_person_cues(text)})


def _relational(text: str) -> list[str]:
    out: list = []
    relations(CueText(text), out)
    return sorted({text[s.start:s.end] for s in out})


@pytest.mark.parametrize("text,name", [
    ("Yesterday Okafor's daughter came over to help.", "Okafor"),
    ("I met Zdeněk's wife at the party.", "Zdeněk"),
    ("We stayed with Kowalski's parents for a week.", "Kowalski"),
    ("Nguyen's boss wants the report by Friday.", "Nguyen"),
    ("Tomasz, my brother, lives abroad.", "Tomasz"),
    ("Moreau, my colleague, agreed with the plan.", "Moreau"),
    ("Her husband Jukka fixed the sink.", "Jukka"),
    ("We adopted a kid named Zdeněk last year.", "Zdeněk"),
    ("They named her Luna after the moon.", "Luna"),
    ("Kowalski and I went fishing on Sunday.", "Kowalski"),
    ("It was me and Nguyen all along.", "Nguyen"),
    ('"Not now, Lindqvist," she said.', "Lindqvist"),
    ('"Get out of my house, Kowalski!" he yelled.', "Kowalski"),
    ('"Kowalski, come here!"', "Kowalski"),
])
def test_relational_cues_find_the_person(text, name):
    assert name in _relational(text)
    assert name in _found(text)


def test_lower_case_possessive_only_in_lower_case_text():
    assert "priya" in _relational("i told priya's mother about it yesterday")
    # in cased prose a lower-case word before 's is no name for the relational cue
    assert _relational("I told the cat's mother about it.") == []


@pytest.mark.parametrize("text", [
    "Google's partner program is great.",
    "Microsoft's partner network grew.",
    "Nvidia's partner ecosystem",
    "The company's partner Accenture signed.",
    "ChatGPT and I talked for hours.",
    "Netflix and I are done.",
    "Visual Studio and I are friends now.",
    "Paris and I have a long history.",
    "I'm Amelia and I'm having a change of plans.",  # "and I'm": a new clause, no pair
    "between me and Google",
    "me and Shopify",
    "My son and I went camping.",
    "named it Foo",
    "the file named Config was missing",
    "Berlin, my favourite city, is cold.",
    '"Run it again, Kubernetes!"',
    '"Try again, Kubernetes," he said.',
    '"Hello, World!"',
    "Hey, Siri!",
    '"Please, Alexa," she said.',
    '{ "services": "Netflix,Prime,Disney,HBO,Hulu", "country": "US" }',
])
def test_relational_cues_skip_products_places_and_assistants(text):
    assert _relational(text) == []


def test_name_list_joins_members_next_to_a_known_person():
    text = "We invited Priya, Okafor and Moreau to the review."
    p = text.index("Priya")
    got = sorted(text[s.start:s.end] for s in extend_name_lists(text, [(p, p + 5)]))
    assert got == ["Moreau", "Okafor"]
    # the anchor may come from any detector and be a longer span (spaCy's "Priya Raman")
    text2 = "Thanks to Priya Raman, Kowalski and Nguyen."
    a = text2.index("Priya")
    got2 = sorted(text2[s.start:s.end] for s in extend_name_lists(text2, [(a, a + len("Priya Raman"))]))
    assert got2 == ["Kowalski", "Nguyen"]


def test_name_list_needs_every_member_to_look_like_a_name():
    text = "Priya, Docker and Kubernetes are on the slide."
    assert extend_name_lists(text, [(0, 5)]) == []
    text2 = "Support for Python, Rust and Go."
    a = text2.index("Python")
    assert extend_name_lists(text2, [(a, a + 6)]) == []
    assert extend_name_lists("Lindqvist, Okafor and Moreau", []) == []  # no anchor, no list


def test_word_like_given_names_join_a_list_of_people():
    # most members already people: a given name that is also a word or a month joins (Amber, April, Jan)
    text = "The winners were Okonkwo, Lindqvist, Amber and April."
    persons = [(text.index(w), text.index(w) + len(w)) for w in ("Okonkwo", "Lindqvist")]
    assert sorted(text[s.start:s.end] for s in extend_name_lists(text, persons)) == ["Amber", "April"]
    # ... but not a place, a tech term, or any of them when only one member is a person
    text2 = "The winners were Okonkwo, Lindqvist, Georgia and Python."
    persons2 = [(text2.index(w), text2.index(w) + len(w)) for w in ("Okonkwo", "Lindqvist")]
    assert extend_name_lists(text2, persons2) == []
    text3 = "Meet Okonkwo, Amber and April."
    a = text3.index("Okonkwo")
    assert extend_name_lists(text3, [(a, a + 7)]) == []


def test_value_lists_are_not_prose_lists():
    text = "services=Priya,Okafor,Moreau"
    a = text.index("Priya")
    assert extend_name_lists(text, [(a, a + 5)]) == []


def test_deterministic():
    text = "Okafor's wife and Kowalski and I met Zdeněk's daughter; \"Not now, Lindqvist,\" she said."
    assert detect_person_cues(text) == detect_person_cues(text)


def test_oasst_relational_cues_add_almost_nothing(realdata):
    """Real English chat (OASST): the relational cues and list extension fire on at most a handful of spans, and
    none is an allow-listed product / tech term."""
    from flywheel_assets_tests.privacy._helpers import oasst_texts

    allowed = allowed_terms()
    hits = []
    for t in oasst_texts(realdata, 1500):
        out: list = []
        relations(CueText(t), out)
        hits.extend(t[s.start:s.end] for s in out)
    assert len(hits) <= 5, hits
    assert not any(h.casefold() in allowed for h in hits)


def test_cascade_extends_lists_from_any_detector(tmp_path):
    """The cascade hook: a person found by another detector (here an organisation dictionary) pulls the name-like
    members of its list in; a list of products next to a person does not."""
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig

    d = tmp_path / "staff.yaml"
    d.write_text("PERSON:\n  - Zofia Wrzesniewska\n", encoding="utf-8")
    base = dict(presidio_ner=False, dictionaries=[str(d)])
    text = "Please invite Zofia Wrzesniewska, Okonkwo and Lindqvist to the review."
    on = {text[s.start:s.end] for s in Cascade(PrivacyConfig(**base)).scan(text)}
    off = {text[s.start:s.end] for s in Cascade(PrivacyConfig(**base, person_cues=False)).scan(text)}
    assert {"Zofia Wrzesniewska", "Okonkwo", "Lindqvist"} <= on
    assert off == {"Zofia Wrzesniewska"}
    products = "Please invite Zofia Wrzesniewska, Docker and Kubernetes to the review."
    assert {products[s.start:s.end] for s in Cascade(PrivacyConfig(**base)).scan(products)} == {"Zofia Wrzesniewska"}
