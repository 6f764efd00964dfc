"""The detector cascade: rules + secrets -> lower-case name lexicon -> org dictionary -> spaCy NER (via Presidio,
only on texts with a candidate word; long texts windowed) -> GLiNER (optional),
then allow-list, type filter, overlap resolution, postal-address block bridging, contact blocks (the title /
employer lines between a name and an address) and name propagation. An
all-lower-case text also gets a cased copy (``truecase.py``, same offsets) that rules and lexicon detectors read as
well and spaCy and post-processing read instead (``truecase_lowercase``).

``Cascade(cfg).scan_many(texts)`` is the batch entry point (one ``nlp.pipe`` call, cache by text hash so repeated
system prompts / tool schemas are scanned once). Output spans are sorted, non-overlapping and deterministic.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from functools import lru_cache

from .config import PrivacyConfig
from .detectors.base import Span, overlap_test
from .detectors.dictionary import cached_allow_list, cached_dictionary
from .detectors.addresses import FUNCTION_WORDS as _ADDR_FUNCTION
from .detectors.addresses import NOT_NAME_START as _ADDR_NOT_START
from .detectors.addresses import NUM_WORDS as _ADDR_NUM_WORDS
from .detectors.addresses import UP as _ADDR_UP
from .detectors.name_forms import join_inverted_names
from .detectors.rules import detect_rules
from .text_view import reading_view
from .placeholders import PLACEHOLDER_RE  # noqa: F401  (redact imports it from here)
from .truecase import truecase

_NAME_TOKEN = re.compile(r"[A-ZÀ-Þ][a-zà-ÿ'’\-]{2,}")
_UP = _ADDR_UP  # upper-case letters of the Latin / Greek scripts (addresses.UP)
_ADDRESS_GAP = re.compile(r"^[\s,;\-–/]*(?:(?:" + _UP + r"[\w'’.\-]*|\d{3,6}|(?:de|del|da|do|di|la|le|am|an|der|"
                          r"sur|upon|on)(?=\s+" + _UP + r")|(?i:none|null|n/a)(?=\s*,))[\s,;\-–/]*){0,3}$")
_TYPE_RANK = {  # tie-break when overlapping spans disagree on type: more specific / more sensitive first
    "SECRET": 0, "CREDIT_CARD": 1, "IBAN_CODE": 1, "US_SSN": 1, "NATIONAL_ID": 1, "BANK_ACCOUNT": 1,
    "EMAIL_ADDRESS": 2, "PHONE_NUMBER": 3, "VEHICLE_ID": 3, "ACCOUNT_ID": 5,
    "IP_ADDRESS": 3, "MAC_ADDRESS": 3, "US_DRIVER_LICENSE": 3, "US_PASSPORT": 3, "CRYPTO": 3, "URL": 4,
    "STREET_ADDRESS": 5, "PERSON": 6, "USER_ID": 6, "LOCATION": 7, "ORGANIZATION": 8, "DATE_TIME": 9,
}
_MODEL_SOURCES = ("spacy", "gliner", "hf_ner")
# log timestamps / clock times are operational data, not birthdays
_LOG_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?|"
                       r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b|\b\d{10,13}\b")
# rules whose dates are personal by their label (a birth date, an event's date-time), kept even when they look like
# log timestamps
_CONTEXT_DATES = frozenset({"dob_ctx", "event_datetime", "date_iso_event"})
_NOT_NAMES = frozenset("""the and for but not you your our his her its their this that these those with from into
about have has had was were are will would could should can may might must shall please thanks thank hello dear
yes no okay sure mr mrs ms dr prof street road avenue city state country january february march april june july
august september october november december monday tuesday wednesday thursday friday saturday sunday""".split())


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Union overlapping spans; the merged span takes the type of its best member (score, specificity, length)."""
    if not spans:
        return []
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.entity_type, s.source))
    out: list[Span] = []
    group = [spans[0]]
    end = spans[0].end
    for s in spans[1:]:
        if s.start < end:
            group.append(s)
            end = max(end, s.end)
        else:
            out.append(_merge(group, end))
            group, end = [s], s.end
    out.append(_merge(group, end))
    return out


def _merge(group: list[Span], end: int) -> Span:
    best = min(group, key=lambda s: (-round(s.score, 3), _TYPE_RANK.get(s.entity_type, 10), -(s.end - s.start),
                                     s.entity_type, s.source))
    return Span(group[0].start, end, best.entity_type, max(s.score for s in group), best.source)


