"""Shared pieces of the PERSON cue detector (``person_cues``): cue patterns, the tokenised text (``CueText``), word
info from the name lexicons, and ``take_name`` (extend a name from a start token)."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from ..lexicons.names import fold, is_place_name, lexicon, name_frequency, word_class
from .base import Span

SOURCE = "person_cue"
# just under the spaCy score (0.5): where a model span overlaps ours, the merged span keeps the model as its source,
# so the cascade still trims it to a name known from the session ("Caller Tamara Okonkwo", tagged ORG by spaCy ->
# "Tamara Okonkwo"); where no model span overlaps, ours stands alone (min_score is 0.4)
SCORE = 0.49
ANSWER_SCORE = 0.7  # the answer to a name question ("what's the name on the account?" -> "user: priya raman")
_I = re.IGNORECASE

TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
PARTICLES = frozenset("van von de der den di da del della dos das du la le bin ibn al el ter ten zu af".split())
_RELATIONS = (r"friend|best friend|wife|husband|son|daughter|brother|sister|mom|mum|mother|dad|father|boss|"
              r"colleague|coworker|co-worker|manager|partner|boyfriend|girlfriend|fiancée?|neighbou?r|cousin|uncle|"
              r"aunt|grandma|grandpa|grandmother|grandfather|teacher|student|roommate|flatmate|classmate|"
              r"supervisor|landlord|landlady|tenant|client|lawyer|attorney|therapist|doctor|nurse|dentist|"
              r"niece|nephew|stepson|stepdaughter|stepmother|stepfather|ex|buddy|mate|pal|baby|kid|child|"
              r"grandson|granddaughter|spouse|assistant|secretary|intern|coach|tutor|professor")

# Cue regexes, anchored at the end of the 60 chars before a candidate word (the detector walks the words of a text
# once and looks back only from words that could be names, so its cost is linear and small).
STRONG_B = re.compile(
    r"\b(?:my\s+(?:full\s+|first\s+|last\s+|real\s+|legal\s+|given\s+|nick)?name\s*(?:is|'s|’s|=|:)"
    r"|(?:you\s+can\s+|please\s+|they\s+|just\s+|people\s+|friends\s+)?call\s+me"
    r"|(?:everyone|everybody|people|friends|most\s+people|folks)\s+(?:usually\s+|just\s+|all\s+)?calls?\s+me"
    r"|i\s+go\s+by|i\s*(?:'m|’m|\s+am)\s+called|i\s+am\s+named|signed,?"
    r"|my\s+(?:" + _RELATIONS + r")(?:'s|’s)?\s*(?:,|named|called|is\s+called)?)[ \t]*:?[ \t]*\Z", _I)
GIVEN_B = re.compile(
    r"\b(?P<cue>i\s*(?:'m|’m|\s+am)|im|this\s+is|it'?s|it’s|named|called|ask\s+for|asked\s+for|(?:spoke|speak|"
    r"speaking|talked|talk|talking|chatted|chatting|met|meet|meeting|working|worked|went|go|going|came|come|coming)"
    r"\s+(?:to|with)|contact|contacted|email|emailed|e-mail|text|texted|message|messaged|ping|pinged|cc|cc'?d|"
    r"tell|told|thank|thanked|ask|asked|invite|invited|introduce|introduced|according\s+to|on\s+behalf\s+of|"
    r"signed\s+by|written\s+by|sent\s+by|reported\s+by|assigned\s+to|approved\s+by|says|said|replied|"
    r"(?:shouted|yelled|screamed)\s+at|from|by|with|and|for)[ \t]+\Z",
    _I)
# the name after "I'm" / "this is" must end the clause (not "I'm Sorry" / "I'm Happy to help")
AFTER_INTRO = re.compile(r"[ \t]*(?:[,.!;:)]|$|\n|(?:from|here|speaking|calling|with|at|and|of|by)\b)", _I)
SPEECH_CUES = frozenset(("says", "said", "replied"))  # a lower-case name that is also a word: only ending a clause
CLAUSE_END = re.compile(r"[ \t]*(?:[,.!?;:)\"”]|$|\n)")
INTRO_WEAK = frozenset(("i'm", "i’m", "i am", "im", "this is", "it's", "its", "it’s"))
WEAK_CUES = frozenset(("from", "by", "with", "and", "for"))  # everyday words: capitalised given names only
GREETING_B = re.compile(
    r"\b(?:hi|hello|hey|hiya|dear|thanks|thank\s+you|thx|cheers|bye|goodbye|good\s+(?:morning|afternoon|evening|"
    r"night)|welcome(?:\s+back)?|congrats|congratulations|sorry|ok|okay)[ \t]*,?[ \t]+\Z", _I)
AFTER_GREETING = re.compile(r"[ \t]*(?:[,.!?;:]|$|\n|and\b|&)", _I)
CLOSING_B = re.compile(
    r"(?:\b(?:thanks|thank\s+you|many\s+thanks|thanks\s+again|regards|best\s+regards|kind\s+regards|warm\s+regards|"
    r"warmest\s+regards|best\s+wishes|all\s+the\s+best|best|cheers|sincerely|yours\s+sincerely|sincerely\s+yours|"
    r"yours\s+truly|yours|respectfully|love|take\s+care|talk\s+soon|see\s+you)[ \t]*[,!.\-–—]*[ \t]*\n[ \t]*"
    r"|\b(?:regards|best\s+regards|kind\s+regards|warm\s+regards|sincerely|cheers|best\s+wishes|many\s+thanks|"
    r"thanks)[ \t]*,[ \t]*"
    r"|(?:^|\n)[ \t]*(?:--|—|–|~)[ \t]*)\Z", _I)
TITLE_B = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Sig|Pan|Pani)\.?[ \t]+\Z")
SAID = re.compile(r"[ \t]+(?:said|says|wrote|writes|asked|asks|told|replied|replies|mentioned|explained|"
                   r"called|emailed|texted|messaged|thinks|thought|suggested|recommended|added|agreed|noted|"
                   r"shouted|shouts|yelled|yells|screamed|whispered|whispers|cried|laughed|laughs|smiled|smiles|"
                   r"nodded|nods|sighed|sighs|answered|answers|responded|exclaimed|muttered|mutters|shrugged|"
                   r"grinned|insisted|warned|announced|admitted|argued|complained|promised|interrupted|"
                   r"murmured|gasped|frowned|winked|giggled|chuckled|snapped|demanded|begged|pleaded)\b")
HERE = re.compile(r"[ \t]+here\b[ \t]*(?:[,.!:\-–—\n]|$)", _I)
HERE_BEFORE = re.compile(r"(?:^|[\n.!?,])[ \t]*\Z")
VOCATIVE_BEFORE = re.compile(r",[ \t]*\Z")
VOCATIVE_AFTER = re.compile(r"[ \t]*[!?.]")
SPEAKER = re.compile(
    r"^[ \t]*(?:[>*\-\"“'\[(]+[ \t]*)?(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?[ \t]*)?(?:\*\*)?"
    r"([^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*)?)(?:\*\*)?[ \t]*(?:\*\*)?:(?:[ \t]|$)", re.M)
LIST = re.compile(
    r"(?<![\w'’\-])(?P<m>[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})"
    r"(?P<rest>(?:[ \t]*,[ \t]*[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})+"
    r"(?:,?[ \t]+(?:and|&|or)[ \t]+[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})?"
    r"|[ \t]+(?:and|&)[ \t]+[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,2})")
_LIST_SEP = re.compile(r"[ \t]*,[ \t]*(?:(?:and|&|or)[ \t]+)?|[ \t]+(?:and|&|or)[ \t]+")
POSSESSIVE = re.compile(r"['’]s$")
# last words of the cues above (and punctuation they end with): a word after anything else skips the cue regexes
CUE_END_WORDS = frozenset(
    (_RELATIONS.replace("?", "").replace("(", "").replace(")", "") + "|fiance|fiancee|neighbor|neighbour|is|me|by|"
     "called|named|i'm|i’m|am|im|it's|it’s|its|for|to|with|contact|contacted|email|emailed|e-mail|mail|text|texted|"
     "message|messaged|ping|pinged|cc|ccd|cc'd|tell|told|thank|thanked|ask|asked|invite|invited|introduce|"
     "introduced|of|from|and|hi|hello|hey|hiya|dear|thanks|you|thx|cheers|bye|goodbye|morning|afternoon|evening|"
     "night|welcome|back|congrats|congratulations|sorry|ok|okay|best|regards|wishes|sincerely|yours|truly|"
     "respectfully|love|care|soon|mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|sr|sra|sig|pan|pani|"
     "name|nickname|says|said|replied|at").split("|"))
CUE_GAP_CHARS = frozenset("-—–~")  # "-- Priya" signatures (other cues end in a word of CUE_END_WORDS)
LONE_FREQ = 2_000  # a lone capitalised given name must have been seen this often in the name sources
LONE_FREQ_NOUN = 100_000  # ... and a given name that is also an English noun (John, Anna) this often
LONE_FREQ_LOWER = 5_000  # a lone lower-case given name ("send it to priya") must have been seen this often
SENT_START = re.compile(r"(?:^|[.!?:;\n\"“(\[*#>\-•])[ \t]*\Z")


@lru_cache(maxsize=131072)
def word_info(w: str) -> tuple[bool, int, int]:
    """(capitalised, word_class, length of a possessive ending) of one token."""
    poss = 2 if POSSESSIVE.search(w) else 0
    core = w[:-poss] if poss else w
    cap = core[0].isupper() and any(ch.islower() for ch in core[1:])
    return cap, word_class(core), poss


def is_cap(w: str) -> bool:
    return word_info(w)[0]


def word_cls(w: str) -> int:
    return word_info(w)[1]


def word_core(w: str) -> str:
    p = word_info(w)[2]
    return w[:-p] if p else w


def last_names() -> frozenset:
    return lexicon()[1]


class CueText:
    """Tokens of one text (start, end, word); ``lowercase``: ``truecase.is_lowercase_text``, worked out once."""

    def __init__(self, text: str):
        self.text = text
        self.toks = [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text)]

    @cached_property
    def lowercase(self) -> bool:
        from ..truecase import is_lowercase_text

        return is_lowercase_text(self.text)


def take_name(tx: CueText, i: int, *, first_min: int, lower_min: int | None, max_tokens: int = 4,
          particles_lower: bool = False) -> tuple[int, int] | None:
    """A name starting at token ``i``: (token index of the last word, end char) or None.

    Capitalised: the first word needs ``word_class >= first_min`` (1 = any non-English word, 2 = a given name); the
    next words must be capitalised non-English words / given names (particles ``van``, ``de`` ... in between).
    Lower-case (``lower_min`` not None): the first word must be a given name of class >= ``lower_min``; following
    lower-case words only when they are given names or census last names."""
    if i < 0 or i >= len(tx.toks):
        return None
    w = tx.toks[i][2]
    cap, c, _ = word_info(w)
    if cap:
        if c < first_min or (first_min >= 2 and c == 1):
            return None
    else:
        if lower_min is None or c < lower_min or c == 1 or not w.islower():
            return None
    j = i
    toks, text = tx.toks, tx.text
    while j + 1 < len(toks) and j - i + 1 < max_tokens and not word_info(toks[j][2])[2]:
        gap = text[toks[j][1]:toks[j + 1][0]]
        if gap not in (" ", "  "):
            break
        nw = toks[j + 1][2]
        ncap, nc, _ = word_info(nw)
        if cap:
            k = particle_run(tx, j + 1, lower=False)
            if k is not None:  # "Joost van den Berg", "Ana de la Cruz", "Omar bin Laden"
                j = k
                continue
            if not ncap or nc < 1 and word_core(nw).casefold() not in last_names():  # Einstein, Hooper: nouns
                break
        else:
            k = particle_run(tx, j + 1, lower=True) if particles_lower else None
            if k is not None:  # "my name is sanne de boer"
                j = k
                continue
            if not nw.islower() or nc < 1 or word_core(nw) not in last_names() and nc < 2:
                break
        j += 1
    return j, toks[j][1] - word_info(toks[j][2])[2]


# name particles ("van der", "de la", "bin"): lower case inside a name; these also capitalised ("Vincent Van Gogh")
_PARTICLES_CAP = frozenset("van von de der den di da del della dos das du bin ibn ter".split())
_PARTICLE_STOP = frozenset("""a an the and or of in on at to for by with from as is are was were be it its this that
i me my you your he him his she her we us our they them their not no so but if then than""".split())


def particle_run(tx: CueText, k: int, *, lower: bool) -> int | None:
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
        if not (pw.casefold() in PARTICLES and (pw.islower() or not lower and pw.casefold() in _PARTICLES_CAP and
                                                 is_cap(pw))) or word_info(pw)[2]:
            break
        n += 1
    j = k + n
    if n == 0 or j >= len(toks) or text[toks[j - 1][1]:toks[j][0]] != " ":
        return None
    w = toks[j][2]
    f = fold(word_core(w))
    if len(f) < 2 or f in _PARTICLE_STOP or f in PARTICLES or f in allowed_terms():
        return None
    if lower:
        return j if w.islower() and (word_cls(w) >= 1 or word_core(w) in last_names()) else None
    return j if is_cap(w) and f not in not_given() else None


PARTICLE_NEAR = re.compile(r"[^\W\d_] (?:" + "|".join(sorted(PARTICLES)) + r") ", _I)  # cheap pre-check


def extend_particles(tx: CueText, out: list[Span]) -> list[Span]:
    """A found name followed by a particle run and a capitalised name word grows by them (``Paul`` -> ``Paul van
    der Voet``), whichever cue found it."""
    ends = {e: k for k, (_a, e, _w) in enumerate(tx.toks)}
    res = []
    for sp in out:
        k = ends.get(sp.end)
        j = particle_run(tx, k + 1, lower=False) if k is not None and k + 1 < len(tx.toks) else None
        if j is not None:
            r = take_name(tx, j, first_min=0, lower_min=None, max_tokens=2)
            end = r[1] if r is not None else tx.toks[j][1] - word_info(tx.toks[j][2])[2]
            res.append(Span(sp.start, end, sp.entity_type, sp.score, sp.source))
        else:
            res.append(sp)
    return res


def preload() -> None:
    """Load the lexicons now (given names, English vocabulary, census names, big-city names: about 1 s once per
    process) instead of on the first scanned text."""
    word_class("anna")
    last_names()
    is_place_name("milan")


def cue_span(tx: CueText, i: int, end: int) -> Span:
    return Span(tx.toks[i][0], end, "PERSON", SCORE, SOURCE)




def shorthand(w: str) -> bool:
    """Chat shorthand (``lol``, ``idk``, ``gonna``): the truecaser's list."""
    from ..truecase import SHORTHAND

    return w.casefold() in SHORTHAND



