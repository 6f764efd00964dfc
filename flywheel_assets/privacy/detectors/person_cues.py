"""PERSON names from context: introductions, greetings, signatures, speaker labels, relations, name lists.

The small spaCy model misses single first names, lower-case names and most non-English names. This detector finds
them from what real chat logs and transcripts say around a name, and from a name lexicon:

- introductions: ``my name is X``, ``call me X``, ``I'm X`` / ``I am X`` / ``this is X`` (X a known given name, and
  followed by punctuation or ``from`` / ``here`` / ``speaking``), ``X here``, ``named X``;
- greetings and closings: ``Hi X,`` / ``Dear X`` (lower-case names; capitalised ones are ``rules.greeting_name``),
  ``Thanks,\\nX``, ``Best regards, X Y``, ``-- X``; vocatives ``..., X?`` and possessives ``X's`` (given names only);
- verbs and relations: ``spoke / talked / met with X``, ``ask for X``, ``contact X``, ``X said``, ``my colleague X``;
- titles (``Dr. Łukasz Nowak``: accented capitals the rules' title pattern misses);
- speaker labels: a line (or quoted turn) starting ``Name:`` where Name is a given name, or a capitalised word that
  is not an English word and labels at least two lines (role words ``User``, ``Assistant``, ``Agent`` ... never);
- relations only people have (``_relations``): kinship / social possessives ``Okafor's daughter``, appositions
  ``Tomasz, my brother``, ``her husband Jukka``, naming (``a guy named X``, ``named her X``), ``X and I`` /
  ``me and X``, vocatives of non-English words in direct speech (``"Not now, Lindqvist," she said``); social words
  (friend, boss, partner: companies have them too) and ``and I`` need a given name or a census surname;
- coordinated lists ``A, B, C and D``: when two members are known given names, the other name-like members are too;
  and (``extend_name_lists``) when one member is a PERSON already found, the other members that look like names;
- a known given name followed by capitalised non-English words (``Zoltán Kovács``, ``Ngozi Okonjo``), or in lower
  case by a non-English word (``jukka virtanen``);
- initials and post-nominals extend a name (``H. J. Vandermolen``, ``J.R.R. Tolkien``, ``Maria T. Gonzaga``,
  ``Robert Lang Jr.``, ``Anna Keller, PhD``, ``Thomas Reed III``; ``Baltimore, MD`` and outline items ``A. Gatsby``
  are not);
- the answer turn after a name question (``what's the name on the account?`` -> ``user: priya raman``), lower-case
  speaker labels before quoted speech (``carol: "..."``), a name that is also an everyday word only after ``my name
  is`` / ``call me`` (``Hope``), speech / action verbs (``X shouted``), vocatives ending a clause (``leave me X,``),
  lower-case possessives in a sentence naming someone else, person verbs + a non-English surname (``spoke with
  Lindqvist``), and a lone lower-case given name that is no English word, in prose (``send it to priya``);
- the strongest cues (``my (maiden) name is``, ``née``, ``call me``, ``everyone calls me``, ``I go by``) take any
  capitalised word that is no pronoun / determiner / filler, also an English word (``call me Will``, ``née
  Christian``); credits (``directed / written / produced / narrated / illustrated / composed / performed by X``,
  ``(co-)starring X``, ``featuring X``, ``a song / novel / film / book by X``) take one to four capitalised name
  words (no allow-listed product, no ``by the``; never code verbs like ``sorted by``), in lower-case texts
  non-English lower-case words; a particle run (``van der``, ``de la``, ``bin``) + a capitalised word extends any
  name found here (``Joost van den Berg``; lower-case ``sanne de boer`` after ``my name is``); the answer in the
  same line as a name question (``what's your name? miriam finch``, ``name please? paul rossi``);
- in lower-case chat (``truecase.is_lowercase_text``) a found name grows by a lower-case honorific (``mrs. okafor``),
  a census surname that is no verb / adjective after a lone given name (``priya pinto``), a post-nominal (``... md``),
  and the other members of a ``,`` / ``and`` list of name-like words (``jukka, okafor and pinto``); ``says péter.``;
- a lone capitalised given name that is frequent in the name sources and no English verb/adjective (``Siobhan``,
  ``Sarah``), unless it is part of a longer capitalised name (``San Diego``, ``Yun Express``), follows a determiner
  or a place preposition, sits under a place key (``"city": "Charlotte"``), in code, or is a big city's name.

Lexicon (``lexicons.names``): census first names (PyPI ``names``, MIT) + 26,777 international given names derived from
PyPI ``nomquamgender`` (MIT), checked against the WordNet-derived English vocabulary of the spaCy model's lemmatizer
(so ``I'm Sorry``, ``Dear Customer`` or ``Note:`` are no names). A lower-case single word is only taken after a
strong cue (``my name is``, a greeting, a signature) and when it is a given name. Nothing here is keyed to a
benchmark template or value. Entity type PERSON, source ``person_cue``, score 0.49.
"""

