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

import re
from functools import cached_property, lru_cache

from .base import Span
from ..lexicons.names import fold, is_place_name, is_verb_or_adjective, lexicon, name_frequency, word_class

SOURCE = "person_cue"
# just under the spaCy score (0.5): where a model span overlaps ours, the merged span keeps the model as its source,
# so the cascade still trims it to a name known from the session ("Caller Tamara Okonkwo", tagged ORG by spaCy ->
# "Tamara Okonkwo"); where no model span overlaps, ours stands alone (min_score is 0.4)
SCORE = 0.49
ANSWER_SCORE = 0.7  # the answer to a name question ("what's the name on the account?" -> "user: priya raman")
_I = re.IGNORECASE

_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_PARTICLES = frozenset("van von de der den di da del della dos das du la le bin ibn al el ter ten zu af".split())
_RELATIONS = (r"friend|best friend|wife|husband|son|daughter|brother|sister|mom|mum|mother|dad|father|boss|"
              r"colleague|coworker|co-worker|manager|partner|boyfriend|girlfriend|fiancée?|neighbou?r|cousin|uncle|"
              r"aunt|grandma|grandpa|grandmother|grandfather|teacher|student|roommate|flatmate|classmate|"
              r"supervisor|landlord|landlady|tenant|client|lawyer|attorney|therapist|doctor|nurse|dentist|"
              r"niece|nephew|stepson|stepdaughter|stepmother|stepfather|ex|buddy|mate|pal|baby|kid|child|"
              r"grandson|granddaughter|spouse|assistant|secretary|intern|coach|tutor|professor")

# Cue regexes, anchored at the end of the 60 chars before a candidate word (the detector walks the words of a text
# once and looks back only from words that could be names, so its cost is linear and small).
_STRONG_B = re.compile(
    r"\b(?:my\s+(?:full\s+|first\s+|last\s+|real\s+|legal\s+|given\s+|nick)?name\s*(?:is|'s|’s|=|:)"
    r"|(?:you\s+can\s+|please\s+|they\s+|just\s+|people\s+|friends\s+)?call\s+me"
    r"|(?:everyone|everybody|people|friends|most\s+people|folks)\s+(?:usually\s+|just\s+|all\s+)?calls?\s+me"
    r"|i\s+go\s+by|i\s*(?:'m|’m|\s+am)\s+called|i\s+am\s+named|signed,?"
    r"|my\s+(?:" + _RELATIONS + r")(?:'s|’s)?\s*(?:,|named|called|is\s+called)?)[ \t]*:?[ \t]*\Z", _I)
_GIVEN_B = re.compile(
    r"\b(?P<cue>i\s*(?:'m|’m|\s+am)|im|this\s+is|it'?s|it’s|named|called|ask\s+for|asked\s+for|(?:spoke|speak|"
    r"speaking|talked|talk|talking|chatted|chatting|met|meet|meeting|working|worked|went|go|going|came|come|coming)"
    r"\s+(?:to|with)|contact|contacted|email|emailed|e-mail|text|texted|message|messaged|ping|pinged|cc|cc'?d|"
    r"tell|told|thank|thanked|ask|asked|invite|invited|introduce|introduced|according\s+to|on\s+behalf\s+of|"
    r"signed\s+by|written\s+by|sent\s+by|reported\s+by|assigned\s+to|approved\s+by|says|said|replied|"
    r"(?:shouted|yelled|screamed)\s+at|from|by|with|and|for)[ \t]+\Z",
    _I)
# the name after "I'm" / "this is" must end the clause (not "I'm Sorry" / "I'm Happy to help")
_AFTER_INTRO = re.compile(r"[ \t]*(?:[,.!;:)]|$|\n|(?:from|here|speaking|calling|with|at|and|of|by)\b)", _I)
_SPEECH_CUES = frozenset(("says", "said", "replied"))  # a lower-case name that is also a word: only ending a clause
_CLAUSE_END = re.compile(r"[ \t]*(?:[,.!?;:)\"”]|$|\n)")
_INTRO_WEAK = frozenset(("i'm", "i’m", "i am", "im", "this is", "it's", "its", "it’s"))
_WEAK_CUES = frozenset(("from", "by", "with", "and", "for"))  # everyday words: capitalised given names only
_GREETING_B = re.compile(
    r"\b(?:hi|hello|hey|hiya|dear|thanks|thank\s+you|thx|cheers|bye|goodbye|good\s+(?:morning|afternoon|evening|"
    r"night)|welcome(?:\s+back)?|congrats|congratulations|sorry|ok|okay)[ \t]*,?[ \t]+\Z", _I)
_AFTER_GREETING = re.compile(r"[ \t]*(?:[,.!?;:]|$|\n|and\b|&)", _I)
_CLOSING_B = re.compile(
    r"(?:\b(?:thanks|thank\s+you|many\s+thanks|thanks\s+again|regards|best\s+regards|kind\s+regards|warm\s+regards|"
    r"warmest\s+regards|best\s+wishes|all\s+the\s+best|best|cheers|sincerely|yours\s+sincerely|sincerely\s+yours|"
    r"yours\s+truly|yours|respectfully|love|take\s+care|talk\s+soon|see\s+you)[ \t]*[,!.\-–—]*[ \t]*\n[ \t]*"
    r"|\b(?:regards|best\s+regards|kind\s+regards|warm\s+regards|sincerely|cheers|best\s+wishes|many\s+thanks|"
    r"thanks)[ \t]*,[ \t]*"
    r"|(?:^|\n)[ \t]*(?:--|—|–|~)[ \t]*)\Z", _I)
_TITLE_B = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Sig|Pan|Pani)\.?[ \t]+\Z")
_SAID = re.compile(r"[ \t]+(?:said|says|wrote|writes|asked|asks|told|replied|replies|mentioned|explained|"
                   r"called|emailed|texted|messaged|thinks|thought|suggested|recommended|added|agreed|noted|"
                   r"shouted|shouts|yelled|yells|screamed|whispered|whispers|cried|laughed|laughs|smiled|smiles|"
                   r"nodded|nods|sighed|sighs|answered|answers|responded|exclaimed|muttered|mutters|shrugged|"
                   r"grinned|insisted|warned|announced|admitted|argued|complained|promised|interrupted|"
                   r"murmured|gasped|frowned|winked|giggled|chuckled|snapped|demanded|begged|pleaded)\b")
_HERE = re.compile(r"[ \t]+here\b[ \t]*(?:[,.!:\-–—\n]|$)", _I)
_HERE_BEFORE = re.compile(r"(?:^|[\n.!?,])[ \t]*\Z")
_VOCATIVE_BEFORE = re.compile(r",[ \t]*\Z")
_VOCATIVE_AFTER = re.compile(r"[ \t]*[!?.]")
_SPEAKER = re.compile(
    r"^[ \t]*(?:[>*\-\"“'\[(]+[ \t]*)?(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?[ \t]*)?(?:\*\*)?"
    r"([^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*)?)(?:\*\*)?[ \t]*(?:\*\*)?:(?:[ \t]|$)", re.M)
_LIST = re.compile(
    r"(?<![\w'’\-])(?P<m>[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})"
    r"(?P<rest>(?:[ \t]*,[ \t]*[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})+"
    r"(?:,?[ \t]+(?:and|&|or)[ \t]+[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})?"
    r"|[ \t]+(?:and|&)[ \t]+[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})")
