"""Lower-case chat: honorifics, surnames, post-nominals, name lists and speech cues around found names.

Covers ``person_cue_context.extend_lowercase`` / ``_lower_list_members`` / the speech cues, ``presidio_ner``'s
``_informative_caps`` and its honorific extension of model PERSON spans. The names are invented for these tests
(general knowledge: common given names and surnames); nothing is copied from a benchmark file.
"""

from __future__ import annotations

import pytest

from flywheel_assets.privacy.detectors import person_cues
from flywheel_assets.privacy.detectors.person_cues import detect_person_cues
from flywheel_assets.privacy.detectors.presidio_ner import _informative_caps


def _values(text: str, spans) -> list[str]:
    return [text[s.start:s.end] for s in spans if s.entity_type == "PERSON"]


def _covered(text: str, spans, value: str) -> bool:
    a = text.index(value)
    b = a + len(value)
    return any(s.start <= a and s.end >= b for s in spans if s.entity_type == "PERSON")


# --- person_cues ---------------------------------------------------------------------------------------------------

def test_lowercase_honorific_joins_the_name():
    text = "please ask mrs. okonkwo about the refund"
    assert "mrs. okonkwo" in _values(text, detect_person_cues(text))


def test_honorific_is_not_taken_from_an_everyday_verb():
    text = "we will miss priya a lot"  # "miss" is a verb here: no honorific
    vals = _values(text, detect_person_cues(text))
    assert not any(v.startswith("miss") for v in vals)


@pytest.mark.parametrize("text,name", [
    ("my colleague priya pinto will join later", "priya pinto"),
    ("i asked jukka pottinger about it", "jukka pottinger"),
])
def test_lowercase_surname_after_a_found_given_name(text, name):
    assert name in _values(text, detect_person_cues(text))


@pytest.mark.parametrize("text,given,word", [
    ("thank you priya good work", "priya", "good"),  # an adjective
    ("i asked priya yesterday", "priya", "yesterday"),  # no surname
    ("ask jukka lol", "jukka", "lol"),  # chat shorthand
])
def test_lowercase_given_name_is_not_extended_by_everyday_words(text, given, word):
    vals = _values(text, detect_person_cues(text))
    assert given in vals
    assert not any(word in v for v in vals)


def test_cased_text_gets_no_lowercase_surname():
    text = "I asked Priya hill questions"  # in cased text a lower-case word after a name is no surname
    assert not any("hill" in v for v in _values(text, detect_person_cues(text)))


def test_lowercase_post_nominal_after_a_full_name():
    text = "the report from dr. jukka virtanen md arrived today"
    assert _covered(text, detect_person_cues(text), "jukka virtanen md")


def test_lowercase_list_next_to_a_found_name():
    text = "the band was formed by jukka, okafor and pinto in a garage"
    spans = detect_person_cues(text)
    for name in ("jukka", "okafor", "pinto"):
        assert _covered(text, spans, name), name


@pytest.mark.parametrize("text,bad", [
    ("i like priya, coffee and tea", ("coffee", "tea")),  # no second name-like member: nothing is added
    ("say hi to priya and lol", ("lol",)),
    ("priya, numpy and pandas", ("numpy", "pandas")),
])
def test_lowercase_list_needs_a_second_name(text, bad):
    vals = _values(text, detect_person_cues(text))
    assert "priya" in vals
    assert not any(w in v for v in vals for w in bad)


def test_speech_cue_takes_a_lowercase_given_name_ending_the_clause():
    text = '"that is fine," says péter.'
    assert "péter" in _values(text, detect_person_cues(text))
    assert _values("he said will be there", detect_person_cues("he said will be there")) == []


# --- presidio_ner ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,informative", [
    ("", False),
    ("no capitals at all here", False),
    ("Vittore, can I please speak to the manager", False),  # first letter + pronoun I only
    ("my USA visa expired, OK?", False),  # acronyms only
    ("I met Anna in Oslo", True),
    ("hello Anna", True),
])
def test_informative_caps(text, informative):
    assert _informative_caps(text) is informative


