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
  MIT, see ``lexicons/names.py``) and an organisation cue stands before (``at``, ``joined``, ``works for``, ``law
  firm`` ...) or after (``LLP``, ``law firm``, ``attorneys``).
* **brand-like words in an employer context**: CamelCase or digit-bearing words (``DataNexus``, ``Acme42``), acronyms
  (``IBM``) and capitalised words after ``<person> work(s|ed) at|for``, ``employed by``, ``joined``, ``my employer
  is``, or before ``is a company / startup / nonprofit / law firm ...``.

* **one organisation word in an employer / membership context**: ``works at X``, ``joined X``,
  ``a recruiter from X``, ``Dana is from X`` (X no place, no source subject like "this quote"), ``CEO of X``,
  ``acquired by X``, ``X's office / headquarters / CEO``, ``the X office``, ``at X as a ...``, ``X, a startup``. X is
  one to three capitalised words, CamelCase or digit forms (``Zentrix42``) included; a single word must not be an
  English word (spaCy / WordNet lists via the gazetteer tables), a given name, a gazetteer place, a calendar word or
  a public product / vendor name (allow-list plus ``_TECH``).
* **lower-case institutions named after a place**: ``university of toronto``, ``bank of scotland``, ``new york
  university`` (the place must be one the gazetteer takes in lower case).

* **more cues** (``_cue_orgs``): ``X announced / acquired / is headquartered in``, ``co-founded X``,
  ``a scientist / lawyer ... at X``, ``a former X employee``, ``the X team / board``, ``X (NASDAQ: ...)``,
  ``X is a leading provider / retailer / bank ...``, ``X, Inc.`` and national suffixes rules.org_suffix does not
  read (``S.p.A.``, ``K.K.``, ``Pty Ltd``, ``Co., Ltd``, ``Sdn Bhd`` ...); and list siblings of a found
  organisation (``at Zentrix, Qorvix and Nexora``: ``_list_siblings``), each passing the same ``_org_word`` test.

* **employer phrases**: ``my employer x`` / ``x is hiring`` / ``x hired me`` (one word, any case, same word tests as the
  lower-case employer cue); lower-case surname firms after an organisation cue (``i work at morrison, keller and
  dunn``, ``represented by hale & dorr``) and lists of 3+ census surnames without a cue in lower case or ALL CAPS
  (no given name, at most one everyday word, never the first); a truecased comma list of given names (``Emma, Olivia
  and Sophia``) is no longer a firm; shouted employer phrases keep only the name (``WORK AT ZENTROVA`` -> ``ZENTROVA``).

Public product / vendor names (GitHub, OpenAI, Python, Kubernetes, AWS, Visa, UPS ...) are never taken: the default
allow-list (``data/allow_list.yaml``) is consulted for every name word. One token regex per form; linear time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Span, merge_overlapping
from ..lexicons.base import fold_place as _place_fold
from ..lexicons.names import all_name_tokens as _name_tokens
from ..lexicons.names import first_names

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
""".split()) | frozenset("""Association Society Council Club Church Museum Library Center Centre Authority Commission
Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
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
""".split()) | frozenset("""Association Society Council Club Church Museum Library Center Centre Authority Commission
Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
""".split())  # institutional heads: the name word must be a surname, brand-like or a place (Lincoln Center)
_INSTITUTION_HEADS = frozenset("""Association Society Council Club Church Museum Library Center Centre Authority
Commission Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
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
# lower-case institution names built on a place: "university of toronto", "bank of scotland", "boston university"
_LOWER_INST_HINT = re.compile(r"(?:university|college|institute|bank|hospital|museum|ministry)\b")
_LOWER_OF_PLACE = re.compile(r"(?<![\w\-])(?:(?:university|college|institute|bank|museum|ministry)[ \t]+of[ \t]+"
                             r"(?:the[ \t]+)?(?P<place>[a-z][a-z\-]+(?:[ \t]+[a-z][a-z\-]+){0,2}))(?![\w\-])")
_LOWER_PLACE_HEAD = re.compile(r"(?<![\w\-])(?:(?P<place>(?!)x)|(?P<place2>[a-z][a-z\-]+(?:[ \t]+[a-z][a-z\-]+)?)[ \t]+"
                             r"(?:university|college|institute|hospital))(?![\w\-])")
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
    from ..lexicons.base import skip_words

    return skip_words()


