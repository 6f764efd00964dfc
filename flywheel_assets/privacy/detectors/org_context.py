"""One organisation word (or two / three) in an employer / membership context: ``works at Zentrix``, ``joined
Zentrix42``, ``a recruiter from Qorvix``, ``Nexora's office``, ``the Zentrix office``, ``at Zentrix as a``,
``Zentrix, a startup``; and employer phrases (``my employer x``, ``x is hiring``, ``x hired me``).
"""

from __future__ import annotations

import re

from ..lexicons.names import all_name_tokens as _name_tokens, first_names
from ..lexicons.org_words import SOURCE_SUBJECTS, VENUE_NEXT
from .base import Span
from .org_base import (BRANDLIKE, SCORE, SOURCE, UPPER, allowed_phrase, could_name_org, is_place, lower_org_word,
                       never_an_org, org_word, stop_words, trim_trailing)

# --- one organisation word (or two / three) in an employer / membership context --------------------------------
# "works at Zentrix", "joined Zentrix42", "a recruiter from Qorvix", "Nexora's office", "the Zentrix office",
# "at Zentrix as a", "Zentrix, a startup": the name must not be an English word, a given name, a place, or a public
# product / vendor name (allow-list, plus the tech / brand words below: extend the allow-list policy, not the cues).
CTX_NAME = r"(?P<name>[A-Z][\w&'’\-]*[A-Za-z0-9](?:[ \t]+[A-Z][\w&'’\-]*[A-Za-z0-9]){0,2})"
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
CTX_NAME_AT = re.compile(CTX_NAME)
_CTX_AT_AS = re.compile(r"\bat[ \t]+" + CTX_NAME + r"[ \t]+as[ \t]+(?:an?|the|its|their|our|my|his|her|senior|"
                        r"junior|lead|head|chief|principal|staff)\b")
_CTX_POSSESSIVE = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"['’]s[ \t]+(?:office|offices|headquarters|HQ|"
                             r"employees|staff|CEO|CTO|CFO|founders?|board|workforce|payroll|hiring|recruiters?|"
                             r"shareholders|investors|shares|stock|subsidiary|subsidiaries|executives|leadership|"
                             r"spokesperson|spokesman|spokeswoman|earnings|revenue|quarterly|annual[ \t]+report|"
                             r"customers|clients|layoffs|IPO|acquisition|merger)\b")
_CTX_THE_OFFICE = re.compile(r"\b(?i:the)[ \t]+" + CTX_NAME + r"[ \t]+(?:office|offices|headquarters|HQ|"
                             r"employees|staff|workforce|payroll)\b")
_CTX_APPOSITIVE = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r",[ \t]+an?[ \t]+(?:[\w\-]+[ \t]+){0,2}"
                             r"(?:company|startup|start-up|nonprofit|non-profit|firm|agency|consultancy|"
                             r"manufacturer|retailer|charity|subsidiary|conglomerate|employer)\b")


# "i work at zentrix": a lower-case word after a person's employer cue; it must be in no English / name / place list
_LOWER_ORG_AT = re.compile(r"([a-z][a-z0-9]{3,}(?:[a-z]*\d+[a-z0-9]*)?)(?=[ \t]*(?:[.,;:!?)]|$|[ \t](?:as|since|for|"
                           r"in|and|but|now|until|where|which|last|this|next)\b))")
_LOWER_EMPLOY = re.compile(r"(?:works?|worked|working|interned|interning)[ \t]+(?:at|for)|employed[ \t]+(?:at|by)|"
                           r"joined$")
_PERSON_SUBJECT = re.compile(r"(?i:\b(?:i|i['’]m|he|she|we|they|my[ \t]+[a-z\-]+|i[ \t]+(?:now|currently|still))"
                             r"[ \t]+(?:currently[ \t]+|now[ \t]+|still[ \t]+|also[ \t]+|just[ \t]+)?)$")


# "my employer zentrova", "zentrova is hiring", "zentrova hired me": one word (any case) next to an employer cue; it
# must pass the same tests as a lower-case employer word (no English / name / place / product word)
_EMPLOYER_BEFORE = re.compile(r"\b(?i:my|our|his|her|their)[ \t]+(?:(?i:current|former|new|old|previous|last)[ \t]+)?"
                              r"employer(?:[ \t]*[,:]|[ \t]+(?:is|was))?[ \t]+(?P<name>[^\W\d_][\w&\-]*[^\W_])"
                              r"(?![\w\-'’@./])")
_HIRING_AFTER = re.compile(r"(?<![\w\-'’@./])(?P<name>[^\W\d_][\w&\-]*[^\W_])[ \t]+(?:(?:is|are)[ \t]+(?:now[ \t]+|"
                           r"currently[ \t]+|still[ \t]+)?hiring|hired[ \t]+me)\b")


def hiring_orgs(text: str) -> list[Span]:
    out = []
    for rx in (_EMPLOYER_BEFORE, _HIRING_AFTER):
        for m in rx.finditer(text):
            w = m.group("name")
            ok = lower_org_word(w) if w.islower() else (org_word(w) and not is_place(w) and
                                                           w.casefold() not in _name_tokens())
            if ok and not allowed_phrase(w):
                out.append(Span(m.start("name"), m.end("name"), "ORGANIZATION", SCORE, SOURCE))
    return out


def context_orgs(text: str) -> list[Span]:
    out: list[Span] = []

    def take(m, kind: str) -> None:
        name = m.group("name")
        words = trim_trailing(name.split())
        if not words or words[0].casefold() in stop_words():
            return
        kept = " ".join(words)
        if never_an_org(words) or not could_name_org(words):
            return
        if kind == "possessive" and words[-1].casefold() in _name_tokens() and not BRANDLIKE.match(words[-1]):
            return  # "Smith's office", "Dr. Patel's staff": a person
        if kind in ("office", "possessive") and words[0].casefold() in first_names():
            return
        start = m.start("name")
        end = start + len(kept) if name.startswith(kept) else m.end("name")
        out.append(Span(start, end, "ORGANIZATION", SCORE, SOURCE))

    low = text.lower()
    cues = _CTX_BEFORE.finditer(low) if len(low) == len(text) else _CTX_BEFORE_CI.finditer(text)
    for m in cues:
        nm = CTX_NAME_AT.match(text, m.end())
        if nm is None:
            lw = _LOWER_ORG_AT.match(text, m.end())
            if lw and _LOWER_EMPLOY.match(m.group("cue").casefold()) and _PERSON_SUBJECT.search(
                    text, max(0, m.start() - 24), m.start()) and lower_org_word(lw.group(1)):
                out.append(Span(lw.start(1), lw.end(1), "ORGANIZATION", SCORE, SOURCE))
            continue
        cue = m.group("cue").casefold()
        if " from" in cue and cue.split()[0] in ("is", "am", "are", "was", "were"):
            before = text[max(0, m.start() - 20):m.start()].split()
            if not before or before[-1].casefold().strip(",.;:") in SOURCE_SUBJECTS:
                continue
            if before[-1][:1].islower() and before[-1].casefold() not in ("he", "she", "i", "we", "they", "who"):
                continue  # "the quote is from", "my data is from"
        if cue.startswith("join"):
            nxt = re.match(r"[ \t]+([a-z]+)", text[m.end():])
            if nxt and nxt.group(1) in VENUE_NEXT:
                continue
        take(nm, "before")
    if not UPPER.search(text):
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