def list_members(text: str, m: re.Match) -> list[list[tuple[int, int, str]]] | None:
    """The members of the list ``m`` as lists of (start, end, word) tokens; None when fewer than two or one is empty."""
    members: list[list[tuple[int, int, str]]] = []
    pos = m.start()
    for sep in list(_LIST_SEP.finditer(text, m.start(), m.end())) + [None]:
        seg_end = sep.start() if sep is not None else m.end()
        members.append([(t.start(), t.end(), t.group(0)) for t in TOKEN.finditer(text, pos, seg_end)])
        if sep is not None:
            pos = sep.end()
    if len(members) < 2 or any(not mem for mem in members):
        return None
    return members


@lru_cache(maxsize=1)
def not_given() -> frozenset:
    from ..lexicons.names import NOT_GIVEN
    from ..lexicons.base import skip_words

    return frozenset(skip_words()) | NOT_GIVEN


def everyday_given(w: str) -> bool:
    """A given name that is also an everyday word (``hope``, ``carol``, ``will``): seen often in the name sources and
    no stop word, role, month or assistant name."""
    f = fold(w)
    return len(f) >= 3 and f not in not_given() and name_frequency(f) >= 1_000


@lru_cache(maxsize=1)
def allowed_terms() -> frozenset:
    try:
        from .dictionary import cached_allow_list

        return frozenset(t.casefold() for t in cached_allow_list((), True).terms)
    except Exception:  # noqa: BLE001 - a precision aid only
        return frozenset()


def surname_like(w: str) -> bool:
    """A capitalised non-English word that could be a surname: letters only, at least four, no inner capitals
    (``OpenAI``), no allow-listed product or tech name."""
    core = word_core(w)
    return len(core) >= 4 and core.isalpha() and not any(ch.isupper() for ch in core[1:]) and \
        core.casefold() not in allowed_terms()