def test_model_person_span_takes_the_honorific():
    from flywheel_assets.privacy.detectors.presidio_ner import detect_ner_batch

    text = "Please call Mrs. Dawn Kowalski tomorrow about the invoice."
    spans = [s for s in detect_ner_batch([text])[0] if s.entity_type == "PERSON"]
    assert spans, "the model should tag the name"
    assert any(text[s.start:s.end].startswith("Mrs. ") for s in spans)


# --- cascade --------------------------------------------------------------------------------------------------------

def test_cascade_lowercase_honorific_name():
    from flywheel_assets.privacy.cascade import Cascade

    text = "mrs. dawn kowalski will call back about the order"
    spans = Cascade().scan(text)
    assert _covered(text, spans, "mrs. dawn kowalski")
    assert not _covered(text, spans, "order")


# --- real chat: the lower-case passes add nothing on OASST ------------------------------------------------------------

def test_lowercase_passes_add_no_span_on_real_chat(realdata, monkeypatch):
    from flywheel_assets.privacy.truecase import is_lowercase_text
    from flywheel_assets_tests.privacy._helpers import oasst_texts

    texts = [t for t in oasst_texts(realdata) if is_lowercase_text(t)]
    assert len(texts) >= 20  # real lower-case chat is there to check
    with_passes = [detect_person_cues(t) for t in texts]
    monkeypatch.setattr(person_cues, "extend_lowercase", lambda tx, out: out)
    without = [detect_person_cues(t) for t in texts]
    added = [(i, s) for i, (a, b) in enumerate(zip(with_passes, without)) for s in set(a) - set(b)]
    assert added == []


def test_one_or_two_words_get_no_sentence_capital():
    from flywheel_assets.privacy.truecase import truecase

    # JSON values, enums and schema keys: a capital would only make the NER model call "Query" an organisation
    for value in ("query", "staging", "query string", "payments worker"):
        assert truecase(value) == value
    assert truecase("hi, i'm jared from grimsby") != "hi, i'm jared from grimsby"


def test_tool_schema_required_keys_survive_redaction(pii_key):
    """A schema's `required` list names keys; redacting it ('query' -> '<ORG_1>') made every later call fail the
    schema check in curation (seen on the demo drop: 333 units filtered as invalid_tool_call)."""
    import json

    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.redact import redact_units
    from flywheel_assets.schema import message, new_unit, tool_call, units_frame

    schema = {"type": "object", "properties": {"query": {"type": "string"}, "email": {"type": "string"}},
              "required": ["query", "email"]}
    tools = [{"type": "function", "function": {"name": "search_kb", "description": "Search the knowledge base",
                                               "parameters": schema}}]
    unit = new_unit([message("user", "my email is jane.doe@example.com"),
                     message("assistant", "", tool_calls=[tool_call("c1", "search_kb",
                                                                    {"query": "reset password",
                                                                     "email": "jane.doe@example.com"})])],
                    session_id="s1", tools=tools)
    res = redact_units(units_frame([unit]), PrivacyConfig(), pii_key)
    out_tools = json.loads(res.units["tools"][0])
    assert out_tools[0]["function"]["parameters"]["required"] == ["query", "email"]
    msgs = json.loads(res.units["messages"][0])
    assert "jane.doe@example.com" not in json.dumps(msgs)


def test_schema_required_list_is_not_scanned():
    from flywheel_assets.privacy.redact import _walk_json

    schema = {"type": "object", "properties": {"Berlin": {"type": "string", "description": "office in Berlin"}},
              "required": ["Berlin"]}
    segs, holders = [], []
    _walk_json({"v": schema}, 0, "tools", segs, holders)
    texts = [s.text for s in segs]
    assert "office in Berlin" in texts and "Berlin" not in texts  # descriptions are scanned, key names are not
    segs2 = []
    _walk_json({"v": {"required": ["Berlin"]}}, 0, "tools", segs2, [])  # no schema around it: an ordinary list
    assert [s.text for s in segs2] == ["Berlin"]
