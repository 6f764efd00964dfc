"""What the detectors read: a view of a text without the characters that hide identifiers from them, with an index
back to the original offsets (so spans found in the view redact the original text, hidden characters included)."""

from __future__ import annotations

import re

# invisible format characters: soft hyphen, Mongolian vowel separator, zero-width space / non-joiner / joiner, LRM /
# RLM, bidi embeddings and isolates, word joiner and invisible operators, BOM / zero-width no-break space
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064" \
             "\u2066\u2067\u2068\u2069\ufeff"
_INVISIBLE_RE = re.compile("[" + INVISIBLE + "]")
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII forms -> ASCII (one char each)


# a logged string literal: a valid escape (\n, \t, \r, \", \uXXXX) and no backslash that is none (a Windows path
# such as C:\Users\... or a regex such as \d+ is left as it is)
_LITERAL_ESCAPE = re.compile(r'\\(?:[nrt"]|u[0-9a-fA-F]{4})')
_NON_ESCAPE = re.compile(r"\\(?![nrtbf\"'\\/]|u[0-9a-fA-F]{4})")
_WHITESPACE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


class View(tuple):
    """``(view, index, ends)``: view character k is ``text[index[k]:ends[k]]`` of the original (one character, or a
    whole escape such as ``\\u00e9``); a span ``(a, b)`` of the view is ``(index[a], ends[b - 1])`` of the text."""

    __slots__ = ()

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self[1][a], self[2][b - 1]


def reading_view(text: str, *, unescape: bool = True, invisible: bool = True) -> View | None:
    """The text the detectors read (a ``View``), or None when it is ``text`` itself.

    ``unescape``: a logged JSON / Python string literal is read decoded: ``\\'`` and ``\\"`` always (``\\"I\\'m
    Jane\\'s daughter\\"``), and ``\\n``, ``\\t``, ``\\r``, ``\\\\`` and ``\\uXXXX`` when every backslash of the
    text starts such an escape (``Customer:\\nMaria Oliveira``, ``Jos\\u00e9``; a Windows path is not decoded).
    ``invisible``: zero-width, soft-hyphen, BOM and bidi format characters are dropped and full-width ASCII forms read
    as ASCII, so ``jo\\u200bhn@example.com`` or ``４１１１ …`` cannot slip past the rules. Spans found in the view map
    back over the escapes and dropped characters inside them (``View.span``)."""
    out = None
    cur = text
    for _ in range(3):  # a string literal logged inside another one (\\\\n) is decoded level by level
        step = _decode_once(cur, unescape, invisible)
        if step is None:
            break
        if out is None:
            out = step
        else:  # compose: view char k of this level comes from chars starts[k]..ends[k] of the previous level
            prev_starts, prev_ends = out[1], out[2]
            out = (step[0], [prev_starts[a] for a in step[1]], [prev_ends[b - 1] for b in step[2]])
        cur = step[0]
    return None if out is None else View(out)


def _decode_once(text: str, unescape: bool, invisible: bool) -> tuple[str, list[int], list[int]] | None:
    has_bs = unescape and "\\" in text
    quotes = has_bs and ("\\'" in text or '\\"' in text)
    literal = has_bs and _LITERAL_ESCAPE.search(text) is not None and _NON_ESCAPE.search(text) is None
    inv = invisible and _INVISIBLE_RE.search(text) is not None
    wide = invisible and _FULLWIDTH_RE.search(text) is not None
    if not (quotes or literal or inv or wide):
        return None
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(ch: str, a: int, b: int) -> None:
        chars.append(ch)
        starts.append(a)
        ends.append(b)

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            d = text[i + 1]
            if quotes and d in "'\"":  # the quote stands at its own offset, the backslash before it is dropped
                emit(d, i + 1, i + 2)
                i += 2
                continue
            if literal and (d in _WHITESPACE_ESCAPES or d in "\\/"):
                emit(_WHITESPACE_ESCAPES.get(d, d), i, i + 2)
                i += 2
                continue
            if literal and d == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
                ch = chr(int(text[i + 2:i + 6], 16))
                if not (invisible and ch in INVISIBLE):
                    emit("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch, i, i + 6)  # an emoji's surrogate half
                i += 6
                continue
        if inv and c in INVISIBLE:
            i += 1
            continue
        emit(c, i, i + 1)
        i += 1
    view = "".join(chars)
    if invisible and (wide or literal and _FULLWIDTH_RE.search(view)):
        view = view.translate(_FULLWIDTH)
    if view == text:
        return None
    return view, starts, ends


def plain(value: str) -> str:
    """``value`` as the detectors read it (invisible characters dropped, full-width forms as ASCII): pseudonyms of
    ``jo\\u200bhn@example.com`` and ``john@example.com`` are the same."""
    v = reading_view(value, unescape=False, invisible=True)
    return value if v is None else v[0]