from __future__ import annotations

from ..lexicons.names import fold, name_frequency
from .base import Span
from .person_cue_context import (CODE_AFTER, MARKUP_BEFORE, NAME_CUE_B, NAME_CUE_END, STRONG_STOP, SURNAME_CUE_END,
                                 everyday_name, extend_lowercase, given_name_phrase, lists, lone_name, speaker_labels,
                                 strong_word, surname_after_cue, weak_ok)
from .person_cue_forms import (CREDIT_END, OBJECT_END, PERSON_VERB, credit_name, initials, lone_lower, name_answers,
                               possessives, suffixes)
from .person_cue_relations import extend_name_lists, relations
from .person_cue_words import (AFTER_GREETING, AFTER_INTRO, CLAUSE_END, CLOSING_B, CUE_END_WORDS, CUE_GAP_CHARS,
                               CueText, GIVEN_B, GREETING_B, INTRO_WEAK, LONE_FREQ, LONE_FREQ_LOWER, PARTICLE_NEAR,
                               SAID, SCORE, SOURCE, SPEECH_CUES, STRONG_B, TITLE_B, WEAK_CUES, cue_span, everyday_given,
                               extend_particles, preload, surname_like, take_name, word_cls, word_core,
                               word_info)

__all__ = ["detect_person_cues", "extend_name_lists", "preload"]


