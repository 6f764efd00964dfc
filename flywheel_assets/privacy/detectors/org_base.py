"""What the organisation detectors share: the span source / score, and the word tests that decide whether a word
may name an organisation (not generic, not English, not a given name, not a place, not a public product).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..lexicons.base import fold_place as _place_fold
from ..lexicons.names import all_name_tokens as _name_tokens, first_names
from ..lexicons.org_words import CALENDAR, GENERIC, TECH

SOURCE = "org_form"
SCORE = 0.6
MORPH_GENERIC = re.compile(r"(?:ing|ed|al|ic|ive|ous|ary|ory|ical|tion|sion|ment|ness|ity|ance|ence|ics|ogy|ist|"
                            r"ism|able|ible|less|ful)$")
UPPER = re.compile(r"[A-Z]")
BRANDLIKE = re.compile(r"^(?:[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+|[A-Z][A-Za-z]*\d[A-Za-z0-9]*|[A-Z]{2,6})$")


@lru_cache(maxsize=1)
def stop_words() -> frozenset:
    from ..lexicons.base import skip_words

    return skip_words()


@lru_cache(maxsize=1)
def _allowed() -> frozenset:
    from .dictionary import cached_allow_list

    return frozenset(cached_allow_list((), True).terms)


@lru_cache(maxsize=1)
def last_names() -> frozenset:
    from ..lexicons.names import lexicon

    return lexicon(20_000)[1]


def generic(word: str) -> bool:
    lw = word.casefold()
    if lw in GENERIC or lw in stop_words() or lw in _allowed() or len(word) < 2:
        return True
    if word.isupper() or any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:]):
        return False  # acronym / brand-like spelling
    return bool(MORPH_GENERIC.search(lw)) and lw not in _name_tokens()


def namelike(word: str) -> bool:
    """A census last name that is not a generic word, or a brand-like spelling (CamelCase, digits, acronym)."""
    if BRANDLIKE.match(word) and not word.isupper():
        return word.casefold() not in _allowed()
    return not generic(word) and word.casefold() in last_names()


def allowed_phrase(v: str) -> bool:
    a = _allowed()
    return " ".join(v.split()).casefold() in a or any(w.casefold() in a for w in re.findall(r"[\w.\-]+", v))


@lru_cache(maxsize=1)
def place_words() -> tuple[dict, frozenset, frozenset]:
    """(gazetteer lexicon, English words, WordNet nouns-or-names) from the gazetteer's cached tables."""
    try:
        from ..lexicons.places import place_tables

        t = place_tables()
        return t["lex"], t["plain"], t["noun_or_name"]
    except Exception:
        return {}, frozenset(), frozenset()


def is_place(name: str) -> bool:
    """Is ``name`` a gazetteer place? (lower-case: only places the gazetteer itself takes in lower case)."""
    lex = place_words()[0]
    words = [_place_fold(w) for w in name.split()]  # the gazetteer's own folding: accents stripped (Kraków = krakow)
    lower = name.islower()
    for rest, tier, _ in lex.get(words[0], ()):
        if tuple(words[1:1 + len(rest)]) == rest and len(rest) + 1 == len(words):
            return not lower or tier not in (3, 4)  # gazetteer.TIER_MAJN / CUE: "reading", "nice", "turkey"
    return False


def org_word(w: str) -> bool:
    """A word that may name an organisation on its own: not English, not a given name, not public tech."""
    lw = w.casefold().strip("'’-")
    if len(lw) < 2 or lw in stop_words() or lw in GENERIC or lw in _allowed() or lw in TECH or \
            lw in CALENDAR:
        return False
    if BRANDLIKE.match(w) and not w.isupper():
        return True  # CamelCase / digits: Zentrix42, DataNexus
    if w.isupper():
        return len(w) >= 3 and lw not in place_words()[1]
    _, plain, nouns = place_words()
    if lw in plain or lw in first_names():
        return False
    if _inflected(lw, plain, nouns):
        return False  # "Operations", "Sales", "Services"
    if lw in nouns and lw not in last_names():
        return False  # an English noun ("Congress", "Hamlet"); surnames stay (firms are named after founders)
    return not (MORPH_GENERIC.search(lw) and lw not in _name_tokens())


def lower_org_word(w: str) -> bool:
    lex, plain, nouns = place_words()
    lw = w.casefold()
    if lw in stop_words() or lw in GENERIC or lw in _allowed() or lw in TECH or lw in CALENDAR or \
            lw in plain or lw in nouns or lw in _name_tokens() or lw in lex or not plain:
        return False
    return not _inflected(lw, plain, nouns) and not MORPH_GENERIC.search(lw)


def _inflected(lw: str, plain: frozenset, nouns: frozenset) -> bool:
    try:
        from ..lexicons.places import english_form

        return english_form(lw, plain, nouns)
    except Exception:
        return False


def trim_trailing(words: list[str]) -> list[str]:
    """Drop stop / calendar words after a name ("joined Acme Last Monday" keeps Acme)."""
    while words and (words[-1].casefold() in stop_words() or words[-1].casefold() in CALENDAR):
        words.pop()
    return words


def never_an_org(words: list[str]) -> bool:
    """An allow-listed phrase or word, a public technology / product word, or a gazetteer place."""
    kept = " ".join(words)
    return allowed_phrase(kept) or any(w.casefold() in TECH for w in words) or is_place(kept)


def could_name_org(words: list[str]) -> bool:
    """One word that may name an organisation on its own, or several with such a word that are not all generic."""
    if len(words) == 1:
        return org_word(words[0])
    return any(org_word(w) for w in words) and not all(generic(w) for w in words)
