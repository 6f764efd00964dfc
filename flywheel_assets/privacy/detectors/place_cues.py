"""Places licensed by a cue: an unknown word after ``grew up in`` / ``born in`` / ``moved from``, ``X-based``,
``the X region``, and ``Town, Country`` pairs (part of the place gazetteer, see ``gazetteer.py``)."""

from __future__ import annotations

import re

from ..lexicons.base import fold_place
from ..lexicons.names import word_class
from ..lexicons.place_words import BRANDS, MONTHS_DAYS, ROLES, TECH
from ..lexicons.places import CUE, KIND_CITY, english_form, lexicon, place_tokens, plain_words, word_lists
from .base import DisjointExtents, Span, overlap_test
from .place_base import ENTITY, POSSESSIVE, SCORE, SOURCE

# --- unknown words licensed as places by a strong cue -------------------------------------------------------------
# "grew up in X", "born in X", "moved (here) from X", "lives in X", "I'm from X", "X-based", "the X region": a word
# that is neither an English word nor a given name (lexicons.names.word_class == 1) nor a product / tech name is taken
# as a place with a lower score than the gazetteer's. Lower case: only after the strongest (biographic) cues, and
# then also a gazetteer country / city whose lower-case form is an everyday noun ("born in turkey").
CUE_SCORE = 0.45
STRONG_PLACE_CUE = (r"grew[ \t]+up[ \t]+in|born[ \t]+(?:and[ \t]+(?:raised|bred)[ \t]+)?in|raised[ \t]+in|"
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
    r"(?=[gbrmlvhniwtfascGBRMLVHNIWTFASC])\b(?:(?P<strong>" + STRONG_PLACE_CUE + r")|" + _WEAK_PLACE_CUE + r")[ \t]+(?:the[ \t]+)?"
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
_NEXT_NOT_PLACE = re.compile(r"[ \t]*(?:\(|[./@_]\w)")


def _unknown_place_word(w: str, cap: bool) -> bool:

    w = POSSESSIVE.sub("", w)  # "moved to Maria's place": the owner decides
    f = fold_place(w)
    if f in BRANDS or f in TECH or f in MONTHS_DAYS or f in ROLES or len(f) < 3:
        return False
    if cap and not (w[:1].isupper() and (w[1:].islower() or "-" in w or "'" in w or "’" in w)):
        return False  # CamelCase / ALL CAPS: product names, acronyms
    if not cap and (len(f) < 5 or english_form(f, plain_words(), word_lists()[2])):
        return False
    return word_class(w) == 1


def _famous_place(w: str) -> bool:
    """A capitalised one-word gazetteer place that needs no cue (not a brand, not an English word)."""
    f = fold_place(w)
    ent = lexicon().get(f)
    return bool(ent) and w[:1].isupper() and f not in BRANDS and f not in plain_words() and \
        any(not rest and t != CUE for rest, t, _k in ent)


# "Kvarnbyn, Sweden", "KVARNBYN, SWEDEN": an unknown capitalised word right before ", <country / region>" that ends
# the phrase (not "Hola, Mexico is ..."); the country / region is a gazetteer match already
_PAIR_BEFORE = re.compile(r"(?<![\w.\-/@'’])(?P<w>[^\W\d_][^\W\d_'’\-]*[^\W\d_])[ \t]*,[ \t]*$")
PAIR_END = re.compile(r"[ \t]*(?:$|[\n\r.,;:)!?]|\d)")
GREETINGS = frozenset("""hola bonjour hallo ciao salut namaste aloha shalom merhaba privet hej ola salaam salam
konnichiwa ahoj servus moin gracias merci danke grazie obrigado""".split())


def pair_places(text: str, found: list[Span], extra: list[Span]) -> list[Span]:
    out = []
    lex = lexicon()
    taken = overlap_test(found + extra)
    for sp in found:
        if sp.score != SCORE or not PAIR_END.match(text, sp.end):
            continue
        toks = place_tokens(text[sp.start:sp.end])
        ent = lex.get(toks[0]) if toks else None
        if not ent or not any(rest == toks[1:] and kind != KIND_CITY for rest, _t, kind in ent):
            continue
        m = _PAIR_BEFORE.search(text, max(0, sp.start - 40), sp.start)
        if not m:
            continue
        w = m.group("w")
        if fold_place(w) in GREETINGS:
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


def cue_places(text: str, taken: list[Span]) -> list[Span]:
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
                famous = ent and f not in BRANDS and f not in plain_words() and \
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
            if POSSESSIVE.search(text, e - 2, e):
                e -= 2  # "Zubrovka's capital"
            if _NEXT_NOT_PLACE.match(text, e) or (s > 0 and text[s - 1] in "/@_.#$\\"):
                continue
            if in_taken(s, e) or not placed.free(s, e):
                continue
            placed.add(s, e)
            out.append(Span(s, e, ENTITY, CUE_SCORE, SOURCE))
    return out


# compound place names built with a local prefix or connector (general toponymy, not a lexicon of places)