@lru_cache(maxsize=1)
def _allowed() -> frozenset:
    from .dictionary import cached_allow_list

    return frozenset(cached_allow_list((), True).terms)


@lru_cache(maxsize=1)
def _last_names() -> frozenset:
    from ..lexicons.names import lexicon

    return lexicon(20_000)[1]


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
            if head in _WEAK_HEADS and not any(
                    (_namelike(w) and (head not in _INSTITUTION_HEADS or w.casefold() not in _place_words()[1]))
                    or (head in _INSTITUTION_HEADS and _is_place(w)) for w in (w1, w2) if w):
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
                "," not in v and parts[0].casefold() in first_names())
            if firm_form and "," in v and all(p.casefold() in first_names() for p in parts) and \
                    not all(p.casefold() in _last_names() for p in parts):
                firm_form = False  # "Emma, Olivia and Sophia" (a truecased list of given names): people, not a firm
            if firm_form or _ORG_CUE_BEFORE.search(text[max(0, m.start() - 30):m.start()]) or \
                    _ORG_CUE_AFTER.match(text, m.end()):
                out.append(Span(m.start(1), m.end(1), "ORGANIZATION", SCORE, SOURCE))
        for m in (_EMPLOYER.finditer(text) if _employ_hint(text) else ()):
            name = m.group("name")
            words = name.split()
            if m.group("subj") and m.group("subj").casefold() not in first_names():
                continue  # "It works for Windows": the subject must be a person
            if _allowed_phrase(name) or words[0].casefold() in _stop_words():
                continue
            if len(words) == 1 and words[0].casefold() in first_names() and not _BRANDLIKE.match(words[0]):
                continue  # "my sister works for Sarah": a person
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
    out.extend(_context_orgs(text))
    if "employer" in text or "hiring" in text or "hired me" in text:
        out.extend(_hiring_orgs(text))
    if " and " in text or "&" in text or " AND " in text:
        out.extend(_lower_firms(text))
    if _UPPER.search(text):
        out.extend(_cue_orgs(text))
    lower_inst = [m for rx in (_LOWER_OF_PLACE, _LOWER_PLACE_HEAD) for m in rx.finditer(text)] \
        if _LOWER_INST_HINT.search(text) else ()
    for m in lower_inst:
        if m.group("place"):
            words = m.group("place").split()
            for k in range(len(words), 0, -1):  # the longest run of words after "of" that is a gazetteer place
                if _is_place(" ".join(words[:k])):
                    end = m.start("place") + len(" ".join(words[:k]))
                    out.append(Span(m.start(), end, "ORGANIZATION", SCORE, SOURCE))
                    break
        else:
            place = m.group("place2")
            words = place.split()
            for k in range(len(words)):  # the longest run of words before the head that is a gazetteer place
                sub = " ".join(words[k:])
                if sub.casefold() not in _stop_words() and _is_place(sub):
                    out.append(Span(m.start("place2") + place.rindex(sub), m.end(), "ORGANIZATION", SCORE, SOURCE))
                    break
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
    if out and ("," in text or " and " in text or " or " in text or "&" in text):
        out.extend(_list_siblings(text, out))
    return merge_overlapping(out)