_LIST_SEP = re.compile(r"[ \t]*,[ \t]*(?:(?:and|&|or)[ \t]+)?|[ \t]+(?:and|&|or)[ \t]+")
_POSSESSIVE = re.compile(r"['’]s$")
# last words of the cues above (and punctuation they end with): a word after anything else skips the cue regexes
_CUE_END_WORDS = frozenset(
    (_RELATIONS.replace("?", "").replace("(", "").replace(")", "") + "|fiance|fiancee|neighbor|neighbour|is|me|by|"
     "called|named|i'm|i’m|am|im|it's|it’s|its|for|to|with|contact|contacted|email|emailed|e-mail|mail|text|texted|"
     "message|messaged|ping|pinged|cc|ccd|cc'd|tell|told|thank|thanked|ask|asked|invite|invited|introduce|"
     "introduced|of|from|and|hi|hello|hey|hiya|dear|thanks|you|thx|cheers|bye|goodbye|morning|afternoon|evening|"
     "night|welcome|back|congrats|congratulations|sorry|ok|okay|best|regards|wishes|sincerely|yours|truly|"
     "respectfully|love|care|soon|mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|sr|sra|sig|pan|pani|"
     "name|nickname|says|said|replied|at").split("|"))
_CUE_GAP_CHARS = frozenset("-—–~")  # "-- Priya" signatures (other cues end in a word of _CUE_END_WORDS)
_LONE_FREQ = 2_000  # a lone capitalised given name must have been seen this often in the name sources
_LONE_FREQ_NOUN = 100_000  # ... and a given name that is also an English noun (John, Anna) this often
_LONE_FREQ_LOWER = 5_000  # a lone lower-case given name ("send it to priya") must have been seen this often
_SENT_START = re.compile(r"(?:^|[.!?:;\n\"“(\[*#>\-•])[ \t]*\Z")


@lru_cache(maxsize=131072)
def _info(w: str) -> tuple[bool, int, int]:
    """(capitalised, word_class, length of a possessive ending) of one token."""
    poss = 2 if _POSSESSIVE.search(w) else 0
    core = w[:-poss] if poss else w
    cap = core[0].isupper() and any(ch.islower() for ch in core[1:])
    return cap, word_class(core), poss


def _is_cap(w: str) -> bool:
    return _info(w)[0]


def _cls(w: str) -> int:
    return _info(w)[1]


def _core(w: str) -> str:
    p = _info(w)[2]
    return w[:-p] if p else w


def _last_names() -> frozenset:
    return lexicon()[1]


class _Text:
    """Tokens of one text (start, end, word); ``lowercase``: ``truecase.is_lowercase_text``, worked out once."""

    def __init__(self, text: str):
        self.text = text
        self.toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]

    @cached_property
    def lowercase(self) -> bool:
        from ..truecase import is_lowercase_text

        return is_lowercase_text(self.text)


def _take(tx: _Text, i: int, *, first_min: int, lower_min: int | None, max_tokens: int = 4,
          particles_lower: bool = False) -> tuple[int, int] | None:
    """A name starting at token ``i``: (token index of the last word, end char) or None.

    Capitalised: the first word needs ``word_class >= first_min`` (1 = any non-English word, 2 = a given name); the
    next words must be capitalised non-English words / given names (particles ``van``, ``de`` ... in between).
    Lower-case (``lower_min`` not None): the first word must be a given name of class >= ``lower_min``; following
    lower-case words only when they are given names or census last names."""
    if i < 0 or i >= len(tx.toks):
        return None
    w = tx.toks[i][2]
    cap, c, _ = _info(w)
    if cap:
        if c < first_min or (first_min >= 2 and c == 1):
            return None
    else:
        if lower_min is None or c < lower_min or c == 1 or not w.islower():
            return None
    j = i
    toks, text = tx.toks, tx.text
    while j + 1 < len(toks) and j - i + 1 < max_tokens and not _info(toks[j][2])[2]:
        gap = text[toks[j][1]:toks[j + 1][0]]
        if gap not in (" ", "  "):
            break
        nw = toks[j + 1][2]
        ncap, nc, _ = _info(nw)
        if cap:
            k = _particle_run(tx, j + 1, lower=False)
            if k is not None:  # "Joost van den Berg", "Ana de la Cruz", "Omar bin Laden"
                j = k
                continue
            if not ncap or nc < 1 and _core(nw).casefold() not in _last_names():  # Einstein, Hooper: nouns
                break
        else:
            k = _particle_run(tx, j + 1, lower=True) if particles_lower else None
            if k is not None:  # "my name is sanne de boer"
                j = k
                continue
            if not nw.islower() or nc < 1 or _core(nw) not in _last_names() and nc < 2:
                break
        j += 1
    return j, toks[j][1] - _info(toks[j][2])[2]


# name particles ("van der", "de la", "bin"): lower case inside a name; these also capitalised ("Vincent Van Gogh")
_PARTICLES_CAP = frozenset("van von de der den di da del della dos das du bin ibn ter".split())
_PARTICLE_STOP = frozenset("""a an the and or of in on at to for by with from as is are was were be it its this that
i me my you your he him his she her we us our they them their not no so but if then than""".split())


def _particle_run(tx: _Text, k: int, *, lower: bool) -> int | None:
    """Token index of the name word ending a particle run that starts at token ``k`` (``van der Voet``, ``de la
    Cruz``, ``bin Laden``; ``lower``: ``de boer``), else None. One to three particles, single spaces; the word after
    them is capitalised and no stop word (any capitalised word: ``Laden``, ``Cruz``), or, ``lower``, a lower-case
    word that is no English word or a census last name."""
    toks, text = tx.toks, tx.text
    n = 0
    while k + n < len(toks) and n < 3:
        pw = toks[k + n][2]
        if text[toks[k + n - 1][1]:toks[k + n][0]] != " ":
            return None
        if not (pw.casefold() in _PARTICLES and (pw.islower() or not lower and pw.casefold() in _PARTICLES_CAP and
                                                 _is_cap(pw))) or _info(pw)[2]:
            break
        n += 1
    j = k + n
    if n == 0 or j >= len(toks) or text[toks[j - 1][1]:toks[j][0]] != " ":
        return None
    w = toks[j][2]
    f = fold(_core(w))
    if len(f) < 2 or f in _PARTICLE_STOP or f in _PARTICLES or f in _allowed_terms():
        return None
    if lower:
        return j if w.islower() and (_cls(w) >= 1 or _core(w) in _last_names()) else None
    return j if _is_cap(w) and f not in _not_given() else None


_PARTICLE_NEAR = re.compile(r"[^\W\d_] (?:" + "|".join(sorted(_PARTICLES)) + r") ", _I)  # cheap pre-check


def _extend_particles(tx: _Text, out: list[Span]) -> list[Span]:
    """A found name followed by a particle run and a capitalised name word grows by them (``Paul`` -> ``Paul van
    der Voet``), whichever cue found it."""
    ends = {e: k for k, (_a, e, _w) in enumerate(tx.toks)}
    res = []
    for sp in out:
        k = ends.get(sp.end)
        j = _particle_run(tx, k + 1, lower=False) if k is not None and k + 1 < len(tx.toks) else None
        if j is not None:
            r = _take(tx, j, first_min=0, lower_min=None, max_tokens=2)
            end = r[1] if r is not None else tx.toks[j][1] - _info(tx.toks[j][2])[2]
            res.append(Span(sp.start, end, sp.entity_type, sp.score, sp.source))
        else:
            res.append(sp)
    return res


