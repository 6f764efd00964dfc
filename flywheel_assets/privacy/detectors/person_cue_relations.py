"""Relational PERSON cues: kinship / social possessives, appositions, naming verbs, ``X and I``, vocatives in direct
speech, and lists of people (``extend_name_lists``) (part of ``person_cues``)."""

from __future__ import annotations

import re

from ..lexicons.names import fold, is_place_name, name_frequency
from .base import Span
from .person_cue_context import SEP_AFTER, SEP_BEFORE
from .person_cue_forms import NAME_WORD_BEFORE
from .person_cue_words import (CueText, LIST, SCORE, SENT_START, SOURCE, TOKEN, allowed_terms, is_cap, last_names,
                               list_members, not_given, surname_like, take_name, word_cls, word_core, word_info)

_I = re.IGNORECASE

# ---------------------------------------------------------------------------------------------------------------------
# Relational cues: kinship / social possessives, appositions, naming verbs, "X and I", vocatives in direct speech

# relations that only people have (a company has partners and clients, but no daughter or grandmother)
_KIN = (r"daughters?|sons?|wife|wives|husbands?|mother|mom|mum|mommy|mummy|father|dad|daddy|sisters?|brothers?|"
        r"siblings?|twin|cousins?|aunt|auntie|uncle|nieces?|nephews?|grandmother|grandfather|grandma|grandpa|granny|"
        r"grandson|granddaughter|grandchildren|grandkids?|stepson|stepdaughter|stepmother|stepfather|stepmom|stepdad|"
        r"mother-in-law|father-in-law|sister-in-law|brother-in-law|daughter-in-law|son-in-law|parents|children|"
        r"kids|girlfriend|boyfriend|fiancée?|fiance|fiancee|widow|widower|ex-wife|ex-husband|spouse|best\s+friend")
# social relations: a company can have these too, so the name must look like a person's (a given name, or a
# surname-like word that is no product / place)
_SOCIAL = (r"friends?|boss|manager|colleagues?|co-?workers?|partner|roommate|flatmate|classmates?|neighbou?rs?|"
           r"teacher|mentor|coach|tutor|therapist|doctor|lawyer|attorney|landlord|landlady|assistant|secretary|"
           r"buddy|pal|mate|bf|gf")
_REL_MOD = r"(?:(?:new|old|late|younger|older|little|big|baby|eldest|oldest|youngest|only|former|current|ex|step|" \
           r"twin|best|own|dear|beloved|elder)[ \t\-]+){0,2}"
_NAME_WORD = r"[^\W\d_][\w\-]*"
_POSS_REL = re.compile(r"['’]s[ \t]+" + _REL_MOD + r"(?:(?P<kin>" + _KIN + r")|(?P<soc>" + _SOCIAL +
                       r"))(?![\w\-])", _I)
_APPOS_REL = re.compile(r"[ \t]*(?:,|\(|–|—)[ \t]*(?:my|our|his|her|their)[ \t]+" + _REL_MOD + r"(?:(?P<kin>" +
                        _KIN + r")|(?P<soc>" + _SOCIAL + r"))(?![\w\-'’])", _I)
# the one or two words just before a relation ("Okafor's", "Anna Nowak, my sister")
_X_BEFORE = re.compile(r"(?<![\w'’\-])(" + _NAME_WORD + r"(?:[ \t]+" + _NAME_WORD + r")?)\Z")
_THIRD_REL = re.compile(r"\b(?:our|his|her|their)[ \t]+" + _REL_MOD + r"(?P<kin>" + _KIN + r")[ \t]*,?[ \t]*\Z", _I)
_NAMING = re.compile(r"\b(?:(?:named|called|calls|call|name)[ \t]+(?:him|her|them)|(?:man|woman|guy|girl|boy|lady|"
                     r"gentleman|person|someone|somebody|kid|child|baby|son|daughter|brother|sister|friend|"
                     r"colleague|character|protagonist|teacher|doctor|student|boss)[ \t]+(?:named|called))"
                     r"[ \t]+\Z", _I)
_AND_I = re.compile(r"(?<![\w'’\-])(?P<x>" + _NAME_WORD + r")[ \t]+and[ \t]+I(?:[ \t]+|['’](?:ve|ll|d)\b)(?!am\b)"
                    r"(?=[a-z'’])")
_ME_AND = re.compile(r"\b(?:me|myself)[ \t]+and[ \t]+\Z", _I)
_SPEECH_OPEN = re.compile(r"(?:^|\n|[,.!?][ \t]*)[ \t]*[\"“][ \t]*\Z")  # a quote opening a turn of speech
_SPACED_COMMA_BEFORE = re.compile(r",[ \t]+\Z")  # prose, not "a,b,c" values
_SPACED_COMMA_AFTER = re.compile(r",[ \t]+[^\W\d_]")
_QUOTE_CLOSE_VOC = re.compile(r"[ \t]*[,!?.]?[ \t]*[\"”]")
_SPEECH_TAG = re.compile(r"[ \t]*,[\"”][ \t]*(?:[^\W\d_]+[ \t]+)?(?:said|says|asked|asks|replied|whispered|shouted|"
                         r"cried|called|yelled|answered|added|continued|muttered|sighed|laughed)\b", _I)


