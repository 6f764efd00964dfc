"""Organisation names by their form (ORGANIZATION, source ``org_form``): what the small spaCy model misses.

Written from general knowledge of how company names are built; nothing is keyed to a benchmark value. Forms:

* **head word**: one or two capitalised name words + an organisation head word (``Acme Robotics``, ``Boston
  Dynamics``, ``Quantum Leap Studios``, ``Riverside Clinic``), and ``University / Institute / Bank ... of <Name>``.
  The first name word must look like a name, not a heading word: not a stop / common word, not a generic descriptive
  word (``Operating Systems``, ``Neural Networks``, ``Social Media``, ``Public Health`` are subjects, not companies),
  not an allow-listed public product / company name (``Google Cloud``, ``Microsoft Research``). Legal suffixes
  (``Inc``, ``LLC``, ``GmbH``, ``Group`` ...) stay with ``rules.org_suffix``; here only their lower-case form
  (``acme corporation``, ``initech inc``).
* **surname firms**: ``A, B and C`` / ``A & B`` / ``A-B`` where every part is a US Census last name (PyPI ``names``,
  MIT, see ``names_lexicon.py``) and an organisation cue stands before (``at``, ``joined``, ``works for``, ``law
  firm`` ...) or after (``LLP``, ``law firm``, ``attorneys``).
* **brand-like words in an employer context**: CamelCase or digit-bearing words (``DataNexus``, ``Acme42``), acronyms
  (``IBM``) and capitalised words after ``<person> work(s|ed) at|for``, ``employed by``, ``joined``, ``my employer
  is``, or before ``is a company / startup / nonprofit / law firm ...``.

Public product / vendor names (GitHub, OpenAI, Python, Kubernetes, AWS, Visa, UPS ...) are never taken: the default
allow-list (``data/allow_list.yaml``) is consulted for every name word. One token regex per form; linear time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Span

SOURCE = "org_form"
SCORE = 0.6

# Organisation head words (capitalised, after the name). Legal suffixes are rules.org_suffix's.
_HEADS = frozenset("""
Robotics Solutions Systems Technology Tech Labs Laboratories Lab Software Networks Media Studios Studio
Pharmaceuticals Pharma Therapeutics Biosciences Bioscience Biotech Biotechnology Genomics Diagnostics Unlimited
Incorporated Corporation Bank Bancorp Bancshares Insurance Assurance University College Academy Hospital Hospitals
Clinic Clinics Institute Agency Logistics Motors Airlines Airways Aviation Aerospace Energy Electric Electronics Foods
Brands Communications Telecom Telecommunications Healthcare Analytics Dynamics Interactive Entertainment Games
Publishing Publishers Records Pictures Films Productions Properties Realty Investments Financial Securities Advisors
Advisers Advisory Construction Builders Manufacturing Supplies Distribution Distributors Trading Imports Exports
Cooperative Automotive Chemicals Materials Mining Petroleum Utilities Shipping Freight Transport Transportation Hotels
Resorts Restaurants Bakery Brewery Brewing Winery Vineyards Farms Outfitters Apparel Boutique Stores Pharmacy Dental
Orthodontics Veterinary Marketing Designs Engineering Architects Accounting Innovations Concepts Creations Worldwide
Semiconductor Semiconductors Microsystems Instruments Devices Robotics Automation Computing Cybernetics Informatics
Consultancy Consultants Staffing Recruitment Realtors Mortgage Lending Credit Savings Trust Bankshares Capital
""".split())
# heads that also name a field or an activity ("Content Marketing", "Wind Energy", "Data Mining"): the name word
# before them must be a census surname or brand-like (CamelCase, digits)
_WEAK_HEADS = frozenset("""
Marketing Engineering Accounting Computing Automation Manufacturing Construction Publishing Trading Shipping Lending
Mining Brewing Staffing Recruitment Energy Media Entertainment Games Designs Supplies Transport Transportation
Distribution Logistics Analytics Informatics Cybernetics Genomics Diagnostics Aviation Aerospace Healthcare
Telecommunications Communications Credit Savings Trust Capital Mortgage Interactive Software Technology Tech Computing
Semiconductor Semiconductors Devices Instruments Concepts Creations Innovations Solutions Systems Networks Electronics
Securities Investments Properties Materials Chemicals Utilities Freight Imports Exports Foods Brands Records Pictures
Films Productions Studio Studios
""".split())
# "<Head> of <Name>": University of X, Bank of X
_OF_HEADS = ("University", "Institute", "Bank", "College", "Academy", "Hospital", "Museum", "Society", "Ministry",
             "Department", "School", "Church", "Council", "Federation", "Association", "Conservatory")
# capitalised words that describe a subject / product line rather than name a company (heading words)
_GENERIC = frozenset("""
operating distributed embedded information management control computer computers computing data neural social mass
public mental global national international local federal state central general united american european british
world new old big small large open free best top great good modern advanced smart digital online cloud mobile web
enterprise business financial legal medical health energy solar renewable clean real virtual artificial complex
dynamic linear nonlinear quantum classical physical chemical biological natural human animal file files storage
database security network networks wireless power electrical electronic mechanical software hardware video audio
music game games gaming media news entertainment creative interactive expert intelligent autonomous recommendation
recommender learning deep machine reinforcement multi multimedia communication communications transport banking
investment insurance life home auto car space defense defence government military police fire emergency school high
middle community private commercial retail wholesale industrial agricultural educational research science
scientific technical technology engineering design production manufacturing supply chain logistics marketing
advertising sales customer support service services product products quality safety environmental water food
fashion sports travel tourism hospitality property construction legacy core base basic standard custom unified
integrated automated scalable various other different multiple many several key main major minor first second third
last next previous early late recent current future past contemporary traditional classic primary secondary
elementary junior senior graduate office home-office undergraduate medicine nursing dental veterinary children
kids women men family
university college city county regional rural urban town village island mountain valley river lake ocean sea
north south east west northern southern eastern western upper lower grand royal imperial ancient medieval
information-technology it ai ml ar vr iot api saas paas iaas crm erp hr pr qa ux ui
embedded control robotic robotics autonomous cyber cybersecurity blockchain crypto fintech edtech biotech
simple easy quick fast slow cheap premium pro plus ultra mega super micro mini nano meta hyper
agile lean scrum devops platform platforms application applications app apps web-based internet
""".split())
_MORPH_GENERIC = re.compile(r"(?:ing|ed|al|ic|ive|ous|ary|ory|ical|tion|sion|ment|ness|ity|ance|ence|ics|ogy|ist|"
                            r"ism|able|ible|less|ful)$")
_NAME_WORD = r"[A-Z][A-Za-z'’&\-]*[a-z0-9][A-Za-z0-9'’\-]*|[A-Z]{2,5}"
_CAP_TOKEN = re.compile(r"(?<=[ \t])[A-Z][a-z]+(?![\w\-'’])")
# the one or two name words right before a head word (matched backwards from the head)
_BEFORE_HEAD = re.compile(r"(?<![\w&\-'’.])(" + _NAME_WORD + r")(?:[ \t]+(" + _NAME_WORD + r"))?[ \t]+$")
_LEGAL_HINT = re.compile(r"(?<![\w\-])(?:corporation|corp|inc|llc|l\.l\.c|ltd|gmbh|plc|llp)(?![\w\-])")
_EMPLOY_HINTS = ("work", "employ", "join", "hired", "job", "position", "role", "intern", "offer", "company")
_UPPER = re.compile(r"[A-Z]")
_OF_FORM = re.compile(r"(?<![\w\-])(?:the[ \t]+)?(" + "|".join(_OF_HEADS) + r")[ \t]+of[ \t]+((?:[A-Z][\w'’\-]+)"
                      r"(?:[ \t]+(?:[A-Z][\w'’\-]+)){0,2})")
_LOWER_LEGAL = re.compile(r"(?<![\w\-.@/])((?:[a-z][a-z0-9&\-]+[ \t]+)?[a-z][a-z0-9&\-]+),?[ \t]+"
                          r"(corporation|corp\.?|inc\.?|llc|l\.l\.c\.|ltd\.?|gmbh|plc|llp)"
                          r"(?![\w\-]|\.\w)")
_SURNAME = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_SURNAME_FIRM = re.compile(r"(?<![\w\-'’])("
                           r"[A-Z][a-z'’]+(?:[ \t]*,[ \t]*[A-Z][a-z'’]+){0,3},?[ \t]+(?:and|&)[ \t]+[A-Z][a-z'’]+"
                           r"|[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+){1,2})(?![\w\-'’])")
_ORG_CUE_BEFORE = re.compile(r"\b(?i:at|joined|join|joining|for|with|from|by|firm|company|employer(?:\s+is)?|"
                             r"partner\s+at|associate\s+at|represented\s+by|acquired\s+by|acquired|hired\s+by|"
                             r"client\s+of|counsel\s+at|lawyers?\s+at|attorneys?\s+at)[ \t:]+(?:the[ \t]+)?$")
_ORG_CUE_AFTER = re.compile(r"[ \t,]*(?:LLP|LLC|L\.L\.P\.|PLLC|P\.C\.|(?i:law\s+firm|attorneys|solicitors|lawyers|"
                            r"accountants|partners|associates|& co\b|and co\b)|(?:is|was)\s+an?\s+(?:\w+\s+){0,2}"
                            r"(?:firm|company|practice))")
_EMPLOY_CUE = (r"(?:\b(?:I|[Ww]e|[Hh]e|[Ss]he|[Tt]hey|[Ww]ho|(?i:my|his|her|our|their|your)[ \t]+[a-z\-]+|"
               r"(?P<subj>[A-Z][a-z]+))[ \t]+(?:currently[ \t]+|now[ \t]+|still[ \t]+)?"
               r"(?:work|works|worked|am[ \t]+working|is[ \t]+working|was[ \t]+working|are[ \t]+working|"
               r"interned|intern)[ \t]+(?:at|for)"
               r"|\b(?i:employed[ \t]+(?:at|by)|(?:i|we|he|she|they|who)[ \t]+(?:just[ \t]+|recently[ \t]+)?joined|"
               r"my[ \t]+employer(?:[ \t]+is|:)|(?:my|his|her|their)[ \t]+company(?:[ \t]+is|,)|"
               r"hired[ \t]+by|job[ \t]+at|position[ \t]+at|role[ \t]+at|internship[ \t]+at|offer[ \t]+from))[ \t]+")
_CAP_NAME = r"(?:[A-Z][\w&'’\-]*[A-Za-z0-9])(?:[ \t]+[A-Z][\w&'’\-]*[A-Za-z0-9]){0,2}"
_EMPLOYER = re.compile(_EMPLOY_CUE + r"(?:the[ \t]+)?(?P<name>" + _CAP_NAME + ")")
_IS_A_COMPANY = re.compile(r"(?<![\w\-'’])(" + _CAP_NAME + r")[ \t]+(?:is|was)[ \t]+an?[ \t]+(?:[\w\-]+[ \t]+){0,2}"
                           r"(?:company|startup|start-up|nonprofit|non-profit|firm|agency|corporation|consultancy|"
                           r"manufacturer|retailer|charity|law[ \t]+firm|subsidiary|conglomerate|employer)\b")
_BRANDLIKE = re.compile(r"^(?:[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+|[A-Z][A-Za-z]*\d[A-Za-z0-9]*|[A-Z]{2,6})$")
# census surnames that are also nationality / language words ("Anglo-French", "English and French")
_DEMONYMS = frozenset("""English French German Irish Welsh Dutch Scott Scotch Swiss Roman Greek Spanish Italian
Russian Polish Norman Saxon Dane Finn Swede Turk Moore Jew African American Indian British Britain""".split())
_CALENDAR = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter""".split())
_LOWER_STOP = frozenset("""big large small giant huge major multinational public private global international
national local government state federal municipal evil corrupt tech software shell holding parent nonprofit
non-profit profit american british chinese foreign new old same such one own""".split())


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from .presidio_ner import _skip_words

    return _skip_words()


