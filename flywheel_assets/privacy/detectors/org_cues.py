"""More general organisation cues (news verbs, founders, teams, former employees, tickers, legal suffixes after a
comma or in European / Asian forms) and the list siblings of a found organisation (``at Zentrix, Qorvix and
Nexora``).
"""

from __future__ import annotations

import re

from ..lexicons.org_words import CALENDAR
from .base import Span
from .org_base import (BRANDLIKE, SCORE, SOURCE, could_name_org, generic, never_an_org, place_words, stop_words,
                       trim_trailing)
from .org_context import CTX_NAME, CTX_NAME_AT

# --- more general organisation cues (news verbs, founders, teams, former employees, tickers, legal
# suffixes after a comma or in European / Asian forms) ---------------------------------------------------------
_NEWS_VERB = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"[ \t]+(?:has[ \t]+|have[ \t]+|had[ \t]+)?"
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
_FORMER = re.compile(r"\b(?i:former|ex-?)[ \t]*" + CTX_NAME + r"[ \t]+(?i:employees?|engineers?|executives?|"
                     r"staffers?|interns?|ceo|cto|cfo|coo|colleagues?|workers?|managers?|analysts?)\b")
_TEAM = re.compile(r"\b(?i:the)[ \t]+" + CTX_NAME + r"[ \t]+(?:team|board|leadership|management)[ \t]+"
                   r"(?:at|is|was|has|have|announced|said|approved|decided|will|met|members?)\b")
_IS_A_KIND = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"[ \t]+(?:is|was)[ \t]+(?:an?|the|one[ \t]+of[ \t]+the)"
                        r"[ \t]+(?:[\w\-]+[ \t]+){0,3}(?:provider|providers|supplier|suppliers|maker|makers|"
                        r"manufacturer|manufacturers|retailer|retailers|insurer|insurers|lender|lenders|bank|banks|"
                        r"airline|airlines|carrier|carriers|publisher|publishers|distributor|distributors|vendor|"
                        r"vendors|chain|chains|conglomerate|multinational|corporation|company|companies|firm|firms|"
                        r"startup|startups|brand|brands|employer|employers|organi[sz]ation|organi[sz]ations|"
                        r"nonprofit|non-profit|charity|agency|consultancy|subsidiary)\b")
_TICKER = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"[ \t]*\((?:NASDAQ|Nasdaq|NYSE|LSE|TSX|ASX|OTC|AMEX|"
                     r"Euronext|HKEX|SGX|BSE|NSE|TSE|FWB|XETRA|SIX|JSE)[ \t]*:[ \t]*[A-Z0-9.]{1,8}\)")
# "Acme, Inc.", "Zentrix S.p.A.", "Nexora K.K.", "Qorvix Pty Ltd": name words + a legal suffix that rules.org_suffix
# does not read (a comma before it, or a dotted / national form)
_COMMA_LEGAL = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"(?:,[ \t]*(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|"
                          r"GmbH|PLC|LLP|LP|L\.P|Co|S\.A|N\.V|B\.V|AG|SE)\.?|[ \t]+(?:S\.p\.A|S\.A\.S|K\.K|"
                          r"S\.L|S\.r\.l|Srl|SRL|S\.A\.?[ \t]*de[ \t]*C\.V|Pty\.?[ \t]+Ltd|Pvt\.?[ \t]+Ltd|"
                          r"Co\.,?[ \t]+Ltd|Sdn[ \t]+Bhd|ApS|Kft|Zrt|d\.o\.o|a\.s|s\.r\.o|PLLC|P\.C|"
                          r"L\.P|GmbH[ \t]*&[ \t]*Co\.?[ \t]*KG|AS|BV|NV|SpA)\.?)(?![\w\-])")


def _trim_leading(words: list[str]) -> list[str]:
    """Drop sentence-opening words before a name ("Yesterday Zentrix announced", "Then Acme ...")."""
    plain = place_words()[1]
    shout = len(words) > 1 and all(w.isupper() for w in words)  # "WORK AT ZENTROVA": English words, not acronyms
    while words and (words[0].casefold() in stop_words() or words[0].casefold() in CALENDAR or (
            words[0].casefold() in plain and (shout or not BRANDLIKE.match(words[0])) and len(words) > 1)):
        words = words[1:]
    return words


def cue_orgs(text: str) -> list[Span]:
    out: list[Span] = []

    def take(m, strong: bool = False, lead: bool = True) -> None:
        name = m.group("name")
        words = name.split()
        if lead:
            words = _trim_leading(words)
        words = trim_trailing(words)
        if not words:
            return
        kept = " ".join(words)
        if never_an_org(words):
            return
        if not strong:
            if not could_name_org(words):
                return
        elif all(generic(w) for w in words) or words[0].casefold() in stop_words():
            return
        start = m.start("name") + name.index(kept)
        out.append(Span(start, start + len(kept), "ORGANIZATION", SCORE, SOURCE))

    low = text.lower()
    if _NEWS_HINT.search(low):
        for m in _NEWS_VERB.finditer(text):
            take(m)
    for m in (_FOUNDED.finditer(low) if len(low) == len(text) else ()):
        nm = CTX_NAME_AT.match(text, m.end())
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
# capitalised names with a word that could name one (the same could_name_org test as the context cues)
_SIB_RIGHT = re.compile(r"(?:,[ \t]*(?:and[ \t]+|or[ \t]+|&[ \t]*)?|[ \t]+(?:and|or|&)[ \t]+)" + CTX_NAME +
                        r"(?![\w\-'’])")
_SIB_LEFT = re.compile(r"(?<![\w\-'’.@/])" + CTX_NAME + r"(?:,[ \t]*|[ \t]+(?:and|or|&)[ \t]+)$")


def _sibling_ok(name: str) -> bool:
    words = name.split()
    if not words or words[0].casefold() in stop_words() or words[-1].casefold() in stop_words():
        return False
    return not never_an_org(words) and could_name_org(words)


def list_siblings(text: str, found: list[Span]) -> list[Span]:
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
