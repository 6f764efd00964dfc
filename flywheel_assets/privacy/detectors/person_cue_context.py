"""PERSON cue steps that read a name's context: lower-case chat, weak cues, lone names, speaker labels, lists of
names, strong cues (``my name is``), surnames after a cue and everyday-word names (part of ``person_cues``)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..lexicons.names import fold, is_place_name, is_verb_or_adjective, name_frequency
from .base import Span
from .person_cue_words import (AFTER_INTRO, CueText, HERE, HERE_BEFORE, LIST, LONE_FREQ, LONE_FREQ_NOUN, POSSESSIVE,
                               SAID, SCORE, SENT_START, SOURCE, SPEAKER, VOCATIVE_AFTER, VOCATIVE_BEFORE, allowed_terms,
                               everyday_given, is_cap, last_names, list_members, not_given, shorthand, take_name,
                               word_cls, word_core, word_info)

_I = re.IGNORECASE

# --- lower-case chat (``truecase.is_lowercase_text``): what a found name's neighbours add ---------------------------
# an honorific right before a name: "mrs. helena petrova", "dr lindqvist" (the cased "Mrs. X" is rules' title_name)
_HONORIFICS = frozenset(("mr", "mrs", "ms", "mx", "dr", "prof"))
_HONORIFIC_B = re.compile(r"(?<![\w.])(?i:mr|mrs|ms|mx|dr|prof)\.?[ \t]+\Z")
# a post-nominal after a lower-case full name: "anna keller md", "lori tretyakova, dds", "robert lang jr."
_LOWER_SUFFIX = re.compile(r",?[ \t]+(?:jr\.?|sr\.?|esq\.?|ph\.?d\.?|m\.d\.|md|dds|d\.d\.s\.|dvm|iii)(?![\w\-])")


def extend_lowercase(tx: CueText, out: list[Span]) -> list[Span]:
    """In lower-case chat (its capitals carry no information about names), a found name grows by what sits next to it:
    a lower-case honorific before it (``mrs. catherine``), a census last name that is no verb / adjective / adverb
    right after a lone given name (``miriam finch``, ``olga schäfer``; not ``emily good``, ``sarah back``), and a
    post-nominal after a full name (``anna keller md``). Other texts: only the honorific before a lower-case name
    (rules' title pattern needs a capital after it)."""
    text = tx.text
    lower = tx.lowercase
    starts = {a: k for k, (a, _b, _w) in enumerate(tx.toks)}
    res: list[Span] = []
    for sp in out:
        a, b = sp.start, sp.end
        if sp.source == SOURCE and a > 2 and text[a].islower():  # "Dr. Łukasz Nowak": rules' title_name
            hm = _HONORIFIC_B.search(text, max(0, a - 8), a)
            if hm:  # the name itself stays a span too ("dr. abernathy" and "abernathy")
                a = hm.start()
                res.append(sp)
        k = starts.get(sp.start)
        if k is not None and k + 1 < len(tx.toks) and tx.toks[k][2].casefold() in _HONORIFICS:
            k += 1  # "dr. jukka virtanen md"
        if lower and sp.source == SOURCE and k is not None:
            _s0, e0, w0 = tx.toks[k]
            if e0 == b and w0.islower() and word_cls(w0) >= 2 and k + 1 < len(tx.toks):
                ns, ne, nw = tx.toks[k + 1]
                if text[e0:ns] == " " and nw.islower() and _surname_word(nw) and \
                        not CODE_AFTER.match(text, ne) and not SAID.match(text, e0):
                    b = ne
            if e0 < b and w0.islower() and word_cls(w0) >= 2:
                sm = _LOWER_SUFFIX.match(text, b)
                if sm:
                    b = sm.end()
        res.append(sp if (a, b) == (sp.start, sp.end) else Span(a, b, sp.entity_type, sp.score, sp.source))
    if lower and ("," in text or " and " in text or "&" in text):
        res.extend(_lower_list_members(tx, res, starts))
    return res


SEP_AFTER = re.compile(r"[ \t]*,[ \t]*(?:(?:and|&)[ \t]+)?|[ \t]+(?:and|&)[ \t]+")
SEP_BEFORE = re.compile(r"(?:[ \t]*,[ \t]*(?:(?:and|&)[ \t]+)?|[ \t]+(?:and|&)[ \t]+)\Z")


def _lower_list_members(tx: CueText, found: list[Span], starts: dict[int, int]) -> list[Span]:
    """Lower-case coordinated names next to a found one (``our founders: chaussée, blair and parks``): the whole
    chain of one-word members joined by ``,`` / ``and`` / ``&`` must be given names or surname-like words
    (``_surname_word``), one of them besides the found name a given name or unknown word; else none is taken
    (``emma, coffee and tea``)."""
    text, toks = tx.text, tx.toks
    ends = {e: k for k, (_a, e, _w) in enumerate(toks)}
    out: list[Span] = []
    for sp in found:
        if sp.source != SOURCE or sp.start not in starts or sp.end not in ends:
            continue
        chain: list[int] = []
        ok = True
        k = starts[sp.start]
        while ok:  # leftwards
            m = SEP_BEFORE.search(text, max(0, toks[k][0] - 8), toks[k][0])
            j = ends.get(m.start()) if m else None
            if j is None:
                break
            k = j
            ok = _list_member(toks[k][2]) > 0
            chain.append(k)
        k = ends[sp.end]
        while ok:  # rightwards
            m = SEP_AFTER.match(text, toks[k][1])
            j = starts.get(m.end()) if m else None
            if j is None:
                break
            k = j
            ok = _list_member(toks[k][2]) > 0 and not CODE_AFTER.match(text, toks[k][1])
            chain.append(k)
        if ok and chain and sum(1 for j in chain if _list_member(toks[j][2]) == 2) >= 1:
            out.extend(Span(toks[j][0], toks[j][1], "PERSON", SCORE, SOURCE) for j in sorted(chain))
    return out


def _list_member(w: str) -> int:
    """2: a lower-case given name or unknown word (a strong member); 1: a census last name (``parks``, ``coffee``:
    only beside a strong member and the found name); 0: no name."""
    if not w.islower() or shorthand(w):
        return 0
    c = word_cls(w)
    if c >= 2 and w.casefold() not in not_given() or c == 1 and len(w) >= 3:
        return 2
    return 1 if _surname_word(w) else 0

@lru_cache(maxsize=16384)
def _surname_word(w: str) -> bool:
    """A lower-case word that may be a surname after a given name: a census last name (the 88,799 of ``names``) or
    an unknown word, that is no stop word, no English verb / adjective / adverb (the word itself: ``good``, ``back``,
    ``young``) and no given name of its own."""
    from ..lexicons.names import all_name_tokens, english_vocabulary
    from ..lexicons.base import skip_words

    f = fold(w)
    if len(f) < 3 or f in skip_words() or f in english_vocabulary()[0] or word_cls(w) >= 2 or shorthand(w):
        return False
    return f in all_name_tokens() or word_cls(w) == 1


DETERMINERS = frozenset("""a an the this that these those every each any some no another such our your their its
of""".split())
_PLACE_PREPOSITIONS = frozenset("in at near via outside inside around across towards toward within".split())
# first words of place names ("San Diego", "Fort Worth"): the next capitalised word is no lone given name
_PLACE_PREFIXES = frozenset("""san santa santo sao são la le el los las st saint sainte fort port mount mt new north
south east west lake cape hong upper lower greater""".split())
# a JSON / form value under a place key ("city": "Charlotte") is no person
_PLACE_KEY_BEFORE = re.compile(r"(?i:city|town|state|country|province|region|county|district|street|address\w*|"
                               r"location|place|destination|origin|airport|hotel|venue|station)[\"'*_]*[ \t]*[:=]"
                               r"[\"'*_]*[ \t]*[\"'*_]*\Z")
_STATE_AFTER = re.compile(r",[ \t]*[A-Z]{2}\b")  # "Madison, WI": a place
_CODE_BEFORE = re.compile(r"[:=(<\[{/\\|@#$`_.]\Z")
MARKUP_BEFORE = re.compile(r"[=(<\[{/\\|@#$`_.]\Z")
CODE_AFTER = re.compile(r"[ \t]*[)\]}>=×|/\\@`_(]|\.\w")


def weak_ok(tx: CueText, i: int, r: tuple[int, int]) -> bool:
    """A name found from a weak cue: not a lone big-city name (``and Milan``), not followed by a capitalised English
    word (``Yun Express``, ``Gellért Baths``: an organisation or place named after someone)."""
    j, end = r
    if j == i and (is_place_name(word_core(tx.toks[i][2])) or _STATE_AFTER.match(tx.text, end)):
        return False
    if _PLACE_KEY_BEFORE.search(tx.text, max(0, tx.toks[i][0] - 30), tx.toks[i][0]):
        return False
    if j + 1 < len(tx.toks) and tx.text[end:tx.toks[j + 1][0]] == " " and is_cap(tx.toks[j + 1][2]):
        return False
    return True


def lone_name(tx: CueText, i: int, win: str, c: int) -> bool:
    """A capitalised given name that is no English word (``Priya``, ``Jukka``), standing alone: frequent in the name
    sources, not part of a longer capitalised name (``San Diego``, ``Hyundai Kona``), not after a determiner
    (``the Loli Brigade``), not in code (``(n : Nat)``)."""
    s, e, w = tx.toks[i]
    core = word_core(w)
    if name_frequency(core) < (LONE_FREQ if c == 3 else LONE_FREQ_NOUN) or is_place_name(core) or \
            c == 2 and is_verb_or_adjective(core):
        return False
    text = tx.text
    if i > 0:
        ps, pe, pw = tx.toks[i - 1]
        gap = text[pe:s]
        pf = pw.casefold()
        if gap in (" ", "  ") and (is_cap(pw) and not SENT_START.search(text[max(0, ps - 3):ps]) or
                                   pf in DETERMINERS or pf in _PLACE_PREPOSITIONS or pf in _PLACE_PREFIXES):
            return False
    if _STATE_AFTER.match(text, e) or _PLACE_KEY_BEFORE.search(win):
        return False
    if i + 1 < len(tx.toks) and text[e:tx.toks[i + 1][0]] == " " and is_cap(tx.toks[i + 1][2]):
        return False
    stripped = win.rstrip(" \t")
    return not (_CODE_BEFORE.search(stripped) or CODE_AFTER.match(text, e))


def given_name_phrase(tx: CueText, i: int, c: int, poss: int, win: str) -> tuple[int, int] | None:
    """A capitalised given name + capitalised non-English words (a full name), ``X said``, ``X's laptop``,
    ``..., X?`` (vocative), ``X here`` opening a message or line."""
    text = tx.text
    s, e, w = tx.toks[i]
    if not poss and i + 1 < len(tx.toks) and text[e:tx.toks[i + 1][0]] == " ":
        r = take_name(tx, i, first_min=2, lower_min=None, max_tokens=3)
        if r is not None and r[0] > i:
            return r
    if poss:  # possessive of a given name followed by a lower-case word: "Priya's laptop"
        if c == 3 and e + 1 < len(text) and text[e] == " " and text[e + 1].islower():
            return i, e - poss
        return None
    if SAID.match(text, e) or VOCATIVE_AFTER.match(text, e) and VOCATIVE_BEFORE.search(win) or \
            HERE.match(text, e) and (i == 0 or HERE_BEFORE.search(win)):
        return i, e
    # vocatives ending a clause: "..., Michael, I ...", "don't leave me Michael," "thank you Anna."
    if text.startswith(",", e) and VOCATIVE_BEFORE.search(win) and not _RELATIVE_AFTER.match(text, e) or \
            _VOCATIVE_END.match(text, e) and _VOCATIVE_PRONOUN_B.search(win):
        return i, e
    return None
def speaker_labels(tx: CueText, out: list[Span]) -> None:
    text = tx.text
    if ":" not in text:
        return
    labels = [(m.start(1), m.end(1), m.group(1)) for m in SPEAKER.finditer(text)]
    if not labels:
        return
    counts: dict[str, int] = {}
    for _, _, lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    # labels that are capitalised non-English words count only in a dialogue: two such labels, each used twice
    unknown = sorted(lab for lab, k in counts.items() if k >= 2 and all(
        is_cap(w) and len(w) >= 3 and word_cls(w) >= 1 for w in lab.split()))
    for s, e, lab in labels:
        words = lab.split()
        cls = [word_cls(w) for w in words]
        # a quoted line after the label is speech: 'carol: "where are the keys?"' (names that are everyday words too)
        colon = text.find(":", e)
        quoted = colon != -1 and text[colon + 1:colon + 4].lstrip(" \t")[:1] in ('"', "“")
        if all(is_cap(w) for w in words):
            ok = cls[0] >= 2 and all(c >= 1 for c in cls) or len(unknown) >= 2 and lab in unknown or \
                quoted and everyday_given(words[0]) and all(c >= 1 or everyday_given(w) for w, c in
                                                            zip(words[1:], cls[1:]))
        else:
            ok = len(words) == 1 and lab.islower() and (cls[0] == 3 or quoted and (cls[0] == 2 or
                                                                                  everyday_given(lab)))
        if ok:
            out.append(Span(s, e, "PERSON", SCORE, SOURCE))

def lists(tx: CueText, out: list[Span]) -> None:
    text = tx.text
    if "," not in text and " and " not in text and "&" not in text:
        return
    for m in LIST.finditer(text):
        members = list_members(text, m)
        if members is None:
            continue
        names: list[tuple[int, int, bool]] = []  # (start, end, confident)
        for k, mem in enumerate(members):
            if k == 0:  # first member: the longest name-like suffix
                cand = None
                for a in range(len(mem)):
                    if _name_like(mem[a:]):
                        cand = mem[a:]
                        break
            elif k == len(members) - 1:  # last member: the longest name-like prefix
                cand = None
                for b in range(len(mem), 0, -1):
                    if _name_like(mem[:b]):
                        cand = mem[:b]
                        break
            else:
                cand = mem if _name_like(mem) else None
            if cand is None:
                names.append((-1, -1, False))
                continue
            first = cand[0][2]
            names.append((cand[0][0], cand[-1][1] - (2 if POSSESSIVE.search(cand[-1][2]) else 0),
                          word_cls(first) >= 2 and (is_cap(first) or word_cls(first) == 3)))
        if sum(1 for n in names if n[2]) >= 2:
            for s, e, _ in names:
                if s >= 0:
                    out.append(Span(s, e, "PERSON", SCORE, SOURCE))


def _name_like(toks: list[tuple[int, int, str]]) -> bool:
    if not toks or len(toks) > 3:
        return False
    cap = is_cap(toks[0][2])
    for _, _, w in toks:
        if is_cap(w) != cap or word_cls(w) < 1:
            return False
        if not cap and not w.islower():
            return False
    if not cap:  # lower-case members: every word a given name or a census last name
        return word_cls(toks[0][2]) >= 2 and all(word_cls(w) >= 2 or word_core(w) in last_names() for _, _, w in toks[1:])
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Everyday-word names after the strongest cues, possessives, name answers, initials and post-nominal suffixes

_VOCATIVE_END = re.compile(r"[ \t]*[,!?.]")
_RELATIVE_AFTER = re.compile(r",[ \t]*(?:which|where|whose|a|an|the|in|on|at)\b", _I)  # "Julian, which is a town"
_VOCATIVE_PRONOUN_B = re.compile(r"\b(?:me|us|you|him|her|them|please|now|again|too|anymore|sorry|thanks|"
                                 r"okay|ok|yes|no|right)[ \t]+\Z", _I)
# the strongest cues only: a name that is also an everyday word ("Hope", "Will", "carol") needs one of them
NAME_CUE_B = re.compile(r"\b(?:my\s+(?:full\s+|first\s+|real\s+|legal\s+|given\s+|maiden\s+|nick)?name\s*"
                         r"(?:is|was|'s|’s|=|:)"
                         r"|(?:you\s+can\s+|please\s+|just\s+)?call\s+me|i\s+go\s+by(?:\s+the\s+name)?"
                         r"|i\s*(?:'m|’m|\s+am)\s+called|i\s+am\s+named|(?<![\w.])n[ée]e"
                         r"|(?:everyone|everybody|people|friends|my\s+friends|they|most\s+people|folks)\s+"
                         r"(?:usually\s+|just\s+|all\s+)?calls?\s+me)[ \t]*:?[ \t]*\Z", _I)
NAME_CUE_END = frozenset(("is", "was", "me", "by", "called", "named", "name", "nickname", "née", "nee"))
# after the strongest cues a capitalised word is a name even when it is an English word ("call me Will", "my maiden
# name is Christian", "everyone calls me Lind"); not a pronoun, determiner or filler ("call me the boss", "call me
# Anything")
STRONG_STOP = frozenset("""a an the this that these those my your his her our their its it me you him them us i we
they he she not no yes so just now here there maybe sure anytime anything whatever whenever anyone someone something
somebody everyone nothing what who please back ok okay sir madam maam ma'am mister miss mr mrs ms dr crazy
old later tomorrow today tonight soon again if when and or but""".split())
_TITLE_CUE = re.compile(r"\b[A-Z][\w'’]*[ \t]+[A-Z][\w'’]*[ \t]*:?[ \t]*\Z")  # "Call Me Maybe": a title, no cue


def strong_word(tx: CueText, i: int) -> bool:
    """A capitalised word after one of the strongest cues (the caller checked the cue): no pronoun / determiner /
    filler, no allow-listed product or assistant name, the cue itself not title-cased (``Call Me Maybe``)."""
    s, _e, w = tx.toks[i]
    f = fold(word_core(w))
    if not is_cap(w) or len(f) < 2 or f in STRONG_STOP or f in allowed_terms() or \
            f in not_given() and name_frequency(f) < 1_000:
        return False
    return not _TITLE_CUE.search(tx.text, max(0, s - 30), s)


# surname cues: an unknown word (word_class 1, either case) or a census surname after them is a surname
_SURNAME_CUE_B = re.compile(
    r"(?:\b(?:maiden|sur|family|last|birth)[ \t]*name[ \t]*(?:is|was|:|=)?|\bn[ée]e|"
    r"\b(?:mr|mrs|ms|mx|dr|prof)\.?|(?<![\w.])the)[ \t]*:?[ \t]*\Z", _I)
SURNAME_CUE_END = frozenset(("is", "was", "name", "surname", "née", "nee", "mr", "mrs", "ms", "mx", "dr", "prof",
                              "the"))
_FAMILY_AFTER = re.compile(r"[ \t]+(?:family|families|household|residence|twins|brothers|sisters)\b", _I)


def surname_after_cue(tx: CueText, i: int, cap: bool, c: int) -> bool:
    s, e, w = tx.toks[i]
    prev = tx.toks[i - 1][2].casefold()
    if prev == "the":  # "the Okafor family" (capitalised only; "the smith family" is too ambiguous)
        return cap and c == 1 and _FAMILY_AFTER.match(tx.text, e) is not None and not word_info(w)[2]
    if not _SURNAME_CUE_B.search(tx.text, max(0, s - 40), s):
        return False
    if c >= 1:
        return cap or w.islower() and len(w) >= 3 and not CODE_AFTER.match(tx.text, e)
    return cap and prev not in ("is", "was") and word_core(w).casefold() in last_names()


def everyday_name(tx: CueText, i: int, cap: bool) -> tuple[int, int] | None:
    """``My name is Hope (Kowalczyk)`` / ``call me will.``: the word, plus a following surname."""
    toks, text = tx.toks, tx.text
    s, e, w = toks[i]
    poss = word_info(w)[2]
    if poss:
        return None
    if not cap and not w.islower():
        return None
    if i + 1 < len(toks) and text[e:toks[i + 1][0]] == " ":
        nw = toks[i + 1][2]
        if cap and is_cap(nw):
            r = take_name(tx, i + 1, first_min=1, lower_min=None, max_tokens=2)
            if r is not None:
                return r
            if word_core(nw).casefold() in last_names():
                return i + 1, toks[i + 1][1] - word_info(nw)[2]
        if not cap and nw.islower() and (word_cls(nw) >= 1 or word_core(nw) in last_names()):
            return i + 1, toks[i + 1][1] - word_info(nw)[2]
    if not AFTER_INTRO.match(text, e):
        return None
    return i, e


# credits name people: "directed by X", "co-starring X", "a novel by X" (never "sorted by", "powered by": code and
# products)