def bridge_addresses(text: str, spans: list[Span]) -> list[Span]:
    """Join the parts of one postal address into one STREET_ADDRESS span: STREET_ADDRESS/LOCATION spans separated
    only by commas/newlines/dashes and <=3 capitalised words, state codes or a postcode; a town that a model took
    for a person / organisation between two address parts (``12 Elm St, <Springfield>, IL 62704``) goes with them."""
    if any(s.entity_type == "LOCATION" for s in spans):
        spans = _bare_streets(text, spans)
    if len(spans) < 2:
        return spans
    out = [spans[0]]
    i = 1
    while i < len(spans):
        s = spans[i]
        prev = out[-1]
        kinds = {prev.entity_type, s.entity_type}
        if kinds <= {"STREET_ADDRESS", "LOCATION"} and "STREET_ADDRESS" in kinds and _bridge_gap(text, prev.end,
                                                                                                     s.start):
            out[-1] = Span(prev.start, s.end, "STREET_ADDRESS", max(prev.score, s.score), prev.source)
        elif prev.entity_type == s.entity_type == "STREET_ADDRESS" and _CROSS_GAP.fullmatch(text, prev.end, s.start) \
                and "\n" not in text[prev.start:s.end] and (
                    _cross_pair(text[prev.start:prev.end], text[s.start:s.end])
                    or _CROSS_BEFORE.search(text, max(0, prev.start - 40), prev.start)):
            # an intersection: "elm street and main street", "5th Ave & 42nd St", "the corner of Foo 12 and Bar St"
            a = prev.start
            m = _CROSS_BEFORE.search(text, max(0, a - 40), a)
            out[-1] = Span(m.start() if m else a, s.end, "STREET_ADDRESS", max(prev.score, s.score), prev.source)
        elif prev.entity_type == "STREET_ADDRESS" and s.entity_type in ("PERSON", "ORGANIZATION", "LOCATION") and \
                i + 1 < len(spans) and spans[i + 1].entity_type in ("STREET_ADDRESS", "LOCATION") and \
                spans[i + 1].end - prev.end <= 60 and _bridge_gap(text, prev.end, s.start) and \
                _bridge_gap(text, s.end, spans[i + 1].start) and "\n" not in text[prev.end:spans[i + 1].start]:
            nxt = spans[i + 1]
            out[-1] = Span(prev.start, nxt.end, "STREET_ADDRESS", max(prev.score, nxt.score), prev.source)
            i += 1
        else:
            out.append(s)
        i += 1
    return out


# a capitalised street name + house number with no street word (Národní 20, Nowy Świat 5, Unter den Linden 77)
_NAME_NUMBER = re.compile(r"(?<![\w\-])((?:" + _UP + r"[^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?[ \t]+(?:(?:de|del|"
                          r"da|do|di|la|le|den|der|van|von|am|an|im|na|nad|pod)[ \t]+)?){1,3}\d{1,4}[A-Za-z]?"
                          r"(?:[/\-]\d{1,4})?)[ \t]*,[ \t]*$")


def _name_number_ok(value: str) -> bool:
    ws = re.findall(r"[^\W\d_][\w'’\-]*|\d+", value)
    return bool(ws) and ws[0].casefold() not in _ADDR_NOT_START and not _YEAR.fullmatch(ws[-1]) and not any(
        w.casefold() in _ADDR_FUNCTION or w.casefold() in _ADDR_NUM_WORDS or w.casefold() in _TAIL_STOP
        for w in ws[:-1])


def _bare_streets(text: str, spans: list[Span]) -> list[Span]:
    """``Národní 20, Praha, Czech Republic``: a capitalised name + house number just before a town LOCATION that a
    second LOCATION / postcode segment follows on the same line is the street of that address."""
    out = list(spans)
    for i, s in enumerate(spans):
        if s.entity_type != "LOCATION" or i + 1 >= len(spans) or spans[i + 1].entity_type not in (
                "LOCATION", "STREET_ADDRESS") or not re.fullmatch(r"[ \t]*,[ \t]*", text[s.end:spans[i + 1].start]):
            continue
        if i > 0 and spans[i - 1].end > s.start - 30:
            continue
        m = _NAME_NUMBER.search(text, max(0, s.start - 50), s.start)
        if m and "\n" not in m.group(1) and _name_number_ok(m.group(1)):
            out.append(Span(m.start(1), m.end(1), "STREET_ADDRESS", 0.6, "bare_street"))
    return sorted(out, key=lambda x: (x.start, x.end)) if len(out) > len(spans) else spans


_CROSS_GAP = re.compile(r"\.?[ \t]+(?:and|&|at|y|et|und|e)[ \t]+|[ \t]*(?:&|/)[ \t]*")
_CROSS_BEFORE = re.compile(r"(?i:(?:\bthe[ \t]+)?\b(?:corner|intersection|junction|crossroads?)[ \t]+of[ \t]+"
                           r"(?:the[ \t]+)?)$")
_STREET_END = re.compile(r"(?i)(?:\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|"
                         r"place|pl|parkway|pkwy|highway|hwy|broadway|terrace|circle|trail)\.?|\b\d{1,3}(?:st|nd|rd|th))$")


_NAME_AND = re.compile(r"(?:(?<=\s)|^)(" + _UP + r"[^\W\d_'’\-]{2,})[ \t]+(?:and|&)[ \t]+$")


def _cross_pair(a: str, b: str) -> bool:
    """Both sides of an intersection end in a street word (or are an ordinal street): no house number block."""
    return bool(_STREET_END.search(a.strip()) and _STREET_END.search(b.strip()))


def _bridge_gap(text: str, a: int, b: int) -> bool:
    gap = text[a:b]
    return b - a <= 40 and bool(_ADDRESS_GAP.match(gap))


_COMMA_SEG = re.compile(r"[ \t]*,[ \t]*([^\n,;:()]{2,40}?)(?=[ \t]*(?:,|\n|$|\.(?:\s|$)))")
_EMPTY_SEG = re.compile(r"[ \t]*,[ \t]*(?:(?i:none|null|n/a)[ \t]*)?(?=,)")
_LEAD_NUMBER = re.compile(r"(?:^|(?<=\s))(?:(?i:no\.?|nr\.?|n[º°])[ \t]*)?\d{1,5}[A-Za-z]?(?:[\-/]\d{1,5}[A-Za-z]?)?"
                          r"[ ,]+$")
