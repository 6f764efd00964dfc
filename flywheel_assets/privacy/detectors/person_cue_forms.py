"""PERSON cue steps that read a name's form: credits (``directed by``), possessives, answers to a name question,
initials, suffixes (``Jr.``, ``PhD``) and lone lower-case names after a person verb (part of ``person_cues``)."""

from __future__ import annotations

import re

from ..lexicons.names import fold, is_place_name, is_verb_or_adjective, name_frequency
from .base import Span
from .person_cue_context import CODE_AFTER, DETERMINERS, MARKUP_BEFORE, STRONG_STOP
from .person_cue_words import (ANSWER_SCORE, CueText, PARTICLES, SCORE, SENT_START, SOURCE, TOKEN, allowed_terms,
                               everyday_given, is_cap, last_names, not_given, particle_run, shorthand, word_cls,
                               word_core, word_info)

_I = re.IGNORECASE

_CREDIT_B = re.compile(
    r"(?:\b(?:(?:co-?)?(?:directed|written|produced|narrated|illustrated|composed|performed|authored)|"
    r"(?:a|an|the|his|her|their|new|latest|famous|classic|great|first|last|another)[ \t]+(?:[\w\-]+[ \t]+)?"
    r"(?:song|novel|film|movie|book|album|poem|play|painting|story|essay|memoir|biography|documentary|symphony|"
    r"opera|sculpture|track|single|record|comic|series|show|sitcom|screenplay|photo|photograph|portrait|mural)s?)"
    r"[ \t]+by|(?<![\w\-])(?:co-?)?starring|(?<![\w\-])featuring)[ \t]+\Z", _I)
CREDIT_END = frozenset(("by", "starring", "co-starring", "costarring", "featuring"))


def _credit_word(w: str, *, first: bool) -> bool:
    """One capitalised word of a credited name: no stop word / pronoun (``by the``, ``by our``), no allow-listed
    product (``written by OpenAI``), no big city; after the first word also any capitalised noun (``Stephen
    King``) but no English verb / adjective (``Studio Ghibli Presents``)."""
    core = word_core(w)
    f = fold(core)
    if not is_cap(core) or len(f) < 2 or not core.replace("-", "").replace("'", "").isalpha() or \
            f in STRONG_STOP or f in allowed_terms() or f in not_given() and name_frequency(f) < 1_000:
        return False
    if first:
        return not is_place_name(core)
    from ..lexicons.names import all_name_tokens

    return word_cls(core) >= 1 or f in last_names() or f in all_name_tokens() or not is_verb_or_adjective(f)


def credit_name(tx: CueText, i: int) -> int | None:
    """End of a credited name starting at token ``i`` (after a credit cue, which this checks): one to four
    capitalised name words (particles inside), the first a given name or no English word (``Frank``, ``Jordan``: an
    everyday first word is left to spaCy; WordNet also lists ``Kurosawa``); ``featuring`` (products too:
    ``featuring Retina Display``) needs a given name first or non-English words only. In lower-case texts: lower-case words that are no English word."""
    toks, text = tx.toks, tx.text
    s, e, w = toks[i]
    m = _CREDIT_B.search(text, max(0, s - 50), s)
    if not m:
        return None
    featuring = m.group(0).casefold().rstrip().endswith("featuring")
    if is_cap(w):
        if not _credit_word(w, first=True) or word_cls(w) < 1:
            return None  # an everyday first word ("Frank", "Jordan", "Hope", "Hand") stays spaCy's
        j = i
        while j + 1 < len(toks) and j - i < 3 and not word_info(toks[j][2])[2] and \
                text[toks[j][1]:toks[j + 1][0]] == " ":
            k = particle_run(tx, j + 1, lower=False)
            if k is not None and k - i < 4:
                j = k
                continue
            if not _credit_word(toks[j + 1][2], first=False):
                break
            j += 1
        words = [toks[k][2] for k in range(i, j + 1) if toks[k][2].casefold() not in PARTICLES]
        if featuring and not (word_cls(words[0]) >= 2 or all(word_cls(x) >= 1 for x in words)):
            return None
        return toks[j][1] - word_info(toks[j][2])[2]
    if not w.islower() or featuring or not tx.lowercase:
        return None
    j = i - 1
    while j + 1 < len(toks) and j + 1 - i < 4 and (j < i or text[toks[j][1]:toks[j + 1][0]] == " "):
        nw = toks[j + 1][2]
        if not nw.islower() or word_cls(nw) < 1 or fold(word_core(nw)) in not_given() or shorthand(nw) or \
                CODE_AFTER.match(text, toks[j + 1][1]):
            break
        j += 1
        if word_info(nw)[2]:
            break
    if j < i or (j == i and word_cls(w) < 1):
        return None
    return toks[j][1] - word_info(toks[j][2])[2]


