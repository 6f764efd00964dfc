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
  a public product / vendor name (allow-list plus ``lexicons/org_words.TECH``); in ``org_context.py``.
* **lower-case institutions named after a place**: ``university of toronto``, ``bank of scotland``, ``new york
  university`` (the place must be one the gazetteer takes in lower case).

* **more cues** (``org_cues.cue_orgs``): ``X announced / acquired / is headquartered in``, ``co-founded X``,
  ``a scientist / lawyer ... at X``, ``a former X employee``, ``the X team / board``, ``X (NASDAQ: ...)``,
  ``X is a leading provider / retailer / bank ...``, ``X, Inc.`` and national suffixes rules.org_suffix does not
  read (``S.p.A.``, ``K.K.``, ``Pty Ltd``, ``Co., Ltd``, ``Sdn Bhd`` ...); and list siblings of a found
  organisation (``at Zentrix, Qorvix and Nexora``: ``org_cues.list_siblings``), each passing the same
  ``org_base.org_word`` test.

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

from ..lexicons.names import all_name_tokens as _name_tokens, first_names
from ..lexicons.org_words import (CALENDAR, DEMONYMS, EMPLOY_HINTS, HEADS, INSTITUTION_HEADS, LOWER_STOP, OF_HEADS,
                                  WEAK_HEADS)
from .base import Span, merge_overlapping
from .org_base import (BRANDLIKE, MORPH_GENERIC, SCORE, SOURCE, UPPER, allowed_phrase, generic, is_place, last_names,
                       namelike, place_words, stop_words)
from .org_context import context_orgs, hiring_orgs
from .org_cues import cue_orgs, list_siblings
from .org_firms import lower_firms