# --- one organisation word (or two / three) in an employer / membership context --------------------------------
# "works at Zentrix", "joined Zentrix42", "a recruiter from Qorvix", "Nexora's office", "the Zentrix office",
# "at Zentrix as a", "Zentrix, a startup": the name must not be an English word, a given name, a place, or a public
# product / vendor name (allow-list, plus the tech / brand words below: extend the allow-list policy, not the cues).
_CTX_NAME = r"(?P<name>[A-Z][\w&'’\-]*[A-Za-z0-9](?:[ \t]+[A-Z][\w&'’\-]*[A-Za-z0-9]){0,2})"
_CTX_BEFORE = re.compile(  # run on the lower-cased text (several times faster than IGNORECASE); name read after
    r"\b(?P<cue>(?:works?|worked|working|interned|interning|volunteers?|volunteered|volunteering)[ \t]+"
    r"(?:at|for)|employed[ \t]+(?:at|by)|employee[ \t]+(?:of|at)|employees[ \t]+(?:of|at)|joined|joining|"
    r"(?:colleagues?|co-?workers?|recruiters?|representatives?|reps?|someone|people|folks|engineers?|staff|"
    r"employees?|consultants?|manager|team)[ \t]+(?:from|at)|(?:is|am|are|was|were)[ \t]+from|"
    r"(?:i|he|she|we|they)['’](?:m|s|re)[ \t]+from|member[ \t]+of|career[ \t]+at|years[ \t]+at|"
    r"internship[ \t]+(?:at|with)|(?:job|position|role|offer)[ \t]+(?:at|with|from)|"
    r"(?:ceo|cto|cfo|coo|founder|co-founder|cofounder|president|chairman|chairwoman|vp|owner|spokesperson|"
    r"spokesman|spokeswoman|employee|intern|engineer|developer|analyst|consultant|director|manager)[ \t]+"
    r"(?:of|at)|subsidiary[ \t]+of|acquired[ \t]+by|owned[ \t]+by|(?:contract|partnership)[ \t]+with)[ \t]+"
    r"(?:the[ \t]+)?(?=[a-z0-9])")
_CTX_BEFORE_CI = re.compile(_CTX_BEFORE.pattern, re.I)
_CTX_NAME_AT = re.compile(_CTX_NAME)
_CTX_AT_AS = re.compile(r"\bat[ \t]+" + _CTX_NAME + r"[ \t]+as[ \t]+(?:an?|the|its|their|our|my|his|her|senior|"
                        r"junior|lead|head|chief|principal|staff)\b")
_CTX_POSSESSIVE = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"['’]s[ \t]+(?:office|offices|headquarters|HQ|"
                             r"employees|staff|CEO|CTO|CFO|founders?|board|workforce|payroll|hiring|recruiters?|"
                             r"shareholders|investors|shares|stock|subsidiary|subsidiaries|executives|leadership|"
                             r"spokesperson|spokesman|spokeswoman|earnings|revenue|quarterly|annual[ \t]+report|"
                             r"customers|clients|layoffs|IPO|acquisition|merger)\b")
_CTX_THE_OFFICE = re.compile(r"\b(?i:the)[ \t]+" + _CTX_NAME + r"[ \t]+(?:office|offices|headquarters|HQ|"
                             r"employees|staff|workforce|payroll)\b")
_CTX_APPOSITIVE = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r",[ \t]+an?[ \t]+(?:[\w\-]+[ \t]+){0,2}"
                             r"(?:company|startup|start-up|nonprofit|non-profit|firm|agency|consultancy|"
                             r"manufacturer|retailer|charity|subsidiary|conglomerate|employer)\b")
# subjects whose "is from X" names a source, not an employer ("this quote is from Hamlet")
_SOURCE_SUBJECTS = frozenset("""it this that which these those what quote line song example text data image
picture photo code snippet email message letter""".split())
# venues one joins that are products, not employers ("joined Discord", "joined the Zoom call")
_VENUE_NEXT = frozenset("""server servers channel channels call calls meeting meetings chat chats group groups
community communities subreddit forum forums waitlist beta discord network platform app account""".split())
# public technology / product words that a context may wrongly call an employer (general knowledge; extends the
# allow-list for this detector; the shared allow-list (data/allow_list.yaml) is consulted first)
_TECH = frozenset("""javascript typescript pytorch tensorflow keras gitlab bitbucket postgresql postgres mysql sqlite
mongodb redis kafka spark hadoop airflow dagster duckdb polars youtube linkedin wordpress powerpoint onedrive
dropbox icloud macbook iphone ipad playstation xbox fastapi numpy scipy matplotlib sklearn huggingface hugging
face stackoverflow stack overflow wikipedia quora medium substack patreon twitch steam roblox minecraft fortnite
vscode intellij pycharm eclipse xcode unix macos ios ipados watchos tvos chromeos windows linux ubuntu debian
fedora centos kubernetes docker terraform ansible jenkins jira confluence notion trello asana figma canva
photoshop illustrator blender unity unreal godot openai chatgpt bard gemini claude copilot llama mistral
netflix spotify paypal stripe venmo shopify etsy ebay alibaba aliexpress walmart costco ikea starbucks mcdonalds
tesla spacex nasa fedex ups usps dhl uber lyft airbnb doordash grubhub instacart zillow yelp tinder bumble
whatsapp telegram signal wechat snapchat pinterest tiktok instagram facebook twitter reddit discord slack zoom
teams skype webex gmail outlook hotmail yahoo bing duckduckgo firefox chrome safari edge opera brave
excel word access sharepoint salesforce hubspot zendesk intercom twilio sendgrid mailchimp heroku vercel netlify
cloudflare digitalocean linode aws azure gcp ibm oracle sap cisco intel amd nvidia qualcomm arm apple google
microsoft amazon meta samsung sony lg huawei xiaomi lenovo dell hp asus acer nintendo sega valve epic
coursera udemy edx khan duolingo leetcode hackerrank kaggle codecademy freecodecamp""".split())