def detect_person_cues(text: str) -> list[Span]:
    """PERSON spans found from context cues and the given-name lexicon (sorted, may overlap each other)."""
    if not text or len(text) < 3:
        return []
    tx = CueText(text)
    toks = tx.toks
    if not toks:
        return []
    out: list[Span] = []
    poss_cands: list[tuple[int, int]] = []
    covered = -1
    confident = 0
    for i, (s, e, w) in enumerate(toks):
        cap, c, poss = word_info(w)
        if c >= 2 and (cap or w.islower()):
            confident += 1
        if s < covered:
            continue
        if (c >= 1 or cap) and i > 0 and toks[i - 1][2].casefold() in SURNAME_CUE_END and \
                surname_after_cue(tx, i, cap, c):
            # "maiden name is Okafor", "née kowalczyk", "dr. lindqvist", "the Abernathy family"
            r = take_name(tx, i, first_min=1, lower_min=None, max_tokens=2) if cap and c >= 1 else None
            end = r[1] if r is not None else e - poss
            out.append(Span(s, end, "PERSON", SCORE, SOURCE))
            covered = end
            continue
        if i > 0 and toks[i - 1][2].casefold() in CREDIT_END and not poss:
            r = credit_name(tx, i)
            if r is not None:  # "directed by Akira Kurosawa", "co-starring Hope Davis", "a novel by Tolkien"
                out.append(cue_span(tx, i, r))
                covered = r
                continue
        if c == 0:  # an everyday word ("Hope", "carol", "Will") is a name only after "my name is" / "call me"
            if i > 0 and toks[i - 1][2].casefold() in NAME_CUE_END and \
                    NAME_CUE_B.search(text, max(0, s - 40), s) and \
                    (everyday_given(word_core(w)) and (cap or fold(w) not in STRONG_STOP) or strong_word(tx, i)):
                r = everyday_name(tx, i, cap)
                if r is not None:
                    out.append(cue_span(tx, i, r[1]))
                    covered = r[1]
            continue
        if c < 1 or not cap and (c < 2 or not w.islower()):
            continue
        win = text[max(0, s - 60):s]
        r = None
        # cheap pre-check: only a cue word or a signature dash just before can make the cue regexes match
        gap = text[toks[i - 1][1]:s] if i > 0 else text[:s]
        cue_near = i > 0 and toks[i - 1][2].casefold() in CUE_END_WORDS or any(ch in CUE_GAP_CHARS for ch in gap)
        if not cue_near:
            pass
        elif STRONG_B.search(win):
            if fold(word_core(w)) not in STRONG_STOP:  # "call me Anytime"
                r = take_name(tx, i, first_min=1, lower_min=2, particles_lower=True)
        elif cap and TITLE_B.search(win):
            r = take_name(tx, i, first_min=1, lower_min=None, max_tokens=3)
        elif CLOSING_B.search(win):
            r = take_name(tx, i, first_min=1, lower_min=2, max_tokens=3)
            if r is not None:
                line_end = text.find("\n", r[1])
                rest = text[r[1]:line_end if line_end != -1 else len(text)]
                if rest.strip(" \t.!,") or not (c >= 2 or r[0] > i or "\n" in win[-12:]):
                    r = None
        elif GREETING_B.search(win):
            r = take_name(tx, i, first_min=2, lower_min=2, max_tokens=2)
            if r is not None and not AFTER_GREETING.match(text, r[1]):
                r = None
        if r is None and cue_near:
            m = GIVEN_B.search(win)
            if m:
                cue = " ".join(m.group("cue").split()).casefold()
                r = take_name(tx, i, first_min=2, lower_min=None if cue in WEAK_CUES else 3)
                if r is None and not cap and c == 2 and cue in SPEECH_CUES and CLAUSE_END.match(text, e - poss):
                    r = take_name(tx, i, first_min=2, lower_min=2, max_tokens=1)  # '"...," says péter.'
                if r is None and cap and c == 1 and PERSON_VERB.fullmatch(cue) and surname_like(w):
                    # "thanked Okonkwo", "spoke with Lindqvist": a person verb + a non-English capitalised word
                    r = take_name(tx, i, first_min=1, lower_min=None, max_tokens=3)
                    if r is not None and not OBJECT_END.match(text, r[1]):
                        r = None  # "asked Zendesk support": a product
                if r is not None and (cue in INTRO_WEAK and not AFTER_INTRO.match(text, r[1]) or
                                      not weak_ok(tx, i, r)):
                    r = None
        if r is None and cap and c >= 2:
            r = given_name_phrase(tx, i, c, poss, win)
            if r is not None and not weak_ok(tx, i, r):
                r = None
        if r is None and cap and c >= 2 and lone_name(tx, i, win, c):
            r = (i, e - poss)
        if r is None and not cap and c >= 2 and not poss and i + 1 < len(toks) and \
                text[e:toks[i + 1][0]] == " " and name_frequency(w) >= LONE_FREQ:
            # lower-case "jukka virtanen" / "heather pustivsek": a given name + a word that is neither English nor
            # (for given names that are also English nouns) a given name
            nw = toks[i + 1][2]
            ncl = word_cls(nw)
            if nw.islower() and (ncl >= 1 if c == 3 else ncl == 1 and len(word_core(nw)) >= 4 and len(w) >= 3) and \
                    not SAID.match(text, e) and not MARKUP_BEFORE.search(win.rstrip(" \t")) and \
                    not CODE_AFTER.match(text, toks[i + 1][1]):
                r = (i + 1, toks[i + 1][1] - word_info(nw)[2])
        if r is None and not cap and c == 3 and name_frequency(word_core(w)) >= LONE_FREQ and \
                not MARKUP_BEFORE.search(win.rstrip(" \t")):
            if not poss and SAID.match(text, e):  # "priya said", "oksana shouted"
                r = (i, e)
            elif poss and e + 1 < len(text) and text[e] == " " and text[e + 1].islower():
                poss_cands.append((i, e - poss))  # "priya's laptop": kept when the sentence names someone else
        if r is None and not cap and c == 3 and not poss and name_frequency(w) >= LONE_FREQ_LOWER and \
                lone_lower(tx, i, win):
            r = (i, e)
        if r is not None:
            out.append(cue_span(tx, i, r[1]))
            covered = r[1]
    if poss_cands and out:
        possessives(tx, poss_cands, out)
    if ":" in text:
        speaker_labels(tx, out)
    if "?" in text and "name" in text.casefold():
        name_answers(tx, out)
    if confident >= 2:
        lists(tx, out)
    relations(tx, out)
    if out and ("," in text or " and " in text):
        out.extend(extend_name_lists(text, [(sp.start, sp.end) for sp in out]))
    if "." in text:
        initials(tx, out)
    suffixes(tx, out)
    if out and PARTICLE_NEAR.search(text):
        out = extend_particles(tx, out)
    if out:
        out = extend_lowercase(tx, out)
    return sorted(set(out), key=lambda sp: (sp.start, sp.end, sp.entity_type, sp.score, sp.source))