_SENT_BREAK = re.compile(r"[.!?\n]")


def possessives(tx: CueText, cands: list[tuple[int, int]], out: list[Span]) -> None:
    """Lower-case possessives (``priya's laptop``) kept when their sentence already holds another name."""
    text = tx.text
    found = list(out)
    for i, end in cands:
        s = tx.toks[i][0]
        for sp in found:
            a, b = (sp.end, s) if sp.end <= s else (end, sp.start) if sp.start >= end else (s, s)
            if b - a <= 200 and not _SENT_BREAK.search(text, a, b):
                out.append(Span(s, end, "PERSON", SCORE, SOURCE))
                break


# a question asking for a person's name ("what's the name on the account?", "may I have your full name?")
_NAME_QUESTION = re.compile(
    r"\b(?:(?:your|full|first|last|legal|account\s*holder'?s?|card\s*holder'?s?|passenger'?s?|customer'?s?|"
    r"guest'?s?|travell?er'?s?|patient'?s?|caller'?s?|contact'?s?|recipient'?s?)\s+name|"
    r"name\s+(?:on|under|for)\s+(?:the|your|this)\b|(?<![\w\-])name[ \t]*,?[ \t]*please\b|"
    r"who\s+(?:am\s+i|i'?m)\s+(?:speaking|talking|chatting)\s+"
    r"(?:with|to))[^\n?]{0,80}\?", _I)
_ANSWER_LINE = re.compile(
    r"[ \t]*(?P<lab>[^\W\d_][\w\-]{0,20})[ \t]*:[ \t]*[\"“'*]?[ \t]*"
    r"(?:(?:sure|yes|yeah|ok|okay|of\s+course)[ \t]*[,.!]?[ \t]+)?(?:(?:it'?s|it’s|it\s+is|i'?m|i’m|i\s+am|"
    r"this\s+is|that'?s|that’s)[ \t]+)?"
    r"(?P<name>[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})[ \t]*[\"”'*]?[ \t]*[.!]?[ \t]*"
    r"(?:\n|\Z|[,;][^\n]*|[ \t]+and[ \t][^\n]*)",
    _I)


# the answer in the same line, right after the question ("what's your name? miriam finch"): two or three words
# ending the line
_INLINE_ANSWER = re.compile(
    r"[ \t]+(?:(?:sure|yes|yeah|ok|okay)[ \t]*[,.!]?[ \t]+)?(?:(?:it'?s|it’s|it\s+is|i'?m|i’m|i\s+am)[ \t]+)?"
    r"(?P<name>[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){1,2})[ \t]*[.!]?[ \t]*(?:\n|\Z)", _I)


def _inline_answer(tx: CueText, q_end: int, out: list[Span]) -> None:
    """``what's your name? miriam finch`` / ``name please? paul rossi``: all words in one case (lower case only in a
    lower-case text), no stop word, chat shorthand or allow-listed term; the first a given name (``mark``, ``jillian``)
    or non-English, the others no English verb / adjective / adverb (after a non-English first word: census last
    names or non-English words only)."""
    from ..lexicons.names import all_name_tokens

    text = tx.text
    m = _INLINE_ANSWER.match(text, q_end)
    if not m:
        return
    words = m.group("name").split()
    if all(w.islower() for w in words):
        if not tx.lowercase:
            return
    elif not all(is_cap(w) for w in words):
        return
    if any(fold(w) in not_given() or fold(w) in allowed_terms() or shorthand(w) for w in words):
        return
    first = word_core(words[0])
    given = word_cls(first) >= 2 or everyday_given(first)
    if not (given or word_cls(first) == 1):
        return
    for w in words[1:]:
        f = fold(word_core(w))
        if not (word_cls(w) >= 1 or (given or f in all_name_tokens()) and not is_verb_or_adjective(f)):
            return  # after a given name also a noun ("miriam finch"); never a verb / adjective ("anna curious")
    out.append(Span(m.start("name"), m.end("name"), "PERSON", ANSWER_SCORE, SOURCE))