_NAME_WORD = r"[A-Z][A-Za-z'’&\-]*[a-z0-9][A-Za-z0-9'’\-]*|[A-Z]{2,5}"
_CAP_TOKEN = re.compile(r"(?<=[ \t])[A-Z][a-z]+(?![\w\-'’])")
# the one or two name words right before a head word (matched backwards from the head)
_BEFORE_HEAD = re.compile(r"(?<![\w&\-'’.])(" + _NAME_WORD + r")(?:[ \t]+(" + _NAME_WORD + r"))?[ \t]+$")
_LEGAL_HINT = re.compile(r"(?<![\w\-])(?:corporation|corp|inc|llc|l\.l\.c|ltd|gmbh|plc|llp)(?![\w\-])")
_OF_FORM = re.compile(r"(?<![\w\-])(?:the[ \t]+)?(" + "|".join(OF_HEADS) + r")[ \t]+of[ \t]+((?:[A-Z][\w'’\-]+)"
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


def detect_organisations(text: str) -> list[Span]:
    """ORGANIZATION spans (source ``org_form``) for company names recognised by their form."""
    if not text or len(text) < 4:
        return []
    out: list[Span] = []
    if UPPER.search(text):
        for hm in _CAP_TOKEN.finditer(text):
            head = hm.group(0)
            if head not in HEADS:
                continue
            window = text[max(0, hm.start() - 70):hm.start()]
            m = _BEFORE_HEAD.search(window)
            if not m:
                continue
            off = hm.start() - len(window)
            w1, w2 = m.group(1), m.group(2)
            start = off + m.start(1)
            if w2 and w2.casefold() in stop_words():
                continue  # "Elevate Your Energy": a slogan
            if head in WEAK_HEADS and not any(
                    (namelike(w) and (head not in INSTITUTION_HEADS or w.casefold() not in place_words()[1]))
                    or (head in INSTITUTION_HEADS and is_place(w)) for w in (w1, w2) if w):
                continue
            if generic(w1) and (not w2 or generic(w2) or w1.casefold() in stop_words() or allowed_phrase(w1)):
                continue
            if w2 and allowed_phrase(w2):
                continue
            if w1.isupper() and not w2:
                continue  # "AI Solutions", "ML Systems": an acronym + head is a subject heading
            out.append(Span(start, hm.end(), "ORGANIZATION", SCORE, SOURCE))
        for m in (_OF_FORM.finditer(text) if " of " in text else ()):
            name = m.group(2)
            if not generic(name.split()[0]) and not allowed_phrase(name):
                out.append(Span(m.start(1), m.end(2), "ORGANIZATION", SCORE, SOURCE))
        for m in _SURNAME_FIRM.finditer(text):
            parts = re.findall(r"[A-Z][a-z'’]+", m.group(1))
            v = m.group(1)
            names = _name_tokens() if "," in v else last_names()  # a comma list of 3+ is firm-like on its own
            if len(parts) < 2 or not all(p.casefold() in names and p.casefold() not in stop_words() for p in parts):
                continue
            # firm-like without a cue: "A-B", "A & B", "A, B and C" of surnames, not nationality words, not all first
            # names (Jean-Paul, Tom & Jerry); "A and B" alone may be two people: needs a cue
            if any(p in DEMONYMS or p.casefold() in CALENDAR for p in parts):
                continue
            firm_form = ("-" in v or "&" in v or "," in v and len(parts) >= 3) and not (
                "," not in v and parts[0].casefold() in first_names())
            if firm_form and "," in v and all(p.casefold() in first_names() for p in parts) and \
                    not all(p.casefold() in last_names() for p in parts):
                firm_form = False  # "Emma, Olivia and Sophia" (a truecased list of given names): people, not a firm
            if firm_form or _ORG_CUE_BEFORE.search(text[max(0, m.start() - 30):m.start()]) or \
                    _ORG_CUE_AFTER.match(text, m.end()):
                out.append(Span(m.start(1), m.end(1), "ORGANIZATION", SCORE, SOURCE))
        for m in (_EMPLOYER.finditer(text) if _employ_hint(text) else ()):
            name = m.group("name")
            words = name.split()
            if m.group("subj") and m.group("subj").casefold() not in first_names():
                continue  # "It works for Windows": the subject must be a person
            if allowed_phrase(name) or words[0].casefold() in stop_words():
                continue
            if len(words) == 1 and words[0].casefold() in first_names() and not BRANDLIKE.match(words[0]):
                continue  # "my sister works for Sarah": a person
            while words and words[-1].casefold() in stop_words():
                words.pop()
            if not words:
                continue
            kept = " ".join(words)
            end = m.start("name") + len(kept) if name.startswith(kept) else m.end("name")
            out.append(Span(m.start("name"), end, "ORGANIZATION", SCORE, SOURCE))
        for m in (_IS_A_COMPANY.finditer(text) if " is a" in text or " was a" in text else ()):
            name = m.group(1)
            words = name.split()
            if allowed_phrase(name) or any(w.casefold() in stop_words() for w in words):
                continue
            if len(words) == 1 and not BRANDLIKE.match(words[0]) and generic(words[0]):
                continue
            out.append(Span(m.start(1), m.end(1), "ORGANIZATION", SCORE, SOURCE))
    out.extend(context_orgs(text))
    if "employer" in text or "hiring" in text or "hired me" in text:
        out.extend(hiring_orgs(text))
    if " and " in text or "&" in text or " AND " in text:
        out.extend(lower_firms(text))
    if UPPER.search(text):
        out.extend(cue_orgs(text))
    lower_inst = [m for rx in (_LOWER_OF_PLACE, _LOWER_PLACE_HEAD) for m in rx.finditer(text)] \
        if _LOWER_INST_HINT.search(text) else ()
    for m in lower_inst:
        if m.group("place"):
            words = m.group("place").split()
            for k in range(len(words), 0, -1):  # the longest run of words after "of" that is a gazetteer place
                if is_place(" ".join(words[:k])):
                    end = m.start("place") + len(" ".join(words[:k]))
                    out.append(Span(m.start(), end, "ORGANIZATION", SCORE, SOURCE))
                    break
        else:
            place = m.group("place2")
            words = place.split()
            for k in range(len(words)):  # the longest run of words before the head that is a gazetteer place
                sub = " ".join(words[k:])
                if sub.casefold() not in stop_words() and is_place(sub):
                    out.append(Span(m.start("place2") + place.rindex(sub), m.end(), "ORGANIZATION", SCORE, SOURCE))
                    break
    for m in (_LOWER_LEGAL.finditer(text) if _LEGAL_HINT.search(text) else ()):
        words = m.group(1).split()
        suffix = m.group(2).casefold().rstrip(".")
        if any(w.casefold() in stop_words() or w.casefold() in LOWER_STOP for w in words):
            words = words[1:] if len(words) == 2 and words[1].casefold() not in stop_words() and \
                words[1].casefold() not in LOWER_STOP else []
        if not words or allowed_phrase(" ".join(words)):
            continue
        if suffix in ("corporation", "limited", "incorporated") and len(words) == 1 and \
                MORPH_GENERIC.search(words[0].casefold()):
            continue  # "a multinational corporation"
        start = m.end(1) - len(words[-1]) if len(words) == 1 else m.start(1)
        out.append(Span(start, m.end(), "ORGANIZATION", SCORE, SOURCE))
    if out and ("," in text or " and " in text or " or " in text or "&" in text):
        out.extend(list_siblings(text, out))
    return merge_overlapping(out)


def _employ_hint(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in EMPLOY_HINTS)