@lru_cache(maxsize=1)
def _place_words() -> tuple[dict, frozenset, frozenset]:
    """(gazetteer lexicon, English words, WordNet nouns-or-names) from the gazetteer's cached tables."""
    try:
        from ..lexicons.places import place_tables

        t = place_tables()
        return t["lex"], t["plain"], t["noun_or_name"]
    except Exception:
        return {}, frozenset(), frozenset()


def _is_place(name: str) -> bool:
    """Is ``name`` a gazetteer place? (lower-case: only places the gazetteer itself takes in lower case)."""
    lex = _place_words()[0]
    words = [_place_fold(w) for w in name.split()]  # the gazetteer's own folding: accents stripped (Kraków = krakow)
    lower = name.islower()
    for rest, tier, _ in lex.get(words[0], ()):
        if tuple(words[1:1 + len(rest)]) == rest and len(rest) + 1 == len(words):
            return not lower or tier not in (3, 4)  # gazetteer.TIER_MAJN / CUE: "reading", "nice", "turkey"
    return False


def _org_word(w: str) -> bool:
    """A word that may name an organisation on its own: not English, not a given name, not public tech."""
    lw = w.casefold().strip("'’-")
    if len(lw) < 2 or lw in _stop_words() or lw in _GENERIC or lw in _allowed() or lw in _TECH or \
            lw in _CALENDAR:
        return False
    if _BRANDLIKE.match(w) and not w.isupper():
        return True  # CamelCase / digits: Zentrix42, DataNexus
    if w.isupper():
        return len(w) >= 3 and lw not in _place_words()[1]
    _, plain, nouns = _place_words()
    if lw in plain or lw in first_names():
        return False
    if _inflected(lw, plain, nouns):
        return False  # "Operations", "Sales", "Services"
    if lw in nouns and lw not in _last_names():
        return False  # an English noun ("Congress", "Hamlet"); surnames stay (firms are named after founders)
    return not (_MORPH_GENERIC.search(lw) and lw not in _name_tokens())


# "i work at zentrix": a lower-case word after a person's employer cue; it must be in no English / name / place list
_LOWER_ORG_AT = re.compile(r"([a-z][a-z0-9]{3,}(?:[a-z]*\d+[a-z0-9]*)?)(?=[ \t]*(?:[.,;:!?)]|$|[ \t](?:as|since|for|"
                           r"in|and|but|now|until|where|which|last|this|next)\b))")
_LOWER_EMPLOY = re.compile(r"(?:works?|worked|working|interned|interning)[ \t]+(?:at|for)|employed[ \t]+(?:at|by)|"
                           r"joined$")
_PERSON_SUBJECT = re.compile(r"(?i:\b(?:i|i['’]m|he|she|we|they|my[ \t]+[a-z\-]+|i[ \t]+(?:now|currently|still))"
                             r"[ \t]+(?:currently[ \t]+|now[ \t]+|still[ \t]+|also[ \t]+|just[ \t]+)?)$")


def _lower_org_word(w: str) -> bool:
    lex, plain, nouns = _place_words()
    lw = w.casefold()
    if lw in _stop_words() or lw in _GENERIC or lw in _allowed() or lw in _TECH or lw in _CALENDAR or \
            lw in plain or lw in nouns or lw in _name_tokens() or lw in lex or not plain:
        return False
    return not _inflected(lw, plain, nouns) and not _MORPH_GENERIC.search(lw)