def _person_word(w: str, *, lower_ok: bool, strong: bool) -> bool:
    """One word of a name found by a relational cue. Capitalised: a given name (no assistant / role / stop word), or
    (``strong``: a kinship cue) a non-English word, else a surname-like word (letters only, >= 4, no product) that
    is a census surname (``Netflix and I``, ``Nvidia's partner``: brands are unknown words too). Lower case (only
    where ``lower_ok``: lower-case text): a given name."""
    core = word_core(w)
    f = fold(core)
    if f in not_given() or f in allowed_terms() or len(f) < 2:
        return False
    cap, c, _ = word_info(core)
    if cap:
        if c >= 2:
            return True
        return c == 1 and (strong and core.isalpha() or surname_like(core) and f in last_names()) and \
            not is_place_name(core)
    return lower_ok and core.islower() and c >= 2


def _name_from(text: str, start: int, end: int, *, lower_ok: bool, strong: bool) -> tuple[int, int] | None:
    """The name inside ``text[start:end]`` (one or two words): both words person-like -> both; else the last word."""
    words = [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text, start, end)]
    if not words:
        return None
    last = words[-1]
    if not _person_word(last[2], lower_ok=lower_ok, strong=strong):
        return None
    if len(words) == 2:
        first = words[0]
        both_cap = is_cap(first[2]) and is_cap(last[2])
        both_low = first[2].islower() and last[2].islower()
        if both_cap and _person_word(first[2], lower_ok=False, strong=True) and word_cls(first[2]) >= 1 or \
                both_low and lower_ok and word_cls(first[2]) >= 2:
            return first[0], last[1]
        if both_cap and word_cls(first[2]) >= 1 and fold(first[2]) not in not_given():
            return None  # "Visual Kovac's" is unclear; "Tesla Motors' partner" is no person
    return last[0], last[1]


def relations(tx: CueText, out: list[Span]) -> None:
    """PERSON names from relations only people have: ``Priya's daughter``, ``Okafor's wife``, ``Tomasz, my
    brother``, ``her husband Jukka``, ``a guy named Zdeněk``, ``Jukka and I``, ``me and Priya``, and vocatives in
    direct speech (``"Zdeněk, come here!"``, ``"..., Okafor!"``). Kinship words take any capitalised non-English
    word; social words (``friend``, ``boss``, ``partner``: companies have them too) a given name or a surname-like
    word that is no product, place or assistant name."""
    text = tx.text
    low = text.casefold()
    lower_ok = tx.lowercase
    if "'s " in low or "’s " in low:
        for m in _POSS_REL.finditer(text):
            xm = _X_BEFORE.search(text, max(0, m.start() - 60), m.start())
            r = xm and _name_from(text, xm.start(1), xm.end(1), lower_ok=lower_ok, strong=m.group("kin") is not None)
            if r:
                out.append(Span(r[0], r[1], "PERSON", SCORE, SOURCE))
    if " my " in low or " our " in low or " his " in low or " her " in low or " their " in low:
        for m in _APPOS_REL.finditer(text):
            xm = _X_BEFORE.search(text, max(0, m.start() - 60), m.start())
            r = xm and _name_from(text, xm.start(1), xm.end(1), lower_ok=lower_ok, strong=m.group("kin") is not None)
            if r:
                out.append(Span(r[0], r[1], "PERSON", SCORE, SOURCE))
    toks = tx.toks
    has_and = " and " in low
    has_quote = '"' in text or "“" in text
    # only words right after a trigger word (naming verb, kinship word, "and") or a comma / quote in direct speech
    voc = {m.end() for m in _VOC_TRIGGER.finditer(text)} if has_quote else set()
    for i in range(len(toks)):
        s, e, w = toks[i]
        pw = toks[i - 1][2].casefold() if i else ""
        if pw not in _TRIG_WORDS and s not in voc:
            continue
        cap = is_cap(w)
        if not cap and not lower_ok:
            continue
        r = None
        if pw in ("him", "her", "them", "named", "called") or pw.rstrip("s") in _KIN_SET:
            win = text[max(0, s - 50):s]
            if _NAMING.search(win) and _person_word(w, lower_ok=lower_ok, strong=True) or \
                    pw not in ("him", "her", "them", "named", "called") and _THIRD_REL.search(win) and \
                    _person_word(w, lower_ok=lower_ok, strong=True):
                r = take_name(tx, i, first_min=1, lower_min=2 if lower_ok else None, max_tokens=3)
        elif has_and and pw == "and" and _ME_AND.search(text, max(0, s - 20), s) and \
                _person_word(w, lower_ok=lower_ok, strong=False) and \
                not (i + 1 < len(toks) and text[e:toks[i + 1][0]] == " " and is_cap(toks[i + 1][2]) and
                     word_cls(toks[i + 1][2]) == 0):
            r = take_name(tx, i, first_min=1, lower_min=2 if lower_ok else None, max_tokens=3)
        elif cap and has_quote and word_cls(w) == 1 and not word_info(w)[2] and _person_word(w, lower_ok=False, strong=True):
            # vocatives of non-English words in direct speech (given names: given_name_phrase); a surname that is
            # no census name only before a speech tag ('"Not now, Lindqvist," she said')
            before = text[max(0, s - 12):s]
            spaced = _SPACED_COMMA_BEFORE.search(before) is not None
            if spaced and _SPEECH_TAG.match(text, e) or _person_word(w, lower_ok=False, strong=False) and (
                    _SPEECH_OPEN.search(before) and _SPACED_COMMA_AFTER.match(text, e) or
                    spaced and (_QUOTE_CLOSE_VOC.match(text, e) or text.startswith("!", e))):
                r = (i, e)
        if r is not None:
            out.append(Span(s, r[1], "PERSON", SCORE, SOURCE))
    if has_and:
        for m in _AND_I.finditer(text):
            x = m.group("x")
            if not is_cap(x) and not lower_ok:
                continue
            if _person_word(x, lower_ok=lower_ok, strong=False):
                s0 = m.start("x")
                pm = NAME_WORD_BEFORE.search(text, max(0, s0 - 30), s0)
                if pm and text[pm.end(1):s0] == " " and is_cap(pm.group(1)) and word_cls(pm.group(1)) == 0 and \
                        not SENT_START.search(text[max(0, pm.start(1) - 3):pm.start(1)]):
                    continue  # "Visual Studio and I"
                out.append(Span(s0, m.end("x") - word_info(x)[2], "PERSON", SCORE, SOURCE))