@lru_cache(maxsize=1)
def _allowed() -> frozenset:
    from .dictionary import cached_allow_list

    return frozenset(cached_allow_list((), True).terms)


@lru_cache(maxsize=1)
def _last_names() -> frozenset:
    from .names_lexicon import lexicon

    return lexicon(20_000)[1]


@lru_cache(maxsize=1)
def _first_names() -> frozenset:
    from .names_lexicon import _first_names as fn

    return fn()


@lru_cache(maxsize=1)
def _name_tokens() -> frozenset:
    from .names_lexicon import _all_name_tokens

    return _all_name_tokens()


def _generic(word: str) -> bool:
    lw = word.casefold()
    if lw in _GENERIC or lw in _stop_words() or lw in _allowed() or len(word) < 2:
        return True
    if word.isupper() or any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:]):
        return False  # acronym / brand-like spelling
    return bool(_MORPH_GENERIC.search(lw)) and lw not in _name_tokens()


def _namelike(word: str) -> bool:
    """A census last name that is not a generic word, or a brand-like spelling (CamelCase, digits, acronym)."""
    if _BRANDLIKE.match(word) and not word.isupper():
        return word.casefold() not in _allowed()
    return not _generic(word) and word.casefold() in _last_names()


def _allowed_phrase(v: str) -> bool:
    a = _allowed()
    return " ".join(v.split()).casefold() in a or any(w.casefold() in a for w in re.findall(r"[\w.\-]+", v))