# postcode formats (UPU): US ZIP(+4), generic 4-6 digits, SE/CZ/SK "123 45", PL "12-345", PT "1234-567", BR
# "12345-678", JP "123-4567", NL "1234 AB", UK, CA, country-prefixed "D-10115"
_PC = (r"(?:(?:[A-Z]{1,3}-)?\d{4,6}(?:-\d{3,4})?|\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{3}-\d{4}|[1-9]\d{3}[ \t]?[A-Z]{2}|"
       r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)")
_POSTCODE_END = re.compile(r"(?:^|\s)(?:\d{4,6}(?:-\d{3,4})?|\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3}|\d{3}[ \t]\d{2}|"
                           r"[1-9]\d{3}[ \t]?[A-Z]{2})\s*$|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\s*$|"
                           r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\s*$")
# a line / segment that starts with a postcode, then the town (EU order): 10115 Berlin, 1012 AB Amsterdam
_POSTCODE_START = re.compile(r"^\s*" + _PC + r"[ \t]+" + _UP + r"[^\W\d_]")
_YEAR = re.compile(r"(?:19|20)\d\d")
# the same line after a street: town words, state codes, units, postcodes, separated by spaces / commas / dashes
_TAIL_TOKEN = re.compile(r"[ \t]*(?:[,;–\-][ \t]*(?:(?i:none|null|n/a)[ \t]*(?=,))?){0,2}(?:(?P<unit>(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|"
                         r"rm|bldg|building|app|appt|apto|wohnung|whg|piso|dpto|bus|bte|top)\.?[ \t]*#?[ \t]*"
                         r"[A-Z]?\d{1,5}[A-Za-z]?)|(?P<pc>" + _PC + r")|(?P<w>" + _UP + r"[^\W\d_'’\-]*"
                         r"(?:['’\-][^\W\d_]+)*\.?|(?:de|del|da|do|di|la|le|am|an|der|sur|upon|on)(?=[ \t]+"
                         + _UP + r")))(?=[\s,;.!?)]|$)")
# capitalised words that end an address, not towns (sign-offs, pronouns, sentence starts)
_TAIL_STOP = frozenset("""thanks thank please call regards best cheers hi hello i we you he she they it the this
that my our your his her their is are was can could would will should and or but if then also so ok okay yes no
phone tel email e-mail mobile fax attn name monday tuesday wednesday thursday friday saturday sunday january
february march april may june july august september october november december today tomorrow""".split())
_CLAUSE_END = re.compile(r"[ \t]*(?:$|\n|[,.;!?)])")


def _same_line_tail(text: str, b: int, spans: list[Span]) -> int:
    """End of the town / state / postcode / country words that follow a street on its line: up to the last
    postcode or unit (and the town / country words after it when the clause ends there) or the last place name."""
    pos, best, words_after, n = b, b, 0, 0
    # after a postcode, a unit or a house number, town / country words may follow (Hauptstraße 5 Berlin)
    anchored = bool(re.search(r"\d[A-Za-z]?\.?$", text[max(0, b - 4):b]))
    prev_town = False
    while n < 10:
        m = _TAIL_TOKEN.match(text, pos)
        if not m:
            break
        n += 1
        pos = m.end()
        w = m.group("w")
        pc = m.group("pc")
        town, prev_town = prev_town, False
        # a year-like code is a postcode only right after a town word, closing the clause (Sydney 2000)
        if pc and (not _YEAR.fullmatch(pc) or town and not re.match(r"[ \t]*[,;–\-]", m.group(0))
                   and _CLAUSE_END.match(text, pos)):
            best, anchored, words_after = pos, True, 0
        elif m.group("unit"):
            best, anchored, words_after = pos, True, 0
        elif w:
            if w.casefold().rstrip(".") in _TAIL_STOP:
                break
            prev_town = len(w) > 2 and w[1:].islower()
            loc = [o.end for o in spans if o.entity_type == "LOCATION" and o.start <= m.start("w") < o.end]
            if loc:
                best = max(best, loc[0])
            elif anchored:
                words_after += 1
                if words_after <= 4 and _CLAUSE_END.match(text, pos):
                    best = pos
        else:
            break
    return best


_LINE_PREFIX = re.compile(r"^[\s>?*|#\-]*")


def _short_line(line: str, max_tokens: int, max_chars: int) -> bool:
    s = _LINE_PREFIX.sub("", line).strip()
    return 0 < len(s) <= max_chars and len(s.split()) <= max_tokens and not re.search(r"[@:;!?=<>{}\[\]\"]", s)


def _postcode_line(line: str) -> bool:
    return bool(_POSTCODE_END.search(line) or _POSTCODE_START.match(line))


def _following_lines(text: str, pos: int, b: int, spans: list[Span]) -> int:
    """Up to three lines after a street line that continue its address block (unit / town / ``ST 12345`` /
    ``12345 Town`` / ``Country``): short lines, the last one holding a postcode or a place; a line that goes on
    in prose after its town / postcode words contributes just those words."""
    best = b
    for _ in range(3):
        if pos >= len(text):
            break
        nl = text.find("\n", pos)
        nl = len(text) if nl == -1 else nl
        line = text[pos:nl]
        body = line.rstrip()
        has_place = any(o.entity_type in ("LOCATION", "STREET_ADDRESS") and pos <= o.start < nl for o in spans)
        pc = _postcode_line(line)
        if _short_line(line, 6 if pc else 4, 50):
            if pc or has_place:
                best = pos + len(body)
            pos = nl + 1
            continue
        start = pos + len(line) - len(line.lstrip())
        e = _same_line_tail(text, start, spans)
        if e > start and (_POSTCODE_END.search(text[start:e]) or _POSTCODE_START.match(text[start:e]) or any(
                o.entity_type in ("LOCATION", "STREET_ADDRESS") and start <= o.start < e for o in spans)):
            best = e
        break
    return best


_UNIT_START = re.compile(r"(?i:apt|apartment|suite|ste|unit|flat|floor|fl|bldg|app|appt|apto|wohnung|piso|dpto)\b")
_STREET_BEFORE_UNIT = re.compile(r"(?:(?<=\s)|^)(?:\d{1,5}[A-Za-z]?[ \t]+)?(?:" + _UP + r"[^\W\d_'’\-]*(?:['’\-]"
                                 r"[^\W\d_]+)*\.?[ \t]+(?:(?:de|del|da|do|di|la|le|den|der|van|von|am|an|im)"
                                 r"[ \t]+)?){1,4}\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4})?[ \t]*,?[ \t]*$")
_HOUSE_LINE = re.compile(r"^(?:\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4})?,?\s+\S.*|.*\S\s+(?i:no\.?\s*|nr\.?\s*)?\d{1,5}"
                         r"[A-Za-z]?(?:[/\-]\d{1,4})?)$")


# a building / estate name that opens an address block (Rosewood House, Harbour View Apartments)
_BUILDING = (r"(?:House|Building|Bldg\.?|Tower|Towers|Court|Hall|Centre|Center|Lodge|Cottage|Mansions?|"
             r"Apartments|Residence|Residences|Villa|Block|Wing|Farm|Chambers|Plaza|Complex|Estate|Haus|Hof|Gebäude|"
             r"Edificio|Residencial|Immeuble|Résidence|Palazzo)")
_BUILDING_LINE = re.compile(r"^(?:" + _UP + r"[^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*[ \t]+){1,3}" + _BUILDING +
                            r",?$")
_BUILDING_BEFORE = re.compile(r"(?:(?<=\s)|^)(?:" + _UP + r"[^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*[ \t]+){1,3}"
                              + _BUILDING + r"[ \t]*,[ \t]*$")


def _place_line(line: str) -> bool:
    """A town / region line: capitalised words (and connectors, commas), no digits, no sign-off."""
    ws = re.findall(r"[^\W\d_][\w'’\-]*|\d", line)
    return bool(ws) and all(w[0].isupper() or w in ("de", "del", "da", "do", "di", "la", "le", "am", "an", "der",
                                                     "sur", "upon", "on") for w in ws) and \
        not any(w.casefold() in _TAIL_STOP for w in ws)


def _lines_above(text: str, ls: int, a: int) -> int:
    """Start of the address block above a span that starts its line: up to three short lines above it, the top one
    a street line (a house number first or last: ``12 Foo Bar`` / ``Foo Bar 12``), the ones between it and the
    span short lines without numbers (town, unit words); or, as before, one short line with a number."""
    starts, pos = [], ls
    ps = text.rfind("\n", 0, ls - 1) + 1
    if ls > 0 and not _short_line(text[ps:ls - 1], 6, 50):  # "... send it to 12 Foo 34\nApt. 5": the street ends it
        m = _STREET_BEFORE_UNIT.search(text, max(ps, ls - 61), ls - 1)
        if m and not any(w.casefold() in _ADDR_FUNCTION or w.casefold() in _TAIL_STOP or w.casefold() in
                         _ADDR_NUM_WORDS or w.casefold() in _ADDR_NOT_START for w in m.group(0).split()):
            return m.start()
        return a
    for _ in range(3):
        if pos <= 0:
            break
        ps = text.rfind("\n", 0, pos - 1) + 1
        line = text[ps:pos - 1]
        if not _short_line(line, 6, 50) or re.search(r"\d{6,}", line):
            break
        starts.append((ps, line))
        pos = ps
    best = a
    for k, (ps, line) in enumerate(starts):
        body = _LINE_PREFIX.sub("", line).strip()
        if k == 0 and (re.search(r"\d", body) or _BUILDING_LINE.match(body) and _place_line(body)):
            best = ps + _LINE_PREFIX.match(line).end()
        elif k > 0 and _HOUSE_LINE.match(body) and re.search(r"[^\W\d_]{2,}", body) and \
                all(_place_line(l) for _, l in starts[:k]) and \
                not any(w.casefold().strip(",.") in _ADDR_FUNCTION for w in body.split()):
            best = ps + _LINE_PREFIX.match(line).end()
    return best


def address_blocks(text: str, spans: list[Span]) -> list[Span]:
    """Grow STREET_ADDRESS spans to the postal-address block they sit in: a house number just before the street on
    the same line, the street line just before a unit/city line, the town / state / postcode / country after the
    street on its line (``, City, ST 12345``, ``10115 Berlin``, ``Springfield IL 62704``), and up to three
    following short lines that end in (or start with) a postcode or hold a place (``City`` / ``Country 12345`` /
    ``12345 City`` / ``Country``)."""
    if "\n" not in text and not any(s.entity_type == "STREET_ADDRESS" for s in spans):
        return spans
    out = []
    for s in spans:
        if s.entity_type != "STREET_ADDRESS":
            out.append(s)
            continue
        a, b = s.start, s.end
        m = None
        if _UNIT_START.match(text, a) or _POSTCODE_START.match(text[a:a + 40]):
            # "12 Foo Bar 34 Apt. 5" / "Národní 20, 110 00 Praha": the street + house number before a unit / postcode
            m = _STREET_BEFORE_UNIT.search(text, max(0, a - 60), a)
            if m and any(w.casefold() in _ADDR_FUNCTION or w.casefold() in _TAIL_STOP or w.casefold() in
                         _ADDR_NUM_WORDS or w.casefold() in _ADDR_NOT_START for w in m.group(0).split()):
                m = None
        m = m or _LEAD_NUMBER.search(text, max(0, a - 16), a)
        if m:
            a = m.start()
        if a > 0 and text[a - 1] in " ,\t":  # "Rosewood House, 12 Elm Street": a building name before the street
            m = _BUILDING_BEFORE.search(text, max(0, a - 50), a)
            if m and not any(w.casefold() in _TAIL_STOP or w.casefold() in _ADDR_NOT_START
                             for w in m.group(0).split()):
                a = m.start()
        if a > 5 and text[a - 1] in " \t":
            m = _NAME_AND.search(text, max(0, a - 30), a)
            if m and m.group(1).casefold() not in _TAIL_STOP and m.group(1).casefold() not in _ADDR_NOT_START and \
                    m.group(1).casefold() not in _ADDR_FUNCTION and _STREET_END.search(text[a:b].rstrip()) and \
                    re.match(r"\d{1,3}(?:st|nd|rd|th)\b|[^\W\d_]", text[a:b]):  # no house number: a street
                a = m.start()
        ls = text.rfind("\n", 0, a) + 1
        if not _LINE_PREFIX.sub("", text[ls:a]).strip() and ls > 0:  # span starts its line: street line above?
            a = _lines_above(text, ls, a)
        # same line: ", City, Country 12345" after the street
        pos, best = b, None
        for _ in range(4):
            m = _EMPTY_SEG.match(text, pos)
            if m:  # "Town, , 12345" / ", N/A,": an empty field of a form or a table export
                pos = m.end()
                continue
            m = _COMMA_SEG.match(text, pos)
            if not m:
                break
            pos = m.end()
            seg = m.group(1)
            if _postcode_line(seg) or any(o.start <= m.start(1) and m.end(1) <= o.end and o.entity_type in (
                    "LOCATION", "STREET_ADDRESS") for o in spans):
                best = m.end(1)
        if best is not None:
            b = best
        b = _same_line_tail(text, b, spans)
        le = text.find("\n", b)
        if le != -1 and not text[b:le].strip():
            b = _following_lines(text, le + 1, b, spans)
        out.append(Span(a, b, s.entity_type, s.score, s.source) if (a, b) != (s.start, s.end) else s)
    return resolve_overlaps(out)


def name_parts(value: str) -> list[str]:
    return [t for t in _NAME_TOKEN.findall(value) if t.casefold() not in _NOT_NAMES]


def propagate(text: str, spans: list[Span], known: dict[str, str]) -> list[Span]:
    """Mark further occurrences of known values (value -> entity type) not yet covered. Names match case-sensitive
    on word boundaries (a first name after a full name); other values case-insensitively."""
    if not known:
        return spans
    extra = []
    names = tuple(sorted((v for v, et in known.items() if et == "PERSON"), key=lambda v: (-len(v), v)))
    others = tuple(sorted((v for v, et in known.items() if et != "PERSON"), key=lambda v: (-len(v), v)))
    folded = {v.casefold(): et for v, et in known.items() if et != "PERSON"}
    if names:
        for a, b in find_values(text, names, False):
            extra.append(Span(a, b, "PERSON", 0.45, "propagate"))
    if others:
        for a, b in find_values(text, others, True):
            et = folded.get(text[a:b].casefold())
            if et:
                extra.append(Span(a, b, et, 0.45, "propagate"))
    if not extra:
        return spans
    # a known value explains a model (NER) span around it: keep the known value's extent and type (a model span
    # around a shorter known value is dropped; one overlapping a known value loses the merge). Sorted sweep with
    # bisect, not spans x values: a 5,000-name list must not be quadratic.
    ex = sorted((e.start, e.end) for e in extra)
    starts = [a for a, _ in ex]
    longest = max(b - a for a, b in ex)
    kept = []
    for s in spans:
        if s.source not in _MODEL_SOURCES:
            kept.append(s)
            continue
        near = ex[bisect_left(starts, s.start - longest):bisect_left(starts, s.end)]
        over = [(a, b) for a, b in near if a < s.end and s.start < b]
        if not over:
            kept.append(s)
        elif not any(b - a < s.end - s.start for a, b in over):
            kept.append(Span(s.start, s.end, s.entity_type, min(s.score, 0.44), s.source))
    return resolve_overlaps(kept + extra)


def email_name_spans(text: str, spans: list[Span]) -> list[Span]:
    """Names spelled in an email's local part (ana.lopez@, KosaraReisl@) mark the same capitalised words in the
    text as PERSON (``Ana Lopez wrote from ana.lopez@...``)."""
    toks: set[str] = set()
    for s in spans:
        if s.entity_type != "EMAIL_ADDRESS":
            continue
        local = text[s.start:s.end].split("@")[0]
        local = re.sub(r"([a-z])([A-Z])", r"\1 \2", local)
        for t in re.split(r"[\s._\-+\d]+", local):
            if len(t) >= 3 and t.isalpha() and t.casefold() not in _NOT_NAMES:
                toks.add(t.casefold())
    if not toks:
        return []
    if _plain_case(text, tuple(toks)):  # a match starts with a token in upper case: none -> skip the regex compile
        low = text.lower()
        if not any(text[i].isupper() for t in toks for i in _find_all(low, t)):
            return []
    alt = "|".join(sorted((re.escape(t) for t in toks), key=lambda x: (-len(x), x)))
    word = r"(?i:" + alt + r")"
    out = []
    for m in re.finditer(r"(?<![\w@.])" + word + r"(?:\s+" + word + r")*(?![\w@])", text):
        if m.group(0)[0].isupper():
            out.append(Span(m.start(), m.end(), "PERSON", 0.6, "email_name"))
    return out


def _find_all(hay: str, needle: str):
    i = hay.find(needle)
    while i != -1:
        yield i
        i = hay.find(needle, i + 1)


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


@lru_cache(maxsize=1)
def _special_folds() -> frozenset | None:
    try:  # the characters re.IGNORECASE matches beyond lower() equality (CPython's own table)
        from re._casefix import _EXTRA_CASES

        return frozenset(chr(c) for k, vs in _EXTRA_CASES.items() for c in (k, *vs))
    except Exception:  # pragma: no cover - another Python: be exact, use the regex
        return None


def _plain_case(text: str, values: tuple[str, ...]) -> bool:
    if text.isascii() and all(v.isascii() for v in values):
        return True
    special = _special_folds()
    if special is None:
        return False
    chars = {c for c in text if not c.isascii()}
    for v in values:
        chars.update(c for c in v if not c.isascii())
    return all(len(c.lower()) == 1 and len(c.upper()) == 1 and c not in special for c in chars)


def find_values(text: str, values: tuple[str, ...], ignore_case: bool) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of ``values`` (longest first) on the boundaries of ``_alternation``, found with
    ``str.find`` instead of compiling one regex per text (compiling was ~15% of the cascade's CPU time). Same
    matches as ``_alternation(values, ignore_case).finditer(text)``; case-insensitive input with a character whose
    case folding is not a plain 1:1 ``lower()`` (sigma, dotless i, long s, ...) and empty values take that path."""
    if not all(values) or (ignore_case and not _plain_case(text, values)):
        return [m.span() for m in _alternation(values, ignore_case).finditer(text)]
    hay = text.lower() if ignore_case else text
    n = len(text)
    found = []
    for rank, v in enumerate(values):
        needle = v.lower() if ignore_case else v
        i = hay.find(needle)
        while i != -1:
            j = i + len(needle)
            ok_before = i == 0 or not (_word_char(text[i - 1]) or text[i - 1] in "@.-")
            if ok_before and (j == n or not (_word_char(text[j]) or text[j] in "@-" or (
                    text[j] == "." and j + 1 < n and _word_char(text[j + 1])))):
                found.append((i, rank, j))
            i = hay.find(needle, i + 1)
    found.sort()
    out, last = [], 0
    for i, _, j in found:  # leftmost match, first (longest) alternative at that position, then go on after it
        if i >= last:
            out.append((i, j))
            last = j
    return out


@lru_cache(maxsize=4096)
def _alternation(values: tuple[str, ...], ignore_case: bool) -> re.Pattern:
    alt = "|".join(re.escape(v) for v in values)
    return re.compile(r"(?<![\w@.\-])(?:" + alt + r")(?![\w@\-]|\.\w)", re.IGNORECASE if ignore_case else 0)


_NAME_PART = r"[A-ZÀ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-Þ]?[a-zà-ÿ'’]+)*"
_POSTCODE_IN = re.compile(r"(?<![\w\-])\d{5}(?:-\d{4})?(?![\w\-])|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NAME_LIKE = re.compile(r"^" + _NAME_PART + r"(?:[ \t]+" + _NAME_PART + r"){0,3}$")  # a name never spans lines


def _name_support(v: str) -> bool:
    from .lexicons.names import name_support

    return name_support(v)


def known_values(text: str, spans: list[Span]) -> dict[str, str]:
    """Values worth looking for elsewhere: rule/dictionary/JSON-key values, and person names. A name's parts are
    propagated only when a reliable source found it (title, introduction, email, dictionary, first_name/last_name
    key); a spaCy PERSON only when it looks like a name (capitalised words), its parts only for a full name."""
    known: dict[str, str] = {}
    for s in spans:
        v = text[s.start:s.end].strip()
        if s.entity_type == "PERSON":
            if s.source in _MODEL_SOURCES or s.source == "propagate":
                if _NAME_LIKE.match(v) and _name_support(v):
                    known.setdefault(v, "PERSON")
                    if " " in v:  # a full name: its parts are later first-/last-name mentions
                        for p in name_parts(v):
                            known.setdefault(p, "PERSON")
                continue
            for p in name_parts(v):
                known.setdefault(p, "PERSON")
        if len(v) >= 4 and s.entity_type not in ("DATE_TIME", "LOCATION", "ORGANIZATION", "URL") and \
                s.source not in _MODEL_SOURCES:
            known.setdefault(v, s.entity_type)
            if s.entity_type == "STREET_ADDRESS" and v != v.strip("0123456789- "):
                # the postcode of an address is repeated alone ("Sure, it's 78773"): propagate it too
                for m in _POSTCODE_IN.finditer(v):
                    known.setdefault(m.group(0), "STREET_ADDRESS")
    return known


def _not_overlapping(extra: list[Span], spans: list[Span]) -> list[Span]:
    """The spans of ``extra`` that overlap none of ``spans`` (what a late detector adds to the cascade's result)."""
    hits = overlap_test(spans)
    return [e for e in extra if not hits(e.start, e.end)]


def _hints(spans: list[Span]) -> tuple[tuple[int, int], ...]:
    """Extents of the names / places / firms found so far: truecasing capitalises their words."""
    return tuple(sorted((s.start, s.end) for s in spans if s.entity_type in ("PERSON", "LOCATION", "ORGANIZATION")))


def _lexicon_detectors(cfg: PrivacyConfig) -> list:
    """The cheap lexicon / context detectors switched on in ``cfg``, in a fixed order (each ``text -> [Span]``)."""
    out = []
    if cfg.gazetteer:
        from .detectors.gazetteer import detect_places

        out.append(detect_places)
    if cfg.person_cues:
        from .detectors.person_cues import detect_person_cues

        out.append(detect_person_cues)
    if cfg.job_titles:
        from .detectors.titles import detect_titles

        out.append(detect_titles)
    if cfg.org_heads:
        from .detectors.organisations import detect_organisations

        out.append(detect_organisations)
    return out


class Cascade:
    def __init__(self, cfg: PrivacyConfig | None = None, gliner_model=None, backends: list | None = None):
        """``backends``: model backends (``detectors.model_backends``) to use besides those the config names."""
        self.cfg = cfg or PrivacyConfig()
        self.dictionary = cached_dictionary(tuple(self.cfg.dictionaries)) if self.cfg.dictionaries else None
        self.allow = cached_allow_list(tuple(self.cfg.allow_list), self.cfg.use_default_allow_list)
        self.gliner_model = gliner_model
        if self.gliner_model is None and self.cfg.gliner_model_dir:
            from .detectors.gliner_ner import load_gliner

            self.gliner_model = load_gliner(self.cfg.gliner_model_dir)
        self.backends = list(backends or [])
        if self.cfg.model_backends:
            from .detectors.model_backends import build_backends

            self.backends += build_backends([b.model_copy(update={"labels": b.labels or self.cfg.gliner_labels})
                                             for b in self.cfg.model_backends])
        self._cache: dict[str, tuple[Span, ...]] = {}
        self.stats: dict[str, int] = {}  # ner_chars_skipped / ner_texts_truncated (cumulative)

    # -- public ------------------------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load every enabled lexicon and model now (the spaCy model, given names, places, titles: a few seconds once
        per process) instead of on the first texts that need them. Results are not cached."""
        cfg = self.cfg
        if cfg.person_cues:
            from .detectors.person_cues import preload

            preload()
        if cfg.gazetteer:
            from .lexicons.places import lexicon

            lexicon()
        if cfg.presidio_ner:
            from .detectors.presidio_ner import spacy_nlp

            spacy_nlp(cfg.spacy_model)
        sample = ["Dr. Ana Lopez, Senior Software Engineer at Initech Robotics, moved from Lyon to 12 Rue de la Paix, "
                  "75002 Paris, France. Call me anna; oskari lehtinen works at Zentrix42.",
                  "user: what's the name on the account?\nagent: priya raman, 60614 Chicago, IL",
                  "hi, i'm oskari lehtinen from grimsby, i work at zentrix42"]  # truecasing (all lower case)
        self._scan_uncached(sample)

    def scan(self, text: str) -> list[Span]:
        return self.scan_many([text])[0]

    def scan_many(self, texts: list[str]) -> list[list[Span]]:
        keys = [hashlib.sha1((t or "").encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._cache and k not in todo:
                todo[k] = t or ""
        if todo:
            order = sorted(todo)
            results = self._scan_uncached([todo[k] for k in order])
            if len(self._cache) + len(order) > self.cfg.cache_size:
                self._cache.clear()
            for k, r in zip(order, results):
                self._cache[k] = tuple(r)
        return [list(self._cache[k]) for k in keys]

    # -- internals ---------------------------------------------------------------------------------------------------
    def _scan_uncached(self, texts: list[str]) -> list[list[Span]]:
        """Scan ``texts``; a logged string literal (escapes) or a text with invisible format characters is scanned
        through its ``reading_view`` (``I\\'m Jane\\'s daughter`` reads as ``I'm Jane's daughter``, ``Customer:\\nMaria``
        as two lines, ``jo\\u200bhn@`` as ``john@``) and its spans are mapped back to the original offsets."""
        cfg = self.cfg
        views = [reading_view(t, unescape=cfg.unescape_literals, invisible=cfg.read_invisible) for t in texts] \
            if cfg.unescape_literals or cfg.read_invisible else [None] * len(texts)
        extra = [i for i, v in enumerate(views) if v is not None]
        if not extra:
            return self._scan_texts(texts)
        out = self._scan_texts([t if v is None else v[0] for t, v in zip(texts, views)])
        for i in extra:  # back to the original offsets; a span keeps the escapes / invisible chars inside it
            out[i] = [Span(*views[i].span(s.start, s.end), s.entity_type, s.score, s.source) for s in out[i]]
        return out

    def _scan_texts(self, texts: list[str]) -> list[list[Span]]:
        cfg = self.cfg
        per: list[list[Span]] = [[] for _ in texts]
        if cfg.rules:
            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect_rules(t, mask_dates=cfg.mask_dates))
        if cfg.name_lexicon:
            from .detectors.lowercase_names import detect_lowercase_names

            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect_lowercase_names(t, cfg.name_lexicon_max_last))
        if self.dictionary is not None:
            for i, t in enumerate(texts):
                per[i].extend(self.dictionary.find(t))
        for detect in _lexicon_detectors(cfg):  # gazetteers, person cues, job titles, organisation heads
            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect(t))
        # all-lower-case texts: a cased copy with the same offsets (truecase.py; what the lower-case-aware detectors
        # above found gets capitals too). Rules and lexicon detectors read it as well, spaCy and post-processing instead
        cased = [truecase(t, hints=_hints(sp)) for t, sp in zip(texts, per)] if cfg.truecase_lowercase else texts
        low = [i for i, (t, c) in enumerate(zip(texts, cased)) if c is not t]
        for i in low:  # the copy adds what needs capitals (street grammar); names are person_cues' job
            if cfg.rules:
                per[i].extend(s for s in detect_rules(cased[i], mask_dates=cfg.mask_dates) if s.entity_type != "PERSON")
            for detect in _lexicon_detectors(cfg):
                per[i].extend(detect(cased[i]))
        if cfg.presidio_ner:
            from .detectors.presidio_ner import detect_ner_batch

            # gating: NER reads only around candidate words no earlier span (one that _finish keeps) explains
            known = [[s for s in sp if s.score >= cfg.min_score and s.entity_type not in cfg.skip_types]
                     for sp in per] if cfg.ner_gating else None
            for i, spans in enumerate(detect_ner_batch(cased, model_name=cfg.spacy_model, score=cfg.ner_min_score,
                                                       mask_dates=cfg.mask_dates,
                                                       skip_lowercase=cfg.ner_skip_lowercase,
                                                       max_chars=cfg.ner_max_chars, stats=self.stats,
                                                       known=known, context_tokens=cfg.ner_context_tokens)):
                per[i].extend(spans)
        if self.gliner_model is not None:
            from .detectors.gliner_ner import detect_gliner_batch

            for i, spans in enumerate(detect_gliner_batch(texts, self.gliner_model, cfg.gliner_labels,
                                                          cfg.gliner_threshold)):
                per[i].extend(spans)
        for backend in self.backends:
            for i, spans in enumerate(backend.detect_batch(texts)):
                per[i].extend(spans)
        return [self._finish(c, s) for c, s in zip(cased, per)]  # offsets are shared: spans fit both texts

    def _finish(self, text: str, spans: list[Span]) -> list[Span]:
        cfg = self.cfg
        spans = [s for s in spans if s.score >= cfg.min_score and s.entity_type not in cfg.skip_types
                 and (cfg.entity_types is None or s.entity_type in cfg.entity_types)]
        # never re-redact our own placeholders
        ph = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        if ph:
            spans = [s for s in spans if not any(a < s.end and s.start < b for a, b in ph)]
        if any(s.entity_type == "DATE_TIME" for s in spans):
            ts = [(m.start(), m.end()) for m in _LOG_TIME.finditer(text)]
            if ts:
                spans = [s for s in spans if s.entity_type != "DATE_TIME" or s.source in _CONTEXT_DATES or not any(
                    a < s.end and s.start < b for a, b in ts)]
        spans = [_trim(text, s) for s in spans]
        spans = [s for s in spans if s.end > s.start]
        if not spans:  # most log texts: skip the allow-list scan (~10% of the cascade's CPU when it runs)
            return spans
        spans = self.allow.filter(text, spans)
        spans = resolve_overlaps(spans)
        if "@" in text:
            extra = _not_overlapping(email_name_spans(text, spans), spans)
            if extra:
                spans = resolve_overlaps(spans + extra)
        if cfg.person_cues and ("," in text or " and " in text or "&" in text):
            # a list with one person found by any detector ("Neymar, Messi and Mbappe"): its name-like members join
            from .detectors.person_cues import extend_name_lists

            extra = _not_overlapping(
                extend_name_lists(text, [(s.start, s.end) for s in spans if s.entity_type == "PERSON"]), spans)
            if extra:
                spans = resolve_overlaps(spans + self.allow.filter(text, extra))
        spans = bridge_addresses(text, spans)
        spans = address_blocks(text, spans)
        if cfg.contact_blocks and "\n" in text:  # name / title / employer lines above a postal address
            from .detectors.contact_blocks import contact_block_spans

            extra = contact_block_spans(text, spans)
            if extra:
                spans = resolve_overlaps(spans + self.allow.filter(text, extra))
        if cfg.propagate:
            spans = propagate(text, spans, known_values(text, spans))
            spans = self.allow.filter(text, spans) if spans else spans
        if "," in text or ". " in text:  # "Allen, Phillip K.": one person, not two pieces
            spans = join_inverted_names(text, spans)
        return spans


def _trim(text: str, s: Span) -> Span:
    a, b = s.start, s.end
    while a < b and text[a] in " \t\r\n,;:'\"":
        a += 1
    while b > a and text[b - 1] in " \t\r\n,;:'\"":
        b -= 1
    while b > a and text[b - 1] in ")]" and text.count("(", a, b) + text.count("[", a, b) < \
            text.count(")", a, b) + text.count("]", a, b):
        b -= 1
    while a < b and text[a] in "([" and text.count("(", a, b) + text.count("[", a, b) > \
            text.count(")", a, b) + text.count("]", a, b):
        a += 1
    if s.entity_type == "URL":
        while b > a and text[b - 1] in ".,;:!?":
            b -= 1
    return Span(a, b, s.entity_type, s.score, s.source) if (a, b) != (s.start, s.end) else s


@lru_cache(maxsize=4)
def _default_cascade_for(cfg_json: str) -> Cascade:
    return Cascade(PrivacyConfig.model_validate_json(cfg_json))


def default_cascade(cfg: PrivacyConfig | None = None) -> Cascade:
    cfg = cfg or PrivacyConfig()
    return _default_cascade_for(cfg.model_dump_json())


def scan_text(text: str, cfg: PrivacyConfig | None = None) -> list[Span]:
    """Detect PII/secret spans in one text with the configured cascade (cached per config)."""
    return default_cascade(cfg).scan(text or "")