def name_answers(tx: CueText, out: list[Span]) -> None:
    """The answer turn right after a name question (``assistant: what's the name on the account?`` ->
    ``user: priya raman``), also in lower case: one to three words, none a stop word, the first a given name or
    every word non-English."""
    text = tx.text
    for q in _NAME_QUESTION.finditer(text):
        nl = text.find("\n", q.end())
        if text[q.end():nl if nl != -1 else len(text)].strip(" \t\"'”*"):
            _inline_answer(tx, q.end(), out)
            continue  # the question must end its turn
        if nl == -1:
            continue
        m = _ANSWER_LINE.match(text, nl + 1)
        if not m:
            continue
        lab_q = text[text.rfind("\n", 0, q.start()) + 1:q.start()].split(":")[0].strip().casefold()
        if m.group("lab").casefold() == lab_q:
            continue
        words = m.group("name").split()
        stop = not_given()
        if any(fold(w) in stop for w in words):
            continue
        first = word_core(words[0])
        if not (word_cls(first) >= 2 or everyday_given(first) or len(words) >= 2 and all(word_cls(w) >= 1 for w in words)
                or len(words) == 1 and is_cap(first) and len(first) >= 4 and word_cls(first) == 1):  # a surname
            continue
        # the question makes this a person: its score outranks a gazetteer's place reading of the same words
        out.append(Span(m.start("name"), m.end("name"), "PERSON", ANSWER_SCORE, SOURCE))


_INITIALS = re.compile(r"(?<![\w.])((?:[^\W\d_]\.[ \t]?){1,3})[ \t]*([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?)")
_ABBREVIATIONS = frozenset("""u.s. u.k. e.u. u.n. d.c. a.i. p.s. n.b. e.g. i.e. a.m. p.m. b.c. a.d. r.i.p. q.a. u.s.a.
p.o. n.y. l.a. s.f. g.i. e.v. t.v. o.k. v.s. b.s. m.s. b.a. m.a. m.d. ph.d. inc. co. no. vs. st. mt. dr. mr. ms.""".split())


def initials(tx: CueText, out: list[Span]) -> None:
    """``H. J. Vandermolen``, ``J.R.R. Tolkien``, ``Maria T. Gonzaga``: initials + a surname (a non-English word or a
    census surname; after two or more initials also a noun-only word), with a given name before them."""
    text = tx.text
    for m in _INITIALS.finditer(text):
        ini, last = m.group(1), m.group(2)
        letters = [c for c in ini if c.isalpha()]
        if not all(c.isupper() for c in letters) or not is_cap(last):
            continue
        key = "".join(c.casefold() + "." for c in letters)
        if key in _ABBREVIATIONS or any(k in _ABBREVIATIONS for k in (key[:4], key[:6])):
            continue
        lc = word_cls(last)
        lf = fold(last)
        if lf in not_given():
            continue
        ok_last = lc >= 1 or lf in last_names() or len(letters) >= 2 and not is_verb_or_adjective(lf)
        if "'" in last or "’" in last:
            continue  # "Model S. I'm ..."
        start = m.start()
        # a given name just before ("Maria T. Gonzaga")
        pre = text[max(0, start - 40):start]
        pm = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+\Z", pre)
        if pm and is_cap(pm.group(1)) and word_cls(pm.group(1)) >= 2:
            start -= len(pm.group(0))
            ok_last = ok_last or not is_verb_or_adjective(lf)
        elif len(letters) == 1 and (lc < 1 and lf not in last_names() or _OUTLINE_BEFORE.search(pre) or
                                    pm and is_cap(pm.group(1))):
            continue  # "A. Gatsby's obsession" (an outline item), "Model S. Smith"
        if not ok_last:
            continue
        end = m.end(2)
        if m.end(2) < len(text) and text[m.end(2)] == " ":  # "F. Scott Fitzgerald"
            r = _take_next_cap(tx, end)
            end = r if r is not None else end
        out.append(Span(start, end, "PERSON", SCORE, SOURCE))


_OUTLINE_BEFORE = re.compile(r"(?:^|\n)[ \t>*\-•#]*\Z")


def _take_next_cap(tx: CueText, pos: int) -> int | None:
    m = TOKEN.match(tx.text, pos + 1)
    if not m:
        return None
    w = m.group(0)
    if is_cap(w) and not word_info(w)[2] and (word_cls(w) >= 1 or fold(w) in last_names()):
        return m.end()
    return None