def preload() -> None:
    """Load the lexicons now (given names, English vocabulary, census names, big-city names: about 1 s once per
    process) instead of on the first scanned text."""
    word_class("anna")
    _last_names()
    is_place_name("milan")


def _span(tx: _Text, i: int, end: int) -> Span:
    return Span(tx.toks[i][0], end, "PERSON", SCORE, SOURCE)


def detect_person_cues(text: str) -> list[Span]:
    """PERSON spans found from context cues and the given-name lexicon (sorted, may overlap each other)."""
    if not text or len(text) < 3:
        return []
    tx = _Text(text)
    toks = tx.toks
    if not toks:
        return []
    out: list[Span] = []
    poss_cands: list[tuple[int, int]] = []
    covered = -1
    confident = 0
    for i, (s, e, w) in enumerate(toks):
        cap, c, poss = _info(w)
        if c >= 2 and (cap or w.islower()):
            confident += 1
        if s < covered:
            continue
        if (c >= 1 or cap) and i > 0 and toks[i - 1][2].casefold() in _SURNAME_CUE_END and \
                _surname_after_cue(tx, i, cap, c):
            # "maiden name is Okafor", "née kowalczyk", "dr. lindqvist", "the Abernathy family"
            r = _take(tx, i, first_min=1, lower_min=None, max_tokens=2) if cap and c >= 1 else None
            end = r[1] if r is not None else e - poss
            out.append(Span(s, end, "PERSON", SCORE, SOURCE))
            covered = end
            continue
        if i > 0 and toks[i - 1][2].casefold() in _CREDIT_END and not poss:
            r = _credit_name(tx, i)
            if r is not None:  # "directed by Akira Kurosawa", "co-starring Hope Davis", "a novel by Tolkien"
                out.append(_span(tx, i, r))
                covered = r
                continue
        if c == 0:  # an everyday word ("Hope", "carol", "Will") is a name only after "my name is" / "call me"
            if i > 0 and toks[i - 1][2].casefold() in _NAME_CUE_END and \
                    _NAME_CUE_B.search(text, max(0, s - 40), s) and \
                    (_everyday_given(_core(w)) and (cap or fold(w) not in _STRONG_STOP) or _strong_word(tx, i)):
                r = _everyday_name(tx, i, cap)
                if r is not None:
                    out.append(_span(tx, i, r[1]))
                    covered = r[1]
            continue
        if c < 1 or not cap and (c < 2 or not w.islower()):
            continue
        win = text[max(0, s - 60):s]
        r = None
        # cheap pre-check: only a cue word or a signature dash just before can make the cue regexes match
        gap = text[toks[i - 1][1]:s] if i > 0 else text[:s]
        cue_near = i > 0 and toks[i - 1][2].casefold() in _CUE_END_WORDS or any(ch in _CUE_GAP_CHARS for ch in gap)
        if not cue_near:
            pass
        elif _STRONG_B.search(win):
            if fold(_core(w)) not in _STRONG_STOP:  # "call me Anytime"
                r = _take(tx, i, first_min=1, lower_min=2, particles_lower=True)
        elif cap and _TITLE_B.search(win):
            r = _take(tx, i, first_min=1, lower_min=None, max_tokens=3)
        elif _CLOSING_B.search(win):
            r = _take(tx, i, first_min=1, lower_min=2, max_tokens=3)
            if r is not None:
                line_end = text.find("\n", r[1])
                rest = text[r[1]:line_end if line_end != -1 else len(text)]
                if rest.strip(" \t.!,") or not (c >= 2 or r[0] > i or "\n" in win[-12:]):
                    r = None
        elif _GREETING_B.search(win):
            r = _take(tx, i, first_min=2, lower_min=2, max_tokens=2)
            if r is not None and not _AFTER_GREETING.match(text, r[1]):
                r = None
        if r is None and cue_near:
            m = _GIVEN_B.search(win)
            if m:
                cue = " ".join(m.group("cue").split()).casefold()
                r = _take(tx, i, first_min=2, lower_min=None if cue in _WEAK_CUES else 3)
                if r is None and not cap and c == 2 and cue in _SPEECH_CUES and _CLAUSE_END.match(text, e - poss):
                    r = _take(tx, i, first_min=2, lower_min=2, max_tokens=1)  # '"...," says péter.'
                if r is None and cap and c == 1 and _PERSON_VERB.fullmatch(cue) and _surname_like(w):
                    # "thanked Okonkwo", "spoke with Lindqvist": a person verb + a non-English capitalised word
                    r = _take(tx, i, first_min=1, lower_min=None, max_tokens=3)
                    if r is not None and not _OBJECT_END.match(text, r[1]):
                        r = None  # "asked Zendesk support": a product
                if r is not None and (cue in _INTRO_WEAK and not _AFTER_INTRO.match(text, r[1]) or
                                      not _weak_ok(tx, i, r)):
                    r = None
        if r is None and cap and c >= 2:
            r = _given_name_phrase(tx, i, c, poss, win)
            if r is not None and not _weak_ok(tx, i, r):
                r = None
        if r is None and cap and c >= 2 and _lone_name(tx, i, win, c):
            r = (i, e - poss)
        if r is None and not cap and c >= 2 and not poss and i + 1 < len(toks) and \
                text[e:toks[i + 1][0]] == " " and name_frequency(w) >= _LONE_FREQ:
            # lower-case "jukka virtanen" / "heather pustivsek": a given name + a word that is neither English nor
            # (for given names that are also English nouns) a given name
            nw = toks[i + 1][2]
            ncl = _cls(nw)
            if nw.islower() and (ncl >= 1 if c == 3 else ncl == 1 and len(_core(nw)) >= 4 and len(w) >= 3) and \
                    not _SAID.match(text, e) and not _MARKUP_BEFORE.search(win.rstrip(" \t")) and \
                    not _CODE_AFTER.match(text, toks[i + 1][1]):
                r = (i + 1, toks[i + 1][1] - _info(nw)[2])
        if r is None and not cap and c == 3 and name_frequency(_core(w)) >= _LONE_FREQ and \
                not _MARKUP_BEFORE.search(win.rstrip(" \t")):
            if not poss and _SAID.match(text, e):  # "priya said", "oksana shouted"
                r = (i, e)
            elif poss and e + 1 < len(text) and text[e] == " " and text[e + 1].islower():
                poss_cands.append((i, e - poss))  # "priya's laptop": kept when the sentence names someone else
        if r is None and not cap and c == 3 and not poss and name_frequency(w) >= _LONE_FREQ_LOWER and \
                _lone_lower(tx, i, win):
            r = (i, e)
        if r is not None:
            out.append(_span(tx, i, r[1]))
            covered = r[1]
    if poss_cands and out:
        _possessives(tx, poss_cands, out)
    if ":" in text:
        _speaker_labels(tx, out)
    if "?" in text and "name" in text.casefold():
        _name_answers(tx, out)
    if confident >= 2:
        _lists(tx, out)
    _relations(tx, out)
    if out and ("," in text or " and " in text):
        out.extend(extend_name_lists(text, [(sp.start, sp.end) for sp in out]))
    if "." in text:
        _initials(tx, out)
    _suffixes(tx, out)
    if out and _PARTICLE_NEAR.search(text):
        out = _extend_particles(tx, out)
    if out:
        out = _extend_lowercase(tx, out)
    return sorted(set(out), key=lambda sp: (sp.start, sp.end, sp.entity_type, sp.score, sp.source))