# "my employer zentrova", "zentrova is hiring", "zentrova hired me": one word (any case) next to an employer cue; it
# must pass the same tests as a lower-case employer word (no English / name / place / product word)
_EMPLOYER_BEFORE = re.compile(r"\b(?i:my|our|his|her|their)[ \t]+(?:(?i:current|former|new|old|previous|last)[ \t]+)?"
                              r"employer(?:[ \t]*[,:]|[ \t]+(?:is|was))?[ \t]+(?P<name>[^\W\d_][\w&\-]*[^\W_])"
                              r"(?![\w\-'’@./])")
_HIRING_AFTER = re.compile(r"(?<![\w\-'’@./])(?P<name>[^\W\d_][\w&\-]*[^\W_])[ \t]+(?:(?:is|are)[ \t]+(?:now[ \t]+|"
                           r"currently[ \t]+|still[ \t]+)?hiring|hired[ \t]+me)\b")


# "i work at morrison, keller and dunn", "represented by hale & dorr": a lower-case surname firm after a strong
# organisation cue; every part a census last name, no stop / calendar / nationality word, at most one everyday word
_LOWER_FIRM = re.compile(
    r"\b(?:(?:works?|worked|working|interned|interning|employed)[ \t]+(?:at|for|by)|joined|hired[ \t]+by|"
    r"represented[ \t]+by|offer[ \t]+from|(?:partners?|associates?|lawyers?|attorneys?|accountants?|paralegals?|"
    r"counsel|interns?|clerks?)[ \t]+(?:at|with)|(?:law|accounting|accountancy|architecture)[ \t]+firm(?:[ \t]+of|,)?)"
    r"[ \t]+(?:the[ \t]+)?"
    r"(?P<name>[a-z][a-z'’]+(?:[ \t]*,[ \t]*[a-z][a-z'’]+){0,3},?[ \t]+(?:and|&)[ \t]+[a-z][a-z'’]+|"
    r"[a-z][a-z'’]+[ \t]*&[ \t]*[a-z][a-z'’]+)(?![\w\-'’@])")


# the same list shape without a cue (3+ parts: "reach out to delgado, frye and bauer"; also shouted, "ORTEGA, FRYE AND
# BAUER"), read on a lower-cased copy: no part may be a given name or an everyday word, as the mixed-case form allows
_LOWER_FIRM_LIST = re.compile(r"(?<![\w\-'’@.])(?P<name>[a-z][a-z'’]+(?:[ \t]*,[ \t]*[a-z][a-z'’]+){1,3},?[ \t]+"
                              r"(?:and|&)[ \t]+[a-z][a-z'’]+)(?![\w\-'’@])")


def _firm_list(text: str) -> list[Span]:
    low = text.lower()
    if len(low) != len(text) or ", " not in text:
        return []
    from ..lexicons.places import census_surnames

    out = []
    plain = _place_words()[1]
    for m in _LOWER_FIRM_LIST.finditer(low):
        orig = text[m.start("name"):m.end("name")]
        if not (orig.islower() or orig.isupper()):
            continue  # mixed case: the capitalised surname-firm rule decides
        parts = [p for p in re.findall(r"[a-z'’]+", m.group("name")) if p != "and"]
        if len(parts) < 3 or any(p not in census_surnames() or p in _stop_words() or p in _CALENDAR or
                                 p in first_names() or p.capitalize() in _DEMONYMS for p in parts):
            continue
        if parts[0] in plain or sum(p in plain for p in parts) > 1:
            continue  # "wood, stone and glass", "red, green and blue"
        out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out


def _lower_firms(text: str) -> list[Span]:
    out = _firm_list(text) if ", " in text else []
    for m in _LOWER_FIRM.finditer(text):
        parts = [p for p in re.findall(r"[a-z'’]+", m.group("name")) if p != "and"]
        plain = _place_words()[1]
        if len(parts) < 2 or ("&" not in m.group("name") and parts[0] in plain) or sum(p in plain for p in parts) > 1:
            continue
        from ..lexicons.places import census_surnames  # the census list as is (lexicons.names.lexicon drops surnames that are nouns)

        if all(p in census_surnames() and p not in _stop_words() and p not in _CALENDAR and
               p.capitalize() not in _DEMONYMS for p in parts):
            out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out


