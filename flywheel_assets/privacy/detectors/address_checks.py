"""Validators of the address rules: does a matched street / postcode / intersection / postal block read as an
address rather than a quantity, a clause, a counter, a year or code (the precision guards of
:mod:`flywheel_assets.privacy.detectors.addresses`).
"""

from __future__ import annotations

import re

from ..lexicons.address_words import (CAP_TYPES, CONN_WORDS, EMPTY_FIELD, FUNCTION_WORDS, GLUED_ENDS, LOWER_NOT_NAME,
                                      MEASURE, NOT_LOCALITY, NOT_NAME_START, NOT_PLACE, NUM_WORDS, POST_WORDS,
                                      PRE_WORDS, STREET_SUFFIX, STREET_WORDS, STRONG_SUFFIX, SUFFIX_WORDS,
                                      TAIL_WORDS_NOT)

def split_words(v: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w'’\-]*|\d+\w*", v)


def street_number_first_ok(value: str) -> bool:
    """``<number> <name> <suffix>``: not a quantity (``10 minute walk``), not a clause (``3 seem like a good
    place``); a weak suffix (``way``, ``park``, ``view``) needs a capitalised name."""
    ws = split_words(value)
    if len(ws) < 2:
        return False
    num, *name, suffix = ws
    if re.fullmatch(r"(?:19|20)\d\ds", num):  # 1940s
        return False
    low = [w.casefold() for w in name]
    if any(w in MEASURE or w in FUNCTION_WORDS for w in low):
        return False
    if not name:  # 580 Broadway, 101 Highway: the street word is the name
        return suffix[0].isupper() and suffix.casefold() in ("broadway", "highway", "hwy", "parkway", "turnpike")
    return True


def street_name_suffix_ok(value: str) -> bool:
    """``<Name> <suffix> [number]``: a street named by capitalised words; without a house number only a strong
    suffix (``Abbey Road`` yes, ``World View`` / ``For loop`` / ``Water park`` no)."""
    ws = split_words(value)
    if not ws or ws[0].casefold() in NOT_NAME_START:
        return False
    has_no = ws[-1][0].isdigit()
    words = ws[:-1] if has_no else ws
    if len(words) < 2:
        return False
    suffix = words[-1].casefold()
    if any(w.casefold() in FUNCTION_WORDS or w.casefold() in MEASURE for w in words[:-1]):
        return False
    if not has_no and (suffix not in STRONG_SUFFIX or words[-1][0].islower()):  # not "Hungarian street food"
        return False
    return True


def type_first_ok(value: str) -> bool:
    """``[12] <type> <name> [12]``: the name holds no function word / quantity / technical noun, an everyday-English
    type word (``via``, ``place``, ``route``) is capitalised unless a house number precedes it, and a weak type's
    number is not a year (``et al. Nature 2020``)."""
    ws = split_words(value)
    if len(ws) < 3:
        return False
    no_before = ws[0][0].isdigit()
    body = ws[1:] if no_before else ws
    typ = body[0]
    name = []
    for w in body[1:]:
        if w[0].isdigit():
            break
        name.append(w)
    if not name:
        return False
    if any((w.casefold() in FUNCTION_WORDS or w.casefold() in MEASURE or w.casefold() in NUM_WORDS)
           and w.casefold() not in CONN_WORDS for w in name):
        return False
    if typ.casefold() in CAP_TYPES and not no_before and not typ[0].isupper():
        return False
    nums = [w for w in ws if w[0].isdigit()]
    if nums and not no_before and re.fullmatch(r"(?:19|20)\d\d", nums[-1]) and typ.casefold().rstrip(".") in (
            CAP_TYPES | {"al", "pl", "av", "ave", "r", "c", "ch", "bd", "str", "pr", "imp", "rte", "estr", "rod"}):
        return False
    return True


def lower_street_ok(value: str) -> bool:
    """A lower-case street found by its street word (``65 via lagrange 3``, ``pernilles vei 115``): the name holds
    no function / quantity / counter / technical word, and the house number is not a year."""
    ws = split_words(value)
    names = [w.casefold() for w in ws if not w[0].isdigit()]
    names = [w for w in names if w not in PRE_WORDS and w not in POST_WORDS and w + "." not in PRE_WORDS
             and w + "." not in POST_WORDS]  # the street word itself (via, str.)
    if any((w in FUNCTION_WORDS or w in MEASURE or w in NUM_WORDS or w in LOWER_NOT_NAME or w in NOT_NAME_START)
           and w not in CONN_WORDS for w in names):
        return False
    return not any(re.fullmatch(r"(?:19|20)\d\d", w) for w in ws if w[0].isdigit()) and any(
        w not in CONN_WORDS for w in names)


def locality_street_ok(value: str) -> bool:
    """``<Locality> <number> <name> <street>``: the locality words are not function / time / counter words, all
    capitalised or all lower case, and the street part passes the number-first checks."""
    m = re.search(r"\d", value)
    loc, street = split_words(value[:m.start()]), value[m.start():]
    if not loc or not street_number_first_ok(street):
        return False
    low = [w.casefold().rstrip(".") for w in loc]
    if any(w in FUNCTION_WORDS or w in NOT_NAME_START or w in NOT_LOCALITY or w in NUM_WORDS or w in MEASURE
           or w in NOT_PLACE or w in SUFFIX_WORDS for w in low):
        return False
    caps = [w[0].isupper() for w in loc]
    return all(caps) or not any(caps) and value == value.lower()


def unit_tail_ok(value: str) -> bool:
    """The words after the unit are place words: no function / counter / measure / sign-off / time word, no code
    identifier."""
    words = split_words(value)[2:]
    if not words:
        return False
    return not any("_" in w or w.casefold().rstrip(".") in (FUNCTION_WORDS | NUM_WORDS | MEASURE | NOT_PLACE |
                                                            NOT_LOCALITY | TAIL_WORDS_NOT) for w in words)


def zip_after_place_ok(value: str) -> bool:
    """``Town 12345`` at a line / clause end: the words are not a counter (``Order 12345``, ``Page 1234``), a
    sign-off, a month, and the number is not a year (``Blade Runner 2045``, ``Nature 2020``)."""
    ws = split_words(value)
    num, place = ws[-1], ws[:-1]
    if re.fullmatch(r"(?:19|20)\d\d", num):
        return False
    return not any(w.casefold() in NUM_WORDS or w.casefold() in FUNCTION_WORDS or w.casefold() in NOT_PLACE
                   for w in place)


_SUFFIX_END = re.compile(r"(?i)(?:\b" + STREET_SUFFIX + r"\.?|\d(?:st|nd|rd|th))$|^\d{1,3}(?:st|nd|rd|th)\b")


_CROSS_HEAD = re.compile(r"(?i)^(?:the\s+)?(?:corner|intersection|junction|crossroads?|esquina|angle|coin|incrocio|"
                         r"ecke)\s+(?:of|de|du|di|von|der)\s+(?:the\s+)?")


def cross_ok(value: str) -> bool:
    """Two street names: one of them has a street word, an ordinal or a house number (not "General Relativity and
    Quantum Mechanics"), and no page / table / step numbers."""
    parts = re.split(r"\s+(?:and|&|y|et|und|e|at)\s+", _CROSS_HEAD.sub("", value), maxsplit=1)
    if len(parts) != 2 or any(not p.split() or p.split()[0].casefold() in NOT_NAME_START for p in parts):
        return False
    if any(w.casefold() in NUM_WORDS or w.casefold() in FUNCTION_WORDS for p in parts for w in split_words(p)):
        return False
    return any(_SUFFIX_END.search(p.strip()) or re.search(r"\d", p) for p in parts)


def block_ok(value: str) -> bool:
    """A postal block: no function / counter / measure / sign-off words (a region code in capitals such as ``SO``
    / ``IN`` / ``OR`` and the ``and`` of a country name on the last line are fine), no year as the postcode or as
    the street line's number, no code identifiers, at most one empty line, and a town before the postcode when
    the block is just two lines."""
    lines = value.split("\n")
    if any(len(l.strip()) > 40 for l in lines) or sum(1 for l in lines if not l.strip(" \t>,")) > 1:
        return False
    bad = FUNCTION_WORDS | NUM_WORDS | MEASURE | NOT_PLACE
    for k, line in enumerate(lines):
        for w in split_words(line):
            f = w.casefold().strip(".,")
            if "_" in w or re.search(r"[a-z][A-Z]", w):  # snake_case / camelCase: code, not a place
                return False
            if f in bad and f not in CONN_WORDS and f not in EMPTY_FIELD and not (
                    w.isupper() and len(w) <= 3 or f == "and" and k == len(lines) - 1
                    # "12 via Roma 4": the street word is no function word
                    or k == 0 and (w.casefold() in PRE_WORDS or f in PRE_WORDS or f in POST_WORDS)):
                return False
    first = split_words(lines[0])
    last = split_words(lines[-1])
    if re.fullmatch(r"(?:19|20)\d\d", last[-1]) or first[-1][0].isdigit() and re.fullmatch(r"(?:19|20)\d\d",
                                                                                             first[-1]):
        return False
    places = [w for w in last[:-1] if w.casefold() not in EMPTY_FIELD]
    if len(lines) > 2:
        return True
    # two lines: the first names a street (a street word), or the second is "Town, ST 12345" / "Town N/A 12345"
    # (a region field, filled or empty)
    return bool(places) and (len(last) > 2 or "," in lines[-1] or any(
        w.casefold().rstrip(".") in STREET_WORDS or w.casefold().endswith(GLUED_ENDS) for w in first))
