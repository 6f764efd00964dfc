"""Stronger person cues: everyday-word names after the strongest cues (``call me Will``), credits (``directed by X``),
name particles inside names (``Joost van den Berg``) and inline answers to a name question in lower-case chat; with
precision on code (``sorted by Name``), products (``written by OpenAI``) and real chat (OASST, tau-bench)."""

from __future__ import annotations

import json

import pytest

from flywheel_assets.privacy.detectors.person_cues import detect_person_cues
from flywheel_assets_tests.privacy._helpers import oasst_texts


def found(text: str) -> list[str]:
    return sorted(text[s.start:s.end] for s in detect_person_cues(text))


# --- 1. the strongest cues take any capitalised word ---------------------------------------------------------------

@pytest.mark.parametrize("text,name", [
    ("My maiden name is Christian.", "Christian"),
    ("My maiden name is Hope and I was born in Ohio.", "Hope"),
    ("Please call me Will.", "Will"),
    ("Everyone calls me Lind, even my boss.", "Lind"),
    ("My name is Will Lind.", "Will Lind"),
    ("I go by the name Torres.", "Torres"),
    ("She was born Anna Kowalska, née Christian.", "Christian"),
    ("everyone calls me christian.", "christian"),
])
def test_strongest_cues_take_everyday_words(text, name):
    assert name in found(text)


@pytest.mark.parametrize("text", [
    "I go by a nickname.", "call me the boss", "Call me when you are done.", "You can call me Anytime.",
    "Call Me Maybe is a song.", "Please call me back tomorrow.",
])
def test_strongest_cues_skip_pronouns_and_titles(text):
    assert found(text) == []


# --- 2. credits ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,name", [
    ("A film directed by Akira Kurosawa in 1950.", "Akira Kurosawa"),
    ("co-starring Emma Stone", "Emma Stone"),
    ("narrated by Morgan Freeman", "Morgan Freeman"),
    ("The lead role, starring Keanu Reeves, was praised.", "Keanu Reeves"),
    ("performed by Itzhak Perlman and the LSO", "Itzhak Perlman"),
    ("a painting by Leonardo da Vinci", "Leonardo da Vinci"),
    ("a book by Stephen King", "Stephen King"),
    ("the film was directed by bong joon-ho and produced by kwak sin-ae", "bong joon-ho"),
])
def test_credits_name_people(text, name):
    assert name in found(text)


@pytest.mark.parametrize("text", [
    "This answer was written by OpenAI.", "The app is powered by Python.", "written by the team",
    "sorted by Name", "grouped by Category", "SELECT * FROM t ORDER BY Date", "a laptop featuring Retina Display",
    "the book was written by the author", "a song by the beatles", "written by our Support Team",
])
def test_credits_skip_products_code_and_determiners(text):
    assert found(text) == []


# --- 3. particles --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,name", [
    ("I met Joost van den Berg yesterday.", "Joost van den Berg"),
    ("My name is Ana de la Cruz.", "Ana de la Cruz"),
    ("Thanks, Omar bin Laden", "Omar bin Laden"),
    ("my name is sanne de boer", "sanne de boer"),
    ("Ludwig von Mises wrote a book.", "Ludwig von Mises"),
])
def test_particles_extend_names(text, name):
    assert name in found(text)


def test_particle_needs_a_name_word_after_it():
    assert "Paul" in found("I met Paul in the office.")
    assert not any("de" in n.split() for n in found("Hi Maria de the office"))


# --- 4. inline answers to a name question --------------------------------------------------------------------------

@pytest.mark.parametrize("text,name", [
    ("what's your name? miriam finch", "miriam finch"),
    ("name please? paul rossi", "paul rossi"),
    ("agent: name please?\nuser: paul rossi", "paul rossi"),
    ("What's your name? Jillian Capon", "Jillian Capon"),
])
def test_inline_name_answers(text, name):
    assert name in found(text)


@pytest.mark.parametrize("text", [
    "what's your name? just curious", "What's your name? I'm Claude, an AI assistant.",
    "what is your name? lol idk", "whats your name? the order number is 1234",
])
def test_inline_name_answers_need_names(text):
    assert found(text) == []


# --- real data -----------------------------------------------------------------------------------------------------

def test_real_chat_credits_are_people(realdata):
    """OASST: every span that follows a credit cue is a two-word capitalised name (film directors in a list)."""
    import re

    credit = re.compile(r"(?:directed|written|produced|starring|featuring|composed|narrated)\s+(?:by\s+)?\Z", re.I)
    hits = []
    for t in oasst_texts(realdata):
        for sp in detect_person_cues(t):
            if credit.search(t[max(0, sp.start - 30):sp.start]):
                hits.append(t[sp.start:sp.end])
    assert hits, "OASST holds film lists with directors"
    assert all(len(h.split()) >= 2 and all(w[0].isupper() for w in h.split()) for h in hits), hits


def test_tau_bench_no_new_cue_spans_on_agent_text(realdata):
    """tau-bench demos: the new cues add nothing on agent boilerplate (no credit cue or name-question answer takes
    a non-name: every inline answer found is a two- or three-word name)."""
    texts = []
    for f in sorted((realdata / "tau_bench_demos").glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            texts += [json.loads(line)["messages_display"] for line in fh]
    bad = []
    for t in texts:
        for sp in detect_person_cues(t):
            s = t[sp.start:sp.end]
            if s.casefold() in ("the", "name", "order", "sorry", "sure") or s.split()[0].casefold() in ("by", "the"):
                bad.append(s)
    assert bad == []
