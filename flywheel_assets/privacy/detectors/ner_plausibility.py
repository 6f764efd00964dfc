"""Is a model's name-like guess a name? The rules the redactor's NER (``presidio_ner``) and the independent residual
scan (``residual.residual_hits``) both apply to a PERSON / LOCATION / ORGANIZATION / NRP span: common words trimmed off,
codes, everyday acronyms, product-style words and spans made only of everyday words dropped, an honorific joined to
a person. One owner, so the second detector judges its hits exactly as the first does."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..lexicons.base import common_words, fold_place
from ..lexicons.names import all_name_tokens, english_vocabulary, fold, hard_words, lemmas, word_class

_WORD = re.compile(r"[\w'’\-]+")
_HAS_DIGIT = re.compile(r"\d")


def trim_common_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a model span so it neither starts nor ends with a common word; (s, s) when only those remain."""
    toks = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    cw = common_words()
    while toks and text[toks[0][0]:toks[0][1]].casefold() in cw:
        toks.pop(0)
    while toks and text[toks[-1][0]:toks[-1][1]].casefold() in cw:
        toks.pop()
    return (toks[0][0], toks[-1][1]) if toks else (start, start)


_ACRONYM = re.compile(r"^[A-Z]{2,4}s?$")



@lru_cache(maxsize=1)
def common_acronyms() -> frozenset[str]:
    """``data/common_acronyms.txt``: acronyms of logs / tech / office text that name no organisation or person."""
    path = Path(__file__).resolve().parents[1] / "data" / "common_acronyms.txt"
    return frozenset(w for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
                     for w in line.split())

# one CamelCase word ending in a product / software morpheme is a product or company, not a person or place
_PRODUCTISH = re.compile(r"^[A-Z][a-z]+(?:Bot|GPT|AI|Hub|Pay|Desk|Shop|Soft|Labs?|Cloud|Works|Ware|Base|Stack|Flow|"
                         r"Mail|Chat|Cart|Box|Book|Sync|Link|Net|Data|Drive|Point)$")
_HONORIFIC_B = re.compile(r"(?<![\w.])(?i:mr|mrs|ms|mx|dr|prof)\.?[ \t]+\Z")


@lru_cache(maxsize=65536)
def everyday_words(value: str) -> bool:
    """True when every word of a model PERSON / LOCATION span is an everyday English word (``word_class`` 0) that is
    neither a census last name nor a gazetteer place: the small model's capitalised-noun false positives in chat
    (``Algorithms``, ``Earth``, ``Quantum``, ``Strength Training``). ``Baker``, ``Hunter``, ``Reading`` stay."""

    words = _WORD.findall(value)
    if not words or len(words) > 6:
        return False
    names = all_name_tokens()
    nonnoun, nouns = english_vocabulary()
    for w in words:
        f = fold(w)
        if word_class(w) != 0 or f in names or is_place_word(w):
            return False
        # WordNet's noun list also holds proper nouns (Reykjavik, Warszawa, Loggia): a bare noun is no proof. A stop /
        # common word, a verb / adjective / adverb, or an inflected noun (Algorithms, Formats) is.
        lem = lemmas(f)
        if not (f in hard_words() or any(x in nonnoun for x in lem)
                or f not in nouns and any(x in nouns for x in lem[1:])):
            return False
    return True


def plausible_entity_extent(text: str, a: int, b: int, et: str, has_caps: bool) -> tuple[int, int] | None:
    """What a model's name-like entity (PERSON / LOCATION / ORGANIZATION / NRP) at ``text[a:b]`` must look like to
    count: its extent (common words trimmed off a person / place, an honorific added to a person), or None when the
    guess is no name. Other entity types pass unchanged. ``has_caps``: do the text's capitals say which words are
    names (``presidio_ner.informative_caps``)? One owner for the redactor's NER and the residual scan
    (``residual.residual_hits``)."""
    value = text[a:b]
    if et in ("PERSON", "LOCATION", "ORGANIZATION") and (
            _HAS_DIGIT.search(value) or "_" in value or (has_caps and value.islower() and " " not in value)):
        return None  # codes (750ml, IPX4, paypal_123) and, in capitalised text, lower-case common words
    if et in ("ORGANIZATION", "NRP", "PERSON") and _ACRONYM.match(value.strip()) and \
            value.strip().rstrip("s").upper() in common_acronyms():
        return None  # ATM, SSN, API, HTTP: everyday acronyms (data/common_acronyms.txt); a firm's own is kept
    if et in ("PERSON", "LOCATION") and _PRODUCTISH.match(value.strip()):
        return None  # ShopBot, PayPal, HubSpot
    if et in ("PERSON", "LOCATION", "ORGANIZATION"):
        ta, tb = trim_common_words(text, a, b)
        if tb - ta < 2:
            return None  # "Size XS", "Desk Lamp", "Hello": common words only
        if et != "ORGANIZATION":  # "Acme Services" keeps its common noun; "Hello Lukas" loses it
            a, b = ta, tb
            if everyday_words(text[a:b]):
                return None  # "Algorithms", "Earth", "Iterate", "Strength Training": no name, no place
    if et == "PERSON" and a > 2:
        hm = _HONORIFIC_B.search(text, max(0, a - 7), a)
        if hm:
            a = hm.start()  # "Mrs. Dawn Kowalski": the honorific is part of the name (rules' title_name)
    return a, b




def is_place_word(word: str) -> bool:
    """True when ``word`` alone is a gazetteer place name (any tier)."""
    from ..lexicons.places import lexicon

    return any(not rest for rest, _tier, _kind in lexicon().get(fold_place(word), ()))
