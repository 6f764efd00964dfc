"""Lower-case (or shouted) surname firms: after an organisation cue (``i work at morrison, keller and dunn``,
``represented by hale & dorr``) and lists of 3+ census surnames without a cue.
"""

from __future__ import annotations

import re

from ..lexicons.names import first_names
from ..lexicons.org_words import CALENDAR, DEMONYMS
from .base import Span
from .org_base import SCORE, SOURCE, place_words, stop_words

# "i work at morrison, keller and dunn", "represented by hale & dorr": a lower-case surname firm after a strong
# organisation cue; every part a census last name, no stop / calendar / nationality word, at most one everyday word
_LOWER_FIRM = re.compile(
    r"\b(?:(?:works?|worked|working|interned|interning|employed)[ \t]+(?:at|for|by)|joined|hired[ \t]+by|"
    r"represented[ \t]+by|offer[ \t]+from|(?:partners?|associates?|lawyers?|attorneys?|accountants?|paralegals?|"
    r"counsel|interns?|clerks?)[ \t]+(?:at|with)|(?:law|accounting|accountancy|architecture)[ \t]+firm(?:[ \t]+of|,)?)"
    r"[ \t]+(?:the[ \t]+)?"
    r"(?P<name>[a-z][a-z'’]+(?:[ \t]*,[ \t]*[a-z][a-z'’]+){0,3},?[ \t]+(?:and|&)[ \t]+[a-z][a-z'’]+|"
    r"[a-z][a-z'’]+[ \t]*&[ \t]*[a-z][a-z'’]+)(?![\w\-'’@])")


# the same list shape without a cue (3+ parts: "reach out to delgado, frye and bauer"; also shouted, "ORTEGA, FRYE AND
# BAUER"), read on a lower-cased copy: no part may be a given name or an everyday word, as the mixed-case form allows
_LOWER_FIRM_LIST = re.compile(r"(?<![\w\-'’@.])(?P<name>[a-z][a-z'’]+(?:[ \t]*,[ \t]*[a-z][a-z'’]+){1,3},?[ \t]+"
                              r"(?:and|&)[ \t]+[a-z][a-z'’]+)(?![\w\-'’@])")


def _firm_list(text: str) -> list[Span]:
    low = text.lower()
    if len(low) != len(text) or ", " not in text:
        return []
    from ..lexicons.places import census_surnames

    out = []
    plain = place_words()[1]
    for m in _LOWER_FIRM_LIST.finditer(low):
        orig = text[m.start("name"):m.end("name")]
        if not (orig.islower() or orig.isupper()):
            continue  # mixed case: the capitalised surname-firm rule decides
        parts = [p for p in re.findall(r"[a-z'’]+", m.group("name")) if p != "and"]
        if len(parts) < 3 or any(p not in census_surnames() or p in stop_words() or p in CALENDAR or
                                 p in first_names() or p.capitalize() in DEMONYMS for p in parts):
            continue
        if parts[0] in plain or sum(p in plain for p in parts) > 1:
            continue  # "wood, stone and glass", "red, green and blue"
        out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out


def lower_firms(text: str) -> list[Span]:
    out = _firm_list(text) if ", " in text else []
    for m in _LOWER_FIRM.finditer(text):
        parts = [p for p in re.findall(r"[a-z'’]+", m.group("name")) if p != "and"]
        plain = place_words()[1]
        if len(parts) < 2 or ("&" not in m.group("name") and parts[0] in plain) or sum(p in plain for p in parts) > 1:
            continue
        from ..lexicons.places import census_surnames  # the census list as is (lexicons.names.lexicon drops surnames that are nouns)

        if all(p in census_surnames() and p not in stop_words() and p not in CALENDAR and
               p.capitalize() not in DEMONYMS for p in parts):
            out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out
