"""What the detectors read: a view of a text without the characters that hide identifiers from them, with an index
back to the original offsets (so spans found in the view redact the original text, hidden characters included)."""

from __future__ import annotations

import re

# invisible format characters: soft hyphen, Mongolian vowel separator, zero-width space / non-joiner / joiner, LRM /
# RLM, bidi embeddings and isolates, word joiner and invisible operators, BOM / zero-width no-break space
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064" \
             "\u2066\u2067\u2068\u2069\ufeff"
_INVISIBLE_RE = re.compile("[" + _INVISIBLE + "]")
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII forms -> ASCII (one char each)


def reading_view(text: str, *, unescape: bool = True, invisible: bool = True) -> tuple[str, list[int]] | None:
    """``(view, index)``: the text the detectors read, or None when it is ``text`` itself. ``unescape``: backslash-
    escaped quotes of a logged JSON / Python string literal are read unescaped (``\\"I\\'m Jane\\'s daughter\\"``).
    ``invisible``: zero-width, soft-hyphen, BOM and bidi format characters are dropped and full-width ASCII forms read
    as ASCII, so ``jo\\u200bhn@example.com`` or ``４１１１ …`` cannot slip past the rules. ``index[k]`` is the position
    in ``text`` of the view's k-th character: a span ``(a, b)`` of the view is ``(index[a], index[b - 1] + 1)`` of
    ``text`` (it keeps the dropped characters inside it)."""
    esc = unescape and "\\" in text and ("\\'" in text or '\\"' in text)
    inv = invisible and _INVISIBLE_RE.search(text) is not None
    wide = invisible and _FULLWIDTH_RE.search(text) is not None
    if not (esc or inv or wide):
        return None
    n = len(text)
    keep = [k for k in range(n) if not (inv and text[k] in _INVISIBLE) and
            not (esc and text[k] == "\\" and k + 1 < n and text[k + 1] in "'\"")]
    view = "".join(text[k] for k in keep)
    if wide:
        view = view.translate(_FULLWIDTH)
    return view, keep


def unescape_quotes(text: str) -> tuple[str, list[int]] | None:
    """``reading_view`` with only the quote unescaping (a text holding ``\\'`` / ``\\"``), else None."""
    return reading_view(text, unescape=True, invisible=False)


def plain(value: str) -> str:
    """``value`` as the detectors read it (invisible characters dropped, full-width forms as ASCII): pseudonyms of
    ``jo\\u200bhn@example.com`` and ``john@example.com`` are the same."""
    v = reading_view(value, unescape=False, invisible=True)
    return value if v is None else v[0]