_VOC_TRIGGER = re.compile(r"[,\"“][ \t]*(?=[^\W\d_])")
_KIN_SET = frozenset(w.replace("?", "").replace("\\s+", " ") for w in _KIN.split("|")) | \
    frozenset(("daughter", "son", "husband", "brother", "sister", "cousin", "niece", "nephew", "sibling", "grandkid"))
_TRIG_WORDS = _KIN_SET | frozenset(w + "s" for w in _KIN_SET) | frozenset(("him", "her", "them", "named", "called",
                                                                            "and"))


_UNSPACED_COMMA = re.compile(r",[^\s]")


def _given_in_people_list(w: str) -> bool:
    """A capitalised given name that is also a word or a month (April, Amber, Jan), in a list of people: seen often
    in the name sources, no place (Paris, Georgia) and no allow-listed product / tech term."""
    core = word_core(w)
    return is_cap(w) and name_frequency(core) >= 1_000 and not is_place_name(core) and \
        fold(core) not in allowed_terms()


def extend_name_lists(text: str, persons: list[tuple[int, int]]) -> list[Span]:
    """Members of a coordinated list (``A, B and C``) next to a PERSON found by any detector that look like names
    too (a given name, or capitalised surname-like words that are no product / place / assistant name). ``persons``:
    (start, end) of the PERSON spans the cascade already holds. Returns new PERSON spans (sorted)."""
    if not persons or ("," not in text and " and " not in text and "&" not in text):
        return []
    pset = sorted(set(persons))
    if not any(SEP_AFTER.match(text, b) or SEP_BEFORE.search(text, max(0, a - 8), a) for a, b in pset):
        return []  # no person stands next to a list separator
    out: list[Span] = []
    for m in LIST.finditer(text):
        if _UNSPACED_COMMA.search(m.group(0)):
            continue  # "Netflix,Prime,Hulu": a value list, no prose
        members = list_members(text, m)
        if members is None:
            continue
        # a member holding a known person (the first member may carry words before it: "with Priya, ...")
        anchored = []
        for k, mem in enumerate(members):
            a, b = mem[0][0], mem[-1][1]
            anchored.append(any(ps <= a and b <= pe or k == 0 and ps >= a and pe == b or
                                k == len(members) - 1 and ps == a and pe <= b for ps, pe in pset))
        if not any(anchored):
            continue
        # most members already people ("Victor, Andrew, John and April"): a given name that is also a word joins
        mostly_people = sum(anchored) >= 2 and 2 * sum(anchored) >= len(members)
        new: list[tuple[int, int]] = []
        ok = True
        for k, mem in enumerate(members):
            if anchored[k]:
                continue
            if len(mem) > 2 or not all(is_cap(w) for _, _, w in mem) or \
                    not all(_person_word(w, lower_ok=False, strong=True) and (word_cls(w) >= 2 or surname_like(w))
                            for _, _, w in mem):
                if mostly_people and len(mem) == 1 and _given_in_people_list(mem[0][2]):
                    new.append((mem[0][0], mem[0][1] - word_info(mem[0][2])[2]))
                    continue
                ok = False  # one member is no name: a mixed list ("Priya, Docker and Kubernetes")
                break
            new.append((mem[0][0], mem[-1][1] - word_info(mem[-1][2])[2]))
        if ok:
            out.extend(Span(a, b, "PERSON", SCORE, SOURCE) for a, b in new)
    return sorted(set(out), key=lambda sp: (sp.start, sp.end))