def _hiring_orgs(text: str) -> list[Span]:
    out = []
    for rx in (_EMPLOYER_BEFORE, _HIRING_AFTER):
        for m in rx.finditer(text):
            w = m.group("name")
            ok = _lower_org_word(w) if w.islower() else (_org_word(w) and not _is_place(w) and
                                                           w.casefold() not in _name_tokens())
            if ok and not _allowed_phrase(w):
                out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out


def _inflected(lw: str, plain: frozenset, nouns: frozenset) -> bool:
    try:
        from ..lexicons.places import english_form

        return english_form(lw, plain, nouns)
    except Exception:
        return False


def _context_orgs(text: str) -> list[Span]:
    out: list[Span] = []

    def take(m, kind: str) -> None:
        name = m.group("name")
        words = name.split()
        while words and (words[-1].casefold() in _stop_words() or words[-1].casefold() in _CALENDAR):
            words.pop()  # "joined Acme Last Monday" keeps Acme
        if not words or words[0].casefold() in _stop_words():
            return
        kept = " ".join(words)
        if _allowed_phrase(kept) or any(w.casefold() in _TECH for w in words) or _is_place(kept):
            return
        if len(words) == 1:
            if not _org_word(words[0]):
                return
        elif not any(_org_word(w) for w in words) or all(_generic(w) for w in words):
            return
        if kind == "possessive" and words[-1].casefold() in _name_tokens() and not _BRANDLIKE.match(words[-1]):
            return  # "Smith's office", "Dr. Patel's staff": a person
        if kind in ("office", "possessive") and words[0].casefold() in first_names():
            return
        start = m.start("name")
        end = start + len(kept) if name.startswith(kept) else m.end("name")
        out.append(Span(start, end, "ORGANIZATION", SCORE, SOURCE))

    low = text.lower()
    cues = _CTX_BEFORE.finditer(low) if len(low) == len(text) else _CTX_BEFORE_CI.finditer(text)
    for m in cues:
        nm = _CTX_NAME_AT.match(text, m.end())
        if nm is None:
            lw = _LOWER_ORG_AT.match(text, m.end())
            if lw and _LOWER_EMPLOY.match(m.group("cue").casefold()) and _PERSON_SUBJECT.search(
                    text, max(0, m.start() - 24), m.start()) and _lower_org_word(lw.group(1)):
                out.append(Span(lw.start(1), lw.end(1), "ORGANIZATION", SCORE, SOURCE))
            continue
        cue = m.group("cue").casefold()
        if " from" in cue and cue.split()[0] in ("is", "am", "are", "was", "were"):
            before = text[max(0, m.start() - 20):m.start()].split()
            if not before or before[-1].casefold().strip(",.;:") in _SOURCE_SUBJECTS:
                continue
            if before[-1][:1].islower() and before[-1].casefold() not in ("he", "she", "i", "we", "they", "who"):
                continue  # "the quote is from", "my data is from"
        if cue.startswith("join"):
            nxt = re.match(r"[ \t]+([a-z]+)", text[m.end():])
            if nxt and nxt.group(1) in _VENUE_NEXT:
                continue
        take(nm, "before")
    if not _UPPER.search(text):
        return out
    for m in _CTX_AT_AS.finditer(text):
        take(m, "before")
    for m in (_CTX_POSSESSIVE.finditer(text) if "'" in text or "’" in text else ()):
        take(m, "possessive")
    for m in _CTX_THE_OFFICE.finditer(text):
        take(m, "office")
    for m in (_CTX_APPOSITIVE.finditer(text) if ", a" in text else ()):
        take(m, "before")
    return out


def _employ_hint(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _EMPLOY_HINTS)



# --- more general organisation cues (news verbs, founders, teams, former employees, tickers, legal
# suffixes after a comma or in European / Asian forms) ---------------------------------------------------------
_NEWS_VERB = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"[ \t]+(?:has[ \t]+|have[ \t]+|had[ \t]+)?"
                        r"(?:announced|acquired|unveiled|laid[ \t]+off|filed[ \t]+for|went[ \t]+public|"
                        r"was[ \t]+(?:founded|acquired|established|incorporated)|is[ \t]+headquartered|"
                        r"(?:is|was)[ \t]+based[ \t]+in|headquartered[ \t]+in|reported[ \t]+(?:a|its|record|"
                        r"quarterly|annual)|posted[ \t]+(?:a|its|record)|raised[ \t]+\$|partnered[ \t]+with)\b")