# --- lower-case chat (``truecase.is_lowercase_text``): what a found name's neighbours add ---------------------------
# an honorific right before a name: "mrs. helena petrova", "dr lindqvist" (the cased "Mrs. X" is rules' title_name)
_HONORIFICS = frozenset(("mr", "mrs", "ms", "mx", "dr", "prof"))
_HONORIFIC_B = re.compile(r"(?<![\w.])(?i:mr|mrs|ms|mx|dr|prof)\.?[ \t]+\Z")
# a post-nominal after a lower-case full name: "anna keller md", "lori tretyakova, dds", "robert lang jr."
_LOWER_SUFFIX = re.compile(r",?[ \t]+(?:jr\.?|sr\.?|esq\.?|ph\.?d\.?|m\.d\.|md|dds|d\.d\.s\.|dvm|iii)(?![\w\-])")


def _extend_lowercase(tx: _Text, out: list[Span]) -> list[Span]:
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
            if e0 == b and w0.islower() and _cls(w0) >= 2 and k + 1 < len(tx.toks):
                ns, ne, nw = tx.toks[k + 1]
                if text[e0:ns] == " " and nw.islower() and _surname_word(nw) and \
                        not _CODE_AFTER.match(text, ne) and not _SAID.match(text, e0):
                    b = ne
            if e0 < b and w0.islower() and _cls(w0) >= 2:
                sm = _LOWER_SUFFIX.match(text, b)
                if sm:
                    b = sm.end()
        res.append(sp if (a, b) == (sp.start, sp.end) else Span(a, b, sp.entity_type, sp.score, sp.source))
    if lower and ("," in text or " and " in text or "&" in text):
        res.extend(_lower_list_members(tx, res, starts))
    return res


_SEP_AFTER = re.compile(r"[ \t]*,[ \t]*(?:(?:and|&)[ \t]+)?|[ \t]+(?:and|&)[ \t]+")
_SEP_BEFORE = re.compile(r"(?:[ \t]*,[ \t]*(?:(?:and|&)[ \t]+)?|[ \t]+(?:and|&)[ \t]+)\Z")


def _lower_list_members(tx: _Text, found: list[Span], starts: dict[int, int]) -> list[Span]:
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
            m = _SEP_BEFORE.search(text, max(0, toks[k][0] - 8), toks[k][0])
            j = ends.get(m.start()) if m else None
            if j is None:
                break
            k = j
            ok = _list_member(toks[k][2]) > 0
            chain.append(k)
        k = ends[sp.end]
        while ok:  # rightwards
            m = _SEP_AFTER.match(text, toks[k][1])
            j = starts.get(m.end()) if m else None
            if j is None:
                break
            k = j
            ok = _list_member(toks[k][2]) > 0 and not _CODE_AFTER.match(text, toks[k][1])
            chain.append(k)
        if ok and chain and sum(1 for j in chain if _list_member(toks[j][2]) == 2) >= 1:
            out.extend(Span(toks[j][0], toks[j][1], "PERSON", SCORE, SOURCE) for j in sorted(chain))
    return out


def _list_member(w: str) -> int:
    """2: a lower-case given name or unknown word (a strong member); 1: a census last name (``parks``, ``coffee``:
    only beside a strong member and the found name); 0: no name."""
    if not w.islower() or _shorthand(w):
        return 0
    c = _cls(w)
    if c >= 2 and w.casefold() not in _not_given() or c == 1 and len(w) >= 3:
        return 2
    return 1 if _surname_word(w) else 0


def _shorthand(w: str) -> bool:
    """Chat shorthand (``lol``, ``idk``, ``gonna``): the truecaser's list."""
    from ..truecase import SHORTHAND

    return w.casefold() in SHORTHAND


@lru_cache(maxsize=16384)
def _surname_word(w: str) -> bool:
    """A lower-case word that may be a surname after a given name: a census last name (the 88,799 of ``names``) or
    an unknown word, that is no stop word, no English verb / adjective / adverb (the word itself: ``good``, ``back``,
    ``young``) and no given name of its own."""
    from ..lexicons.names import all_name_tokens, english_vocabulary
    from ..lexicons.base import skip_words

    f = fold(w)
    if len(f) < 3 or f in skip_words() or f in english_vocabulary()[0] or _cls(w) >= 2 or _shorthand(w):
        return False
    return f in all_name_tokens() or _cls(w) == 1