_SUFFIX = re.compile(r",?[ \t]+(?P<suf>Jr\.?|Sr\.?|Esq\.?|Ph\.[ ]?D\.?|PhD|D\.Phil\.?|M\.D\.|MD|DDS|DVM|MBA|CPA|"
                     r"RN|II|III|IV)(?![\w])")
_STRONG_SUFFIX = frozenset(("jr", "jr.", "sr", "sr.", "esq", "esq.", "phd", "ph.d.", "ph.d", "ph. d.", "d.phil.",
                            "d.phil", "iii"))
NAME_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’\-]*)[ \t]*\Z")


def suffixes(tx: CueText, out: list[Span]) -> None:
    """Post-nominals and generational suffixes extend a name: ``Robert Lang Jr.``, ``Anna Keller, PhD``,
    ``Thomas Reed III``. The name before must be two or three capitalised words starting with a given name (for the
    ambiguous ``MD`` / ``II`` / ``RN``: ``Baltimore, MD`` is a place)."""
    text = tx.text
    if not any(x in text for x in ("Jr", "Sr", "Esq", "Ph", "MD", "M.D", "DDS", "DVM", "MBA", "CPA", "RN", "II", "IV")):
        return
    for m in _SUFFIX.finditer(text):
        words: list[tuple[int, str]] = []
        pos = m.start()
        while len(words) < 3:
            pm = NAME_WORD_BEFORE.search(text, max(0, pos - 40), pos)
            if not pm or not is_cap(pm.group(1)) or word_info(pm.group(1))[2]:
                break
            gap = text[pm.end(1):pos]
            if words and gap not in (" ", "  ", ". ", "."):
                break
            words.insert(0, (pm.start(1), pm.group(1)))
            pos = pm.start(1)
        # the first word must be a given name; drop leading words that are not ("Dear Robert Lang Jr.")
        while words and not (word_cls(words[0][1]) >= 2 or len(words[0][1]) == 1):
            words.pop(0)
        if not words or len(words[0][1]) == 1:
            continue
        rest = [w for _, w in words[1:]]
        if any(fold(w) in not_given() for w in rest):
            continue
        suf = m.group("suf").casefold()
        if len(words) < 2 and suf not in ("jr", "jr.", "sr", "sr."):
            continue
        if suf not in _STRONG_SUFFIX and not all(word_cls(w) >= 1 or fold(w) in last_names() for w in rest):
            continue
        out.append(Span(words[0][0], m.end(), "PERSON", SCORE, SOURCE))


_LOWER_AFTER_OK = re.compile(r"[ \t]*(?:[,.!?;)]*(?:[ \t\n]|$)|$)")


def lone_lower(tx: CueText, i: int, win: str) -> bool:
    """A lone lower-case given name that is no English word and frequent in the name sources (``send it to priya``,
    ``ask jukka``) in prose: after a lower-case word or a sentence start, not in code, markup, a JSON key or value, a
    URL or a path, and not after a determiner (``the sven model``)."""
    s, e, w = tx.toks[i]
    text = tx.text
    if s > 0 and not text[s - 1].isspace():
        return False  # "'lang'", "(len", "/priya"
    if not _LOWER_AFTER_OK.match(text, e) or CODE_AFTER.match(text, e):
        return False
    if i > 0:
        pw = tx.toks[i - 1][2]
        if pw.casefold() in DETERMINERS or not pw.islower() and not SENT_START.search(win.rstrip(" \t") + " "):
            return False
    return not MARKUP_BEFORE.search(win.rstrip(" \t"))


# cues that take a person as their object (not "email", "contact", "from", "with": products and companies too)
PERSON_VERB = re.compile(r"(?:ask|asked|tell|told|thank|thanked|ping|pinged|cc|cc'?d|invite|invited|introduce|"
                          r"introduced|(?:spoke|speak|speaking|talked|talk|talking|chatted|met|meet|meeting)\s+"
                          r"(?:to|with)|signed\s+by|approved\s+by)")


OBJECT_END = re.compile(r"[ \t]*(?:[,.!?;:)]|$|\n|(?:about|and|to|for|at|on|in|yesterday|today|tomorrow|last|"
                         r"this|again|if|that|because|when|who|before|after|regarding|earlier|later|over|via|by)\b)",
                         _I)