_NEWS_HINT = re.compile(r" (?:announced|acquired|unveiled|laid off|filed for|went public|founded|established|"
                        r"incorporated|headquartered|based in|reported|posted|raised \$|partnered)")
_FOUNDED = re.compile(  # run on the lower-cased text; the name is read after it in the original
    r"\b(?:co-?founded|founded|(?:co-?)?founder[ \t]+of|(?:former|ex-?)[ \t]*(?:employee|engineer|executive|ceo|cto|"
    r"cfo|staffer|intern)[ \t]+(?:of|at)|(?:scientist|researcher|designer|accountant|lawyer|attorney|associate|"
    r"partner|programmer|architect|specialist|technician|coordinator|executive|administrator|recruiter|salesperson|"
    r"strategist|economist|auditor|advisor|adviser)[ \t]+(?:at|with))[ \t]+(?:the[ \t]+)?(?=[a-z0-9])")
_FORMER = re.compile(r"\b(?i:former|ex-?)[ \t]*" + _CTX_NAME + r"[ \t]+(?i:employees?|engineers?|executives?|"
                     r"staffers?|interns?|ceo|cto|cfo|coo|colleagues?|workers?|managers?|analysts?)\b")
_TEAM = re.compile(r"\b(?i:the)[ \t]+" + _CTX_NAME + r"[ \t]+(?:team|board|leadership|management)[ \t]+"
                   r"(?:at|is|was|has|have|announced|said|approved|decided|will|met|members?)\b")
_IS_A_KIND = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"[ \t]+(?:is|was)[ \t]+(?:an?|the|one[ \t]+of[ \t]+the)"
                        r"[ \t]+(?:[\w\-]+[ \t]+){0,3}(?:provider|providers|supplier|suppliers|maker|makers|"
                        r"manufacturer|manufacturers|retailer|retailers|insurer|insurers|lender|lenders|bank|banks|"
                        r"airline|airlines|carrier|carriers|publisher|publishers|distributor|distributors|vendor|"
                        r"vendors|chain|chains|conglomerate|multinational|corporation|company|companies|firm|firms|"
                        r"startup|startups|brand|brands|employer|employers|organi[sz]ation|organi[sz]ations|"
                        r"nonprofit|non-profit|charity|agency|consultancy|subsidiary)\b")
_TICKER = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"[ \t]*\((?:NASDAQ|Nasdaq|NYSE|LSE|TSX|ASX|OTC|AMEX|"
                     r"Euronext|HKEX|SGX|BSE|NSE|TSE|FWB|XETRA|SIX|JSE)[ \t]*:[ \t]*[A-Z0-9.]{1,8}\)")
# "Acme, Inc.", "Zentrix S.p.A.", "Nexora K.K.", "Qorvix Pty Ltd": name words + a legal suffix that rules.org_suffix
# does not read (a comma before it, or a dotted / national form)
_COMMA_LEGAL = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"(?:,[ \t]*(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|"
                          r"GmbH|PLC|LLP|LP|L\.P|Co|S\.A|N\.V|B\.V|AG|SE)\.?|[ \t]+(?:S\.p\.A|S\.A\.S|K\.K|"
                          r"S\.L|S\.r\.l|Srl|SRL|S\.A\.?[ \t]*de[ \t]*C\.V|Pty\.?[ \t]+Ltd|Pvt\.?[ \t]+Ltd|"
                          r"Co\.,?[ \t]+Ltd|Sdn[ \t]+Bhd|ApS|Kft|Zrt|d\.o\.o|a\.s|s\.r\.o|PLLC|P\.C|"
                          r"L\.P|GmbH[ \t]*&[ \t]*Co\.?[ \t]*KG|AS|BV|NV|SpA)\.?)(?![\w\-])")


def _trim_leading(words: list[str]) -> list[str]:
    """Drop sentence-opening words before a name ("Yesterday Zentrix announced", "Then Acme ...")."""
    plain = _place_words()[1]
    shout = len(words) > 1 and all(w.isupper() for w in words)  # "WORK AT ZENTROVA": English words, not acronyms
    while words and (words[0].casefold() in _stop_words() or words[0].casefold() in _CALENDAR or (
            words[0].casefold() in plain and (shout or not _BRANDLIKE.match(words[0])) and len(words) > 1)):
        words = words[1:]
    return words