_DETERMINERS = frozenset("""a an the this that these those every each any some no another such our your their its
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
_MARKUP_BEFORE = re.compile(r"[=(<\[{/\\|@#$`_.]\Z")
_CODE_AFTER = re.compile(r"[ \t]*[)\]}>=×|/\\@`_(]|\.\w")


def _weak_ok(tx: _Text, i: int, r: tuple[int, int]) -> bool:
    """A name found from a weak cue: not a lone big-city name (``and Milan``), not followed by a capitalised English
    word (``Yun Express``, ``Gellért Baths``: an organisation or place named after someone)."""
    j, end = r
    if j == i and (is_place_name(_core(tx.toks[i][2])) or _STATE_AFTER.match(tx.text, end)):
        return False
    if _PLACE_KEY_BEFORE.search(tx.text, max(0, tx.toks[i][0] - 30), tx.toks[i][0]):
        return False
    if j + 1 < len(tx.toks) and tx.text[end:tx.toks[j + 1][0]] == " " and _is_cap(tx.toks[j + 1][2]):
        return False
    return True


def _lone_name(tx: _Text, i: int, win: str, c: int) -> bool:
    """A capitalised given name that is no English word (``Priya``, ``Jukka``), standing alone: frequent in the name
    sources, not part of a longer capitalised name (``San Diego``, ``Hyundai Kona``), not after a determiner
    (``the Loli Brigade``), not in code (``(n : Nat)``)."""
    s, e, w = tx.toks[i]
    core = _core(w)
    if name_frequency(core) < (_LONE_FREQ if c == 3 else _LONE_FREQ_NOUN) or is_place_name(core) or \
            c == 2 and is_verb_or_adjective(core):
        return False
    text = tx.text
    if i > 0:
        ps, pe, pw = tx.toks[i - 1]
        gap = text[pe:s]
        pf = pw.casefold()
        if gap in (" ", "  ") and (_is_cap(pw) and not _SENT_START.search(text[max(0, ps - 3):ps]) or
                                   pf in _DETERMINERS or pf in _PLACE_PREPOSITIONS or pf in _PLACE_PREFIXES):
            return False
    if _STATE_AFTER.match(text, e) or _PLACE_KEY_BEFORE.search(win):
        return False
    if i + 1 < len(tx.toks) and text[e:tx.toks[i + 1][0]] == " " and _is_cap(tx.toks[i + 1][2]):
        return False
    stripped = win.rstrip(" \t")
    return not (_CODE_BEFORE.search(stripped) or _CODE_AFTER.match(text, e))


def _given_name_phrase(tx: _Text, i: int, c: int, poss: int, win: str) -> tuple[int, int] | None:
    """A capitalised given name + capitalised non-English words (a full name), ``X said``, ``X's laptop``,
    ``..., X?`` (vocative), ``X here`` opening a message or line."""
    text = tx.text
    s, e, w = tx.toks[i]
    if not poss and i + 1 < len(tx.toks) and text[e:tx.toks[i + 1][0]] == " ":
        r = _take(tx, i, first_min=2, lower_min=None, max_tokens=3)
        if r is not None and r[0] > i:
            return r
    if poss:  # possessive of a given name followed by a lower-case word: "Priya's laptop"
        if c == 3 and e + 1 < len(text) and text[e] == " " and text[e + 1].islower():
            return i, e - poss
        return None
    if _SAID.match(text, e) or _VOCATIVE_AFTER.match(text, e) and _VOCATIVE_BEFORE.search(win) or \
            _HERE.match(text, e) and (i == 0 or _HERE_BEFORE.search(win)):
        return i, e
    # vocatives ending a clause: "..., Michael, I ...", "don't leave me Michael," "thank you Anna."
    if text.startswith(",", e) and _VOCATIVE_BEFORE.search(win) and not _RELATIVE_AFTER.match(text, e) or \
            _VOCATIVE_END.match(text, e) and _VOCATIVE_PRONOUN_B.search(win):
        return i, e
    return None
def _speaker_labels(tx: _Text, out: list[Span]) -> None:
    text = tx.text
    if ":" not in text:
        return
    labels = [(m.start(1), m.end(1), m.group(1)) for m in _SPEAKER.finditer(text)]
    if not labels:
        return
    counts: dict[str, int] = {}
    for _, _, lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    # labels that are capitalised non-English words count only in a dialogue: two such labels, each used twice
    unknown = sorted(lab for lab, k in counts.items() if k >= 2 and all(
        _is_cap(w) and len(w) >= 3 and _cls(w) >= 1 for w in lab.split()))
    for s, e, lab in labels:
        words = lab.split()
        cls = [_cls(w) for w in words]
        # a quoted line after the label is speech: 'carol: "where are the keys?"' (names that are everyday words too)
        colon = text.find(":", e)
        quoted = colon != -1 and text[colon + 1:colon + 4].lstrip(" \t")[:1] in ('"', "“")
        if all(_is_cap(w) for w in words):
            ok = cls[0] >= 2 and all(c >= 1 for c in cls) or len(unknown) >= 2 and lab in unknown or \
                quoted and _everyday_given(words[0]) and all(c >= 1 or _everyday_given(w) for w, c in
                                                            zip(words[1:], cls[1:]))
        else:
            ok = len(words) == 1 and lab.islower() and (cls[0] == 3 or quoted and (cls[0] == 2 or
                                                                                  _everyday_given(lab)))
        if ok:
            out.append(Span(s, e, "PERSON", SCORE, SOURCE))


def _list_members(text: str, m: re.Match) -> list[list[tuple[int, int, str]]] | None:
    """The members of the list ``m`` as lists of (start, end, word) tokens; None when fewer than two or one is empty."""
    members: list[list[tuple[int, int, str]]] = []
    pos = m.start()
    for sep in list(_LIST_SEP.finditer(text, m.start(), m.end())) + [None]:
        seg_end = sep.start() if sep is not None else m.end()
        members.append([(t.start(), t.end(), t.group(0)) for t in _TOKEN.finditer(text, pos, seg_end)])
        if sep is not None:
            pos = sep.end()
    if len(members) < 2 or any(not mem for mem in members):
        return None
    return members


def _lists(tx: _Text, out: list[Span]) -> None:
    text = tx.text
    if "," not in text and " and " not in text and "&" not in text:
        return
    for m in _LIST.finditer(text):
        members = _list_members(text, m)
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
            names.append((cand[0][0], cand[-1][1] - (2 if _POSSESSIVE.search(cand[-1][2]) else 0),
                          _cls(first) >= 2 and (_is_cap(first) or _cls(first) == 3)))
        if sum(1 for n in names if n[2]) >= 2:
            for s, e, _ in names:
                if s >= 0:
                    out.append(Span(s, e, "PERSON", SCORE, SOURCE))


def _name_like(toks: list[tuple[int, int, str]]) -> bool:
    if not toks or len(toks) > 3:
        return False
    cap = _is_cap(toks[0][2])
    for _, _, w in toks:
        if _is_cap(w) != cap or _cls(w) < 1:
            return False
        if not cap and not w.islower():
            return False
    if not cap:  # lower-case members: every word a given name or a census last name
        return _cls(toks[0][2]) >= 2 and all(_cls(w) >= 2 or _core(w) in _last_names() for _, _, w in toks[1:])
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Everyday-word names after the strongest cues, possessives, name answers, initials and post-nominal suffixes

_VOCATIVE_END = re.compile(r"[ \t]*[,!?.]")
_RELATIVE_AFTER = re.compile(r",[ \t]*(?:which|where|whose|a|an|the|in|on|at)\b", _I)  # "Julian, which is a town"
_VOCATIVE_PRONOUN_B = re.compile(r"\b(?:me|us|you|him|her|them|please|now|again|too|anymore|sorry|thanks|"
                                 r"okay|ok|yes|no|right)[ \t]+\Z", _I)
# the strongest cues only: a name that is also an everyday word ("Hope", "Will", "carol") needs one of them
_NAME_CUE_B = re.compile(r"\b(?:my\s+(?:full\s+|first\s+|real\s+|legal\s+|given\s+|maiden\s+|nick)?name\s*"
                         r"(?:is|was|'s|’s|=|:)"
                         r"|(?:you\s+can\s+|please\s+|just\s+)?call\s+me|i\s+go\s+by(?:\s+the\s+name)?"
                         r"|i\s*(?:'m|’m|\s+am)\s+called|i\s+am\s+named|(?<![\w.])n[ée]e"
                         r"|(?:everyone|everybody|people|friends|my\s+friends|they|most\s+people|folks)\s+"
                         r"(?:usually\s+|just\s+|all\s+)?calls?\s+me)[ \t]*:?[ \t]*\Z", _I)
_NAME_CUE_END = frozenset(("is", "was", "me", "by", "called", "named", "name", "nickname", "née", "nee"))
# after the strongest cues a capitalised word is a name even when it is an English word ("call me Will", "my maiden
# name is Christian", "everyone calls me Lind"); not a pronoun, determiner or filler ("call me the boss", "call me
# Anything")
_STRONG_STOP = frozenset("""a an the this that these those my your his her our their its it me you him them us i we
they he she not no yes so just now here there maybe sure anytime anything whatever whenever anyone someone something
somebody everyone nothing what who please back ok okay sir madam maam ma'am mister miss mr mrs ms dr crazy
old later tomorrow today tonight soon again if when and or but""".split())
_TITLE_CUE = re.compile(r"\b[A-Z][\w'’]*[ \t]+[A-Z][\w'’]*[ \t]*:?[ \t]*\Z")  # "Call Me Maybe": a title, no cue


def _strong_word(tx: _Text, i: int) -> bool:
    """A capitalised word after one of the strongest cues (the caller checked the cue): no pronoun / determiner /
    filler, no allow-listed product or assistant name, the cue itself not title-cased (``Call Me Maybe``)."""
    s, _e, w = tx.toks[i]
    f = fold(_core(w))
    if not _is_cap(w) or len(f) < 2 or f in _STRONG_STOP or f in _allowed_terms() or \
            f in _not_given() and name_frequency(f) < 1_000:
        return False
    return not _TITLE_CUE.search(tx.text, max(0, s - 30), s)


# surname cues: an unknown word (word_class 1, either case) or a census surname after them is a surname
_SURNAME_CUE_B = re.compile(
    r"(?:\b(?:maiden|sur|family|last|birth)[ \t]*name[ \t]*(?:is|was|:|=)?|\bn[ée]e|"
    r"\b(?:mr|mrs|ms|mx|dr|prof)\.?|(?<![\w.])the)[ \t]*:?[ \t]*\Z", _I)
_SURNAME_CUE_END = frozenset(("is", "was", "name", "surname", "née", "nee", "mr", "mrs", "ms", "mx", "dr", "prof",
                              "the"))
_FAMILY_AFTER = re.compile(r"[ \t]+(?:family|families|household|residence|twins|brothers|sisters)\b", _I)


def _surname_after_cue(tx: _Text, i: int, cap: bool, c: int) -> bool:
    s, e, w = tx.toks[i]
    prev = tx.toks[i - 1][2].casefold()
    if prev == "the":  # "the Okafor family" (capitalised only; "the smith family" is too ambiguous)
        return cap and c == 1 and _FAMILY_AFTER.match(tx.text, e) is not None and not _info(w)[2]
    if not _SURNAME_CUE_B.search(tx.text, max(0, s - 40), s):
        return False
    if c >= 1:
        return cap or w.islower() and len(w) >= 3 and not _CODE_AFTER.match(tx.text, e)
    return cap and prev not in ("is", "was") and _core(w).casefold() in _last_names()


@lru_cache(maxsize=1)
def _not_given() -> frozenset:
    from ..lexicons.names import NOT_GIVEN
    from ..lexicons.base import skip_words

    return frozenset(skip_words()) | NOT_GIVEN


def _everyday_given(w: str) -> bool:
    """A given name that is also an everyday word (``hope``, ``carol``, ``will``): seen often in the name sources and
    no stop word, role, month or assistant name."""
    f = fold(w)
    return len(f) >= 3 and f not in _not_given() and name_frequency(f) >= 1_000


def _everyday_name(tx: _Text, i: int, cap: bool) -> tuple[int, int] | None:
    """``My name is Hope (Kowalczyk)`` / ``call me will.``: the word, plus a following surname."""
    toks, text = tx.toks, tx.text
    s, e, w = toks[i]
    poss = _info(w)[2]
    if poss:
        return None
    if not cap and not w.islower():
        return None
    if i + 1 < len(toks) and text[e:toks[i + 1][0]] == " ":
        nw = toks[i + 1][2]
        if cap and _is_cap(nw):
            r = _take(tx, i + 1, first_min=1, lower_min=None, max_tokens=2)
            if r is not None:
                return r
            if _core(nw).casefold() in _last_names():
                return i + 1, toks[i + 1][1] - _info(nw)[2]
        if not cap and nw.islower() and (_cls(nw) >= 1 or _core(nw) in _last_names()):
            return i + 1, toks[i + 1][1] - _info(nw)[2]
    if not _AFTER_INTRO.match(text, e):
        return None
    return i, e


# credits name people: "directed by X", "co-starring X", "a novel by X" (never "sorted by", "powered by": code and
# products)
_CREDIT_B = re.compile(
    r"(?:\b(?:(?:co-?)?(?:directed|written|produced|narrated|illustrated|composed|performed|authored)|"
    r"(?:a|an|the|his|her|their|new|latest|famous|classic|great|first|last|another)[ \t]+(?:[\w\-]+[ \t]+)?"
    r"(?:song|novel|film|movie|book|album|poem|play|painting|story|essay|memoir|biography|documentary|symphony|"
    r"opera|sculpture|track|single|record|comic|series|show|sitcom|screenplay|photo|photograph|portrait|mural)s?)"
    r"[ \t]+by|(?<![\w\-])(?:co-?)?starring|(?<![\w\-])featuring)[ \t]+\Z", _I)
_CREDIT_END = frozenset(("by", "starring", "co-starring", "costarring", "featuring"))


def _credit_word(w: str, *, first: bool) -> bool:
    """One capitalised word of a credited name: no stop word / pronoun (``by the``, ``by our``), no allow-listed
    product (``written by OpenAI``), no big city; after the first word also any capitalised noun (``Stephen
    King``) but no English verb / adjective (``Studio Ghibli Presents``)."""
    core = _core(w)
    f = fold(core)
    if not _is_cap(core) or len(f) < 2 or not core.replace("-", "").replace("'", "").isalpha() or \
            f in _STRONG_STOP or f in _allowed_terms() or f in _not_given() and name_frequency(f) < 1_000:
        return False
    if first:
        return not is_place_name(core)
    from ..lexicons.names import all_name_tokens

    return _cls(core) >= 1 or f in _last_names() or f in all_name_tokens() or not is_verb_or_adjective(f)


def _credit_name(tx: _Text, i: int) -> int | None:
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
    if _is_cap(w):
        if not _credit_word(w, first=True) or _cls(w) < 1:
            return None  # an everyday first word ("Frank", "Jordan", "Hope", "Hand") stays spaCy's
        j = i
        while j + 1 < len(toks) and j - i < 3 and not _info(toks[j][2])[2] and \
                text[toks[j][1]:toks[j + 1][0]] == " ":
            k = _particle_run(tx, j + 1, lower=False)
            if k is not None and k - i < 4:
                j = k
                continue
            if not _credit_word(toks[j + 1][2], first=False):
                break
            j += 1
        words = [toks[k][2] for k in range(i, j + 1) if toks[k][2].casefold() not in _PARTICLES]
        if featuring and not (_cls(words[0]) >= 2 or all(_cls(x) >= 1 for x in words)):
            return None
        return toks[j][1] - _info(toks[j][2])[2]
    if not w.islower() or featuring or not tx.lowercase:
        return None
    j = i - 1
    while j + 1 < len(toks) and j + 1 - i < 4 and (j < i or text[toks[j][1]:toks[j + 1][0]] == " "):
        nw = toks[j + 1][2]
        if not nw.islower() or _cls(nw) < 1 or fold(_core(nw)) in _not_given() or _shorthand(nw) or \
                _CODE_AFTER.match(text, toks[j + 1][1]):
            break
        j += 1
        if _info(nw)[2]:
            break
    if j < i or (j == i and _cls(w) < 1):
        return None
    return toks[j][1] - _info(toks[j][2])[2]


_SENT_BREAK = re.compile(r"[.!?\n]")


def _possessives(tx: _Text, cands: list[tuple[int, int]], out: list[Span]) -> None:
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


def _inline_answer(tx: _Text, q_end: int, out: list[Span]) -> None:
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
    elif not all(_is_cap(w) for w in words):
        return
    if any(fold(w) in _not_given() or fold(w) in _allowed_terms() or _shorthand(w) for w in words):
        return
    first = _core(words[0])
    given = _cls(first) >= 2 or _everyday_given(first)
    if not (given or _cls(first) == 1):
        return
    for w in words[1:]:
        f = fold(_core(w))
        if not (_cls(w) >= 1 or (given or f in all_name_tokens()) and not is_verb_or_adjective(f)):
            return  # after a given name also a noun ("miriam finch"); never a verb / adjective ("anna curious")
    out.append(Span(m.start("name"), m.end("name"), "PERSON", ANSWER_SCORE, SOURCE))


def _name_answers(tx: _Text, out: list[Span]) -> None:
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
        stop = _not_given()
        if any(fold(w) in stop for w in words):
            continue
        first = _core(words[0])
        if not (_cls(first) >= 2 or _everyday_given(first) or len(words) >= 2 and all(_cls(w) >= 1 for w in words)
                or len(words) == 1 and _is_cap(first) and len(first) >= 4 and _cls(first) == 1):  # a surname
            continue
        # the question makes this a person: its score outranks a gazetteer's place reading of the same words
        out.append(Span(m.start("name"), m.end("name"), "PERSON", ANSWER_SCORE, SOURCE))


_INITIALS = re.compile(r"(?<![\w.])((?:[^\W\d_]\.[ \t]?){1,3})[ \t]*([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?)")
_ABBREVIATIONS = frozenset("""u.s. u.k. e.u. u.n. d.c. a.i. p.s. n.b. e.g. i.e. a.m. p.m. b.c. a.d. r.i.p. q.a. u.s.a.
p.o. n.y. l.a. s.f. g.i. e.v. t.v. o.k. v.s. b.s. m.s. b.a. m.a. m.d. ph.d. inc. co. no. vs. st. mt. dr. mr. ms.""".split())


def _initials(tx: _Text, out: list[Span]) -> None:
    """``H. J. Vandermolen``, ``J.R.R. Tolkien``, ``Maria T. Gonzaga``: initials + a surname (a non-English word or a
    census surname; after two or more initials also a noun-only word), with a given name before them."""
    text = tx.text
    for m in _INITIALS.finditer(text):
        ini, last = m.group(1), m.group(2)
        letters = [c for c in ini if c.isalpha()]
        if not all(c.isupper() for c in letters) or not _is_cap(last):
            continue
        key = "".join(c.casefold() + "." for c in letters)
        if key in _ABBREVIATIONS or any(k in _ABBREVIATIONS for k in (key[:4], key[:6])):
            continue
        lc = _cls(last)
        lf = fold(last)
        if lf in _not_given():
            continue
        ok_last = lc >= 1 or lf in _last_names() or len(letters) >= 2 and not is_verb_or_adjective(lf)
        if "'" in last or "’" in last:
            continue  # "Model S. I'm ..."
        start = m.start()
        # a given name just before ("Maria T. Gonzaga")
        pre = text[max(0, start - 40):start]
        pm = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+\Z", pre)
        if pm and _is_cap(pm.group(1)) and _cls(pm.group(1)) >= 2:
            start -= len(pm.group(0))
            ok_last = ok_last or not is_verb_or_adjective(lf)
        elif len(letters) == 1 and (lc < 1 and lf not in _last_names() or _OUTLINE_BEFORE.search(pre) or
                                    pm and _is_cap(pm.group(1))):
            continue  # "A. Gatsby's obsession" (an outline item), "Model S. Smith"
        if not ok_last:
            continue
        end = m.end(2)
        if m.end(2) < len(text) and text[m.end(2)] == " ":  # "F. Scott Fitzgerald"
            r = _take_next_cap(tx, end)
            end = r if r is not None else end
        out.append(Span(start, end, "PERSON", SCORE, SOURCE))


_OUTLINE_BEFORE = re.compile(r"(?:^|\n)[ \t>*\-•#]*\Z")


def _take_next_cap(tx: _Text, pos: int) -> int | None:
    m = _TOKEN.match(tx.text, pos + 1)
    if not m:
        return None
    w = m.group(0)
    if _is_cap(w) and not _info(w)[2] and (_cls(w) >= 1 or fold(w) in _last_names()):
        return m.end()
    return None


_SUFFIX = re.compile(r",?[ \t]+(?P<suf>Jr\.?|Sr\.?|Esq\.?|Ph\.[ ]?D\.?|PhD|D\.Phil\.?|M\.D\.|MD|DDS|DVM|MBA|CPA|"
                     r"RN|II|III|IV)(?![\w])")
_STRONG_SUFFIX = frozenset(("jr", "jr.", "sr", "sr.", "esq", "esq.", "phd", "ph.d.", "ph.d", "ph. d.", "d.phil.",
                            "d.phil", "iii"))
_NAME_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’\-]*)[ \t]*\Z")


def _suffixes(tx: _Text, out: list[Span]) -> None:
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
            pm = _NAME_WORD_BEFORE.search(text, max(0, pos - 40), pos)
            if not pm or not _is_cap(pm.group(1)) or _info(pm.group(1))[2]:
                break
            gap = text[pm.end(1):pos]
            if words and gap not in (" ", "  ", ". ", "."):
                break
            words.insert(0, (pm.start(1), pm.group(1)))
            pos = pm.start(1)
        # the first word must be a given name; drop leading words that are not ("Dear Robert Lang Jr.")
        while words and not (_cls(words[0][1]) >= 2 or len(words[0][1]) == 1):
            words.pop(0)
        if not words or len(words[0][1]) == 1:
            continue
        rest = [w for _, w in words[1:]]
        if any(fold(w) in _not_given() for w in rest):
            continue
        suf = m.group("suf").casefold()
        if len(words) < 2 and suf not in ("jr", "jr.", "sr", "sr."):
            continue
        if suf not in _STRONG_SUFFIX and not all(_cls(w) >= 1 or fold(w) in _last_names() for w in rest):
            continue
        out.append(Span(words[0][0], m.end(), "PERSON", SCORE, SOURCE))


_LOWER_AFTER_OK = re.compile(r"[ \t]*(?:[,.!?;)]*(?:[ \t\n]|$)|$)")


def _lone_lower(tx: _Text, i: int, win: str) -> bool:
    """A lone lower-case given name that is no English word and frequent in the name sources (``send it to priya``,
    ``ask jukka``) in prose: after a lower-case word or a sentence start, not in code, markup, a JSON key or value, a
    URL or a path, and not after a determiner (``the sven model``)."""
    s, e, w = tx.toks[i]
    text = tx.text
    if s > 0 and not text[s - 1].isspace():
        return False  # "'lang'", "(len", "/priya"
    if not _LOWER_AFTER_OK.match(text, e) or _CODE_AFTER.match(text, e):
        return False
    if i > 0:
        pw = tx.toks[i - 1][2]
        if pw.casefold() in _DETERMINERS or not pw.islower() and not _SENT_START.search(win.rstrip(" \t") + " "):
            return False
    return not _MARKUP_BEFORE.search(win.rstrip(" \t"))


# cues that take a person as their object (not "email", "contact", "from", "with": products and companies too)
_PERSON_VERB = re.compile(r"(?:ask|asked|tell|told|thank|thanked|ping|pinged|cc|cc'?d|invite|invited|introduce|"
                          r"introduced|(?:spoke|speak|speaking|talked|talk|talking|chatted|met|meet|meeting)\s+"
                          r"(?:to|with)|signed\s+by|approved\s+by)")


_OBJECT_END = re.compile(r"[ \t]*(?:[,.!?;:)]|$|\n|(?:about|and|to|for|at|on|in|yesterday|today|tomorrow|last|"
                         r"this|again|if|that|because|when|who|before|after|regarding|earlier|later|over|via|by)\b)",
                         _I)


@lru_cache(maxsize=1)
def _allowed_terms() -> frozenset:
    try:
        from .dictionary import cached_allow_list

        return frozenset(t.casefold() for t in cached_allow_list((), True).terms)
    except Exception:  # noqa: BLE001 - a precision aid only
        return frozenset()


def _surname_like(w: str) -> bool:
    """A capitalised non-English word that could be a surname: letters only, at least four, no inner capitals
    (``OpenAI``), no allow-listed product or tech name."""
    core = _core(w)
    return len(core) >= 4 and core.isalpha() and not any(ch.isupper() for ch in core[1:]) and \
        core.casefold() not in _allowed_terms()


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
    core = _core(w)
    f = fold(core)
    if f in _not_given() or f in _allowed_terms() or len(f) < 2:
        return False
    cap, c, _ = _info(core)
    if cap:
        if c >= 2:
            return True
        return c == 1 and (strong and core.isalpha() or _surname_like(core) and f in _last_names()) and \
            not is_place_name(core)
    return lower_ok and core.islower() and c >= 2


def _name_from(text: str, start: int, end: int, *, lower_ok: bool, strong: bool) -> tuple[int, int] | None:
    """The name inside ``text[start:end]`` (one or two words): both words person-like -> both; else the last word."""
    words = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text, start, end)]
    if not words:
        return None
    last = words[-1]
    if not _person_word(last[2], lower_ok=lower_ok, strong=strong):
        return None
    if len(words) == 2:
        first = words[0]
        both_cap = _is_cap(first[2]) and _is_cap(last[2])
        both_low = first[2].islower() and last[2].islower()
        if both_cap and _person_word(first[2], lower_ok=False, strong=True) and _cls(first[2]) >= 1 or \
                both_low and lower_ok and _cls(first[2]) >= 2:
            return first[0], last[1]
        if both_cap and _cls(first[2]) >= 1 and fold(first[2]) not in _not_given():
            return None  # "Visual Kovac's" is unclear; "Tesla Motors' partner" is no person
    return last[0], last[1]


def _relations(tx: _Text, out: list[Span]) -> None:
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
        cap = _is_cap(w)
        if not cap and not lower_ok:
            continue
        r = None
        if pw in ("him", "her", "them", "named", "called") or pw.rstrip("s") in _KIN_SET:
            win = text[max(0, s - 50):s]
            if _NAMING.search(win) and _person_word(w, lower_ok=lower_ok, strong=True) or \
                    pw not in ("him", "her", "them", "named", "called") and _THIRD_REL.search(win) and \
                    _person_word(w, lower_ok=lower_ok, strong=True):
                r = _take(tx, i, first_min=1, lower_min=2 if lower_ok else None, max_tokens=3)
        elif has_and and pw == "and" and _ME_AND.search(text, max(0, s - 20), s) and \
                _person_word(w, lower_ok=lower_ok, strong=False) and \
                not (i + 1 < len(toks) and text[e:toks[i + 1][0]] == " " and _is_cap(toks[i + 1][2]) and
                     _cls(toks[i + 1][2]) == 0):
            r = _take(tx, i, first_min=1, lower_min=2 if lower_ok else None, max_tokens=3)
        elif cap and has_quote and _cls(w) == 1 and not _info(w)[2] and _person_word(w, lower_ok=False, strong=True):
            # vocatives of non-English words in direct speech (given names: _given_name_phrase); a surname that is
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
            if not _is_cap(x) and not lower_ok:
                continue
            if _person_word(x, lower_ok=lower_ok, strong=False):
                s0 = m.start("x")
                pm = _NAME_WORD_BEFORE.search(text, max(0, s0 - 30), s0)
                if pm and text[pm.end(1):s0] == " " and _is_cap(pm.group(1)) and _cls(pm.group(1)) == 0 and \
                        not _SENT_START.search(text[max(0, pm.start(1) - 3):pm.start(1)]):
                    continue  # "Visual Studio and I"
                out.append(Span(s0, m.end("x") - _info(x)[2], "PERSON", SCORE, SOURCE))


_VOC_TRIGGER = re.compile(r"[,\"“][ \t]*(?=[^\W\d_])")
_KIN_SET = frozenset(w.replace("?", "").replace("\\s+", " ") for w in _KIN.split("|")) | \
    frozenset(("daughter", "son", "husband", "brother", "sister", "cousin", "niece", "nephew", "sibling", "grandkid"))
_TRIG_WORDS = _KIN_SET | frozenset(w + "s" for w in _KIN_SET) | frozenset(("him", "her", "them", "named", "called",
                                                                            "and"))


_UNSPACED_COMMA = re.compile(r",[^\s]")


def _given_in_people_list(w: str) -> bool:
    """A capitalised given name that is also a word or a month (April, Amber, Jan), in a list of people: seen often
    in the name sources, no place (Paris, Georgia) and no allow-listed product / tech term."""
    core = _core(w)
    return _is_cap(w) and name_frequency(core) >= 1_000 and not is_place_name(core) and \
        fold(core) not in _allowed_terms()


def extend_name_lists(text: str, persons: list[tuple[int, int]]) -> list[Span]:
    """Members of a coordinated list (``A, B and C``) next to a PERSON found by any detector that look like names
    too (a given name, or capitalised surname-like words that are no product / place / assistant name). ``persons``:
    (start, end) of the PERSON spans the cascade already holds. Returns new PERSON spans (sorted)."""
    if not persons or ("," not in text and " and " not in text and "&" not in text):
        return []
    pset = sorted(set(persons))
    if not any(_SEP_AFTER.match(text, b) or _SEP_BEFORE.search(text, max(0, a - 8), a) for a, b in pset):
        return []  # no person stands next to a list separator
    out: list[Span] = []
    for m in _LIST.finditer(text):
        if _UNSPACED_COMMA.search(m.group(0)):
            continue  # "Netflix,Prime,Hulu": a value list, no prose
        members = _list_members(text, m)
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
            if len(mem) > 2 or not all(_is_cap(w) for _, _, w in mem) or \
                    not all(_person_word(w, lower_ok=False, strong=True) and (_cls(w) >= 2 or _surname_like(w))
                            for _, _, w in mem):
                if mostly_people and len(mem) == 1 and _given_in_people_list(mem[0][2]):
                    new.append((mem[0][0], mem[0][1] - _info(mem[0][2])[2]))
                    continue
                ok = False  # one member is no name: a mixed list ("Priya, Docker and Kubernetes")
                break
            new.append((mem[0][0], mem[-1][1] - _info(mem[-1][2])[2]))
        if ok:
            out.extend(Span(a, b, "PERSON", SCORE, SOURCE) for a, b in new)
    return sorted(set(out), key=lambda sp: (sp.start, sp.end))