def detect_organisations(text: str) -> list[Span]:
    """ORGANIZATION spans (source ``org_form``) for company names recognised by their form."""
    if not text or len(text) < 4:
        return []
    out: list[Span] = []
    if _UPPER.search(text):
        for hm in _CAP_TOKEN.finditer(text):
            head = hm.group(0)
            if head not in _HEADS:
                continue
            window = text[max(0, hm.start() - 70):hm.start()]
            m = _BEFORE_HEAD.search(window)
            if not m:
                continue
            off = hm.start() - len(window)
            w1, w2 = m.group(1), m.group(2)
            start = off + m.start(1)
            if w2 and w2.casefold() in _stop_words():
                continue  # "Elevate Your Energy": a slogan
            if head in _WEAK_HEADS and not any(_namelike(w) for w in (w1, w2) if w):
                continue
            if _generic(w1) and (not w2 or _generic(w2) or w1.casefold() in _stop_words() or _allowed_phrase(w1)):
                continue
            if w2 and _allowed_phrase(w2):
                continue
            if w1.isupper() and not w2:
                continue  # "AI Solutions", "ML Systems": an acronym + head is a subject heading
            out.append(Span(start, hm.end(), "ORGANIZATION", SCORE, SOURCE))
        for m in (_OF_FORM.finditer(text) if " of " in text else ()):
            name = m.group(2)
            if not _generic(name.split()[0]) and not _allowed_phrase(name):
                out.append(Span(m.start(1), m.end(2), "ORGANIZATION", SCORE, SOURCE))
        for m in _SURNAME_FIRM.finditer(text):
            parts = re.findall(r"[A-Z][a-z'’]+", m.group(1))
            v = m.group(1)
            names = _name_tokens() if "," in v else _last_names()  # a comma list of 3+ is firm-like on its own
            if len(parts) < 2 or not all(p.casefold() in names and p.casefold() not in _stop_words() for p in parts):
                continue
            # firm-like without a cue: "A-B", "A & B", "A, B and C" of surnames, not nationality words, not all first
            # names (Jean-Paul, Tom & Jerry); "A and B" alone may be two people: needs a cue
            if any(p in _DEMONYMS or p.casefold() in _CALENDAR for p in parts):
                continue
            firm_form = ("-" in v or "&" in v or "," in v and len(parts) >= 3) and not (
                "," not in v and parts[0].casefold() in _first_names())
            if firm_form or _ORG_CUE_BEFORE.search(text[max(0, m.start() - 30):m.start()]) or \
                    _ORG_CUE_AFTER.match(text, m.end()):
                out.append(Span(m.start(1), m.end(1), "ORGANIZATION", SCORE, SOURCE))
        for m in (_EMPLOYER.finditer(text) if _employ_hint(text) else ()):
            name = m.group("name")
            words = name.split()
            if m.group("subj") and m.group("subj").casefold() not in _first_names():
                continue  # "It works for Windows": the subject must be a person
            if _allowed_phrase(name) or words[0].casefold() in _stop_words():
                continue
            while words and words[-1].casefold() in _stop_words():
                words.pop()
            if not words:
                continue
            kept = " ".join(words)
            end = m.start("name") + len(kept) if name.startswith(kept) else m.end("name")
            out.append(Span(m.start("name"), end, "ORGANIZATION", SCORE, SOURCE))
        for m in (_IS_A_COMPANY.finditer(text) if " is a" in text or " was a" in text else ()):
            name = m.group(1)
            words = name.split()
            if _allowed_phrase(name) or any(w.casefold() in _stop_words() for w in words):
                continue
            if len(words) == 1 and not _BRANDLIKE.match(words[0]) and _generic(words[0]):
                continue
            out.append(Span(m.start(1), m.end(1), "ORGANIZATION", SCORE, SOURCE))
    for m in (_LOWER_LEGAL.finditer(text) if _LEGAL_HINT.search(text) else ()):
        words = m.group(1).split()
        suffix = m.group(2).casefold().rstrip(".")
        if any(w.casefold() in _stop_words() or w.casefold() in _LOWER_STOP for w in words):
            words = words[1:] if len(words) == 2 and words[1].casefold() not in _stop_words() and \
                words[1].casefold() not in _LOWER_STOP else []
        if not words or _allowed_phrase(" ".join(words)):
            continue
        if suffix in ("corporation", "limited", "incorporated") and len(words) == 1 and \
                _MORPH_GENERIC.search(words[0].casefold()):
            continue  # "a multinational corporation"
        start = m.end(1) - len(words[-1]) if len(words) == 1 else m.start(1)
        out.append(Span(start, m.end(), "ORGANIZATION", SCORE, SOURCE))
    return _dedupe(out)


def _employ_hint(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _EMPLOY_HINTS)


def _dedupe(spans: list[Span]) -> list[Span]:
    spans = sorted(set(spans))
    out: list[Span] = []
    for s in spans:
        if out and s.start < out[-1].end:
            if s.end > out[-1].end:
                out[-1] = Span(out[-1].start, s.end, s.entity_type, s.score, s.source)
            continue
        out.append(s)
    return out
