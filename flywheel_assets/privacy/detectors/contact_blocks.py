"""Contact blocks: the lines of a mailing label, e-mail signature or CRM export that sit between a person's name and
a postal address identify that person too::

    Jane Doe                      <- PERSON (found by another detector)
    Senior Claims Adjuster        <- TITLE          (this module)
    Northwind Mutual              <- ORGANIZATION   (this module)
    12 Harbour Road, Leith        <- STREET_ADDRESS (found by another detector)

A post-processing step over the spans the cascade already holds (no lexicon, no model): it walks up from the first
line of each street-address block over short, label-like lines (quote / bullet prefixes such as ``>``, ``•``, ``|``
are ignored) and returns the uncovered lines that lie below
a PERSON line. The line straight above an address block that starts the text (or a paragraph) is taken too when
it is written in Title Case (``Northwind Mutual`` / blank line / ``12 Harbour Road``: a company's letterhead).

What is not taken: prose (a line ending in ``.``, ``?``, ``!``), sign-offs and labels (``Best regards,``,
``Ship to:``), lines holding numbers, e-mails, URLs or markup, and anything above a line that is none of these.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .base import Span

SOURCE = "contact_block"
SCORE = 0.5
_MAX_LINES = 5  # lines walked above an address (name / title / department / employer / name)
_PREFIX = re.compile(r"[ \t]*(?:(?:[>*|#•·‣◦▪\-–—]|\ufffd+)[ \t]*)*")
_WORD = re.compile(r"[^\W_]+(?:['’\-.&][^\W_]*)*")
_BAD_CHARS = re.compile(r"[@:;=<>{}\[\]\"/\\()$%+*#_`|~^]|https?|www\.")  # markup: an LLM answer's headings
# a line opening with one of these is a label, sign-off or greeting, not a name / title / employer line
_NOT_IDENTITY = frozenset("""address addresses ship shipping shipped billing bill mailing postal delivery deliver
delivered send sent return office home work contact attn attention c/o re subject regards sincerely thanks thank best
cheers yours dear hi hello hey to from via location directions map phone tel fax mobile email e-mail web website note
notes p.s. ps""".split())
_LOWER_JOINERS = frozenset("and of for the de la du des del van von der den da di y & n' n".split())


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    while pos <= len(text):
        nl = text.find("\n", pos)
        nl = len(text) if nl == -1 else nl
        out.append((pos, nl))
        pos = nl + 1
    return out


def _content(text: str, a: int, b: int) -> tuple[int, int]:
    """(start, end) of a line's content: after its quote / bullet prefix, without trailing space."""
    s = _PREFIX.match(text, a, b).end()
    e = b
    while e > s and text[e - 1] in " \t\r":
        e -= 1
    return s, e


def _masks(text: str, spans: list[Span]) -> tuple[bytearray, bytearray]:
    """(PERSON mask, any-span mask) over ``text``: built once per text, so the line checks are linear in the text
    (a CRM export of thousands of blocks must not be addresses x spans)."""
    person, anyone = bytearray(len(text)), bytearray(len(text))
    for sp in spans:
        ones = b"\x01" * (sp.end - sp.start)
        anyone[sp.start:sp.end] = ones
        if sp.entity_type == "PERSON":
            person[sp.start:sp.end] = ones
    return person, anyone


def _covered(text: str, s: int, e: int, mask: bytearray) -> bool:
    """At least 90% of the line's non-space characters are masked."""
    need = got = 0
    for k in range(s, e):
        if not text[k].isspace():
            need += 1
            got += mask[k]
    return need > 0 and got >= 0.9 * need


def _identity_line(line: str) -> bool:
    """A short line that can be a name, a job title or an employer: 1-7 words of letters (a digit inside a word is
    fine: ``Zentrix42``), no standalone number, no sentence end, no label colon, markup, e-mail or URL."""
    if not line or len(line) > 60 or not line[0].isalpha() or line[-1] in ".?!,:;" or _BAD_CHARS.search(line):
        return False
    words = _WORD.findall(line)
    if not words or len(words) > 7 or any(w.isdigit() for w in words):
        return False
    return words[0].casefold().rstrip(".") not in _NOT_IDENTITY


def _title_case(line: str) -> bool:
    words = _WORD.findall(line)
    return bool(words) and words[0][0].isupper() and all(
        w[0].isupper() or w[0].isdigit() or w.casefold() in _LOWER_JOINERS for w in words)


def contact_block_spans(text: str, spans: list[Span]) -> list[Span]:
    """New TITLE / ORGANIZATION spans for the identity lines of contact blocks in ``text`` (see the module doc).
    ``spans``: the cascade's spans so far (PERSON and STREET_ADDRESS spans anchor a block). Sorted."""
    if "\n" not in text:
        return []
    addresses = [s for s in spans if s.entity_type == "STREET_ADDRESS"]
    if not addresses:
        return []
    lines = _lines(text)
    starts = [a for a, _ in lines]
    masks = None
    out: dict[tuple[int, int], str] = {}
    for addr in addresses:
        k = bisect_right(starts, addr.start) - 1
        a, b = lines[k]
        if _content(text, a, b)[0] != addr.start:
            continue  # the address does not start its line: prose, not a block
        person_mask, any_mask = masks = masks or _masks(text, spans)
        cands: list[tuple[int, int]] = []
        person_at = None  # number of candidates collected when the walk passed a PERSON line
        top_reached = False
        j = k - 1
        while j >= 0 and k - j <= _MAX_LINES + 1:
            s, e = _content(text, *lines[j])
            if s == e:  # a blank line: one is allowed straight above the address (letterheads), none further up
                if j == k - 1:
                    j -= 1
                    continue
                top_reached = True
                break
            if _covered(text, s, e, person_mask):
                person_at = len(cands)
            elif _covered(text, s, e, any_mask):
                pass  # a title / organisation / place a detector already found
            elif _identity_line(text[s:e]):
                cands.append((s, e))
            else:
                break
            j -= 1
        else:
            top_reached = j < 0
        if person_at:
            below = sorted(cands[:person_at])
            for n, (s, e) in enumerate(below):  # name / title... / employer: the line above the address is the firm
                out[(s, e)] = "ORGANIZATION" if n == len(below) - 1 else "TITLE"
        elif person_at is None and top_reached and len(cands) == 1 and _title_case(text[cands[0][0]:cands[0][1]]):
            out[cands[0]] = "ORGANIZATION"
    return [Span(s, e, et, SCORE, SOURCE) for (s, e), et in sorted(out.items())]