def _cue_orgs(text: str) -> list[Span]:
    out: list[Span] = []

    def take(m, strong: bool = False, lead: bool = True) -> None:
        name = m.group("name")
        words = name.split()
        if lead:
            words = _trim_leading(words)
        while words and (words[-1].casefold() in _stop_words() or words[-1].casefold() in _CALENDAR):
            words.pop()
        if not words:
            return
        kept = " ".join(words)
        if _allowed_phrase(kept) or any(w.casefold() in _TECH for w in words) or _is_place(kept):
            return
        if not strong:
            if len(words) == 1:
                if not _org_word(words[0]):
                    return
            elif not any(_org_word(w) for w in words) or all(_generic(w) for w in words):
                return
        elif all(_generic(w) for w in words) or words[0].casefold() in _stop_words():
            return
        start = m.start("name") + name.index(kept)
        out.append(Span(start, start + len(kept), "ORGANIZATION", SCORE, SOURCE))

    low = text.lower()
    if _NEWS_HINT.search(low):
        for m in _NEWS_VERB.finditer(text):
            take(m)
    for m in (_FOUNDED.finditer(low) if len(low) == len(text) else ()):
        nm = _CTX_NAME_AT.match(text, m.end())
        if nm:
            take(nm, lead=False)
    if "former" in low or "ex" in low:
        for m in _FORMER.finditer(text):
            take(m, lead=False)
    if " team" in low or " board" in low or " leadership" in low or " management" in low:
        for m in _TEAM.finditer(text):
            if not m.group("name").isupper():  # "the SRE team", "the QA team": a function, not a company
                take(m, lead=False)
    if " is a" in low or " was a" in low or " is the" in low or " was the" in low:
        for m in _IS_A_KIND.finditer(text):
            take(m)
    if "(" in text:
        for m in _TICKER.finditer(text):
            take(m, strong=True)
    if "," in text or "." in text or " A" in text or " B" in text or " N" in text:
        for m in _COMMA_LEGAL.finditer(text):
            take(m, strong=True)
            if out and out[-1].start >= m.start("name") and out[-1].end <= m.end("name"):
                out[-1] = Span(out[-1].start, m.end(), "ORGANIZATION", SCORE, SOURCE)
    return out


# "A, B and C" where A is an organisation found above: its list siblings are organisations too when they are
# capitalised names with a word that could name one (the same _org_word test as the context cues)
_SIB_RIGHT = re.compile(r"(?:,[ \t]*(?:and[ \t]+|or[ \t]+|&[ \t]*)?|[ \t]+(?:and|or|&)[ \t]+)" + _CTX_NAME +
                        r"(?![\w\-'’])")
_SIB_LEFT = re.compile(r"(?<![\w\-'’.@/])" + _CTX_NAME + r"(?:,[ \t]*|[ \t]+(?:and|or|&)[ \t]+)$")


def _sibling_ok(name: str) -> bool:
    words = name.split()
    if not words or words[0].casefold() in _stop_words() or words[-1].casefold() in _stop_words():
        return False
    if _allowed_phrase(name) or any(w.casefold() in _TECH for w in words) or _is_place(name):
        return False
    if len(words) == 1:
        return _org_word(words[0])
    return any(_org_word(w) for w in words) and not all(_generic(w) for w in words)


def _list_siblings(text: str, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    todo = sorted(found)
    seen = {(s.start, s.end) for s in todo}
    hops = 0
    while todo and hops < 8:
        s = todo.pop(0)
        hops += 1
        m = _SIB_RIGHT.match(text, s.end)
        if m and _sibling_ok(m.group("name")) and (m.start("name"), m.end("name")) not in seen:
            sp = Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE)
            out.append(sp)
            todo.append(sp)
            seen.add((sp.start, sp.end))
        m = _SIB_LEFT.search(text, max(0, s.start - 60), s.start)
        if m and _sibling_ok(m.group("name")) and (m.start("name"), m.end("name")) not in seen:
            sp = Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE)
            out.append(sp)
            todo.append(sp)
            seen.add((sp.start, sp.end))
    return out
