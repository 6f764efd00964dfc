"""Postal addresses across spans: bridge a street and its town / postcode into one STREET_ADDRESS, and take the
lines of an address block (house, building, unit, town, postcode) around a found street."""

from __future__ import annotations

import re

from .detectors.base import Span
from .lexicons.address_words import FUNCTION_WORDS as _ADDR_FUNCTION
from .lexicons.address_words import NOT_NAME_START as _ADDR_NOT_START
from .lexicons.address_words import NUM_WORDS as _ADDR_NUM_WORDS
from .lexicons.address_words import UP as _ADDR_UP
from .overlaps import resolve_overlaps

_UP = _ADDR_UP  # upper-case letters of the Latin / Greek scripts (address_words.UP)
_ADDRESS_GAP = re.compile(r"^[\s,;\-–/]*(?:(?:" + _UP + r"[\w'’.\-]*|\d{3,6}|(?:de|del|da|do|di|la|le|am|an|der|"
                          r"sur|upon|on)(?=\s+" + _UP + r")|(?i:none|null|n/a)(?=\s*,))[\s,;\-–/]*){0,3}$")


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
