"""Keyed per-session date shift: a day-level date in a personal context (a birth date, an appointment, an admission,
a flight) is replaced by the same date moved by a whole number of weeks that depends only on the PII key and the
session id. Within a session every date moves by the same amount, so the order of and the spacing between dates
survive (``admitted March 3, discharged March 9`` stays six days apart) and the text stays natural for training;
the true dates cannot be read back without the key.

Kept: the year (a shift that would cross a year boundary goes the other way instead), the weekday (whole weeks), the
written form (``2023-11-28``, ``11/28/2023``, ``28.11.2023``, ``Nov 28th``, ``28 November 2023``) and relative dates
(``tomorrow``, ``next week``: the cascade does not mark them). A value this module cannot read as a calendar date
returns None and the caller falls back to a placeholder.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ..keys import keyed_hash

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH_RE = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
             r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?P<dot>\.?)")
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?P<rest>(?:[T ]\d.*)?)")
_NUM = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{2}|\d{4}))?")
_MD = re.compile(_MONTH_RE + r"(?P<sp>\s+)(?P<d>\d{1,2})(?P<ord>st|nd|rd|th)?(?:(?P<comma>,?\s+)(?P<y>\d{4}))?",
                 re.I)
_DM = re.compile(r"(?P<d>\d{1,2})(?P<ord>st|nd|rd|th)?(?P<sp>\s+(?:of\s+)?)" + _MONTH_RE
                 + r"(?:(?P<comma>,?\s+)(?P<y>\d{4}))?", re.I)
_NO_YEAR = 2000  # a leap year: 29 February without a year still reads


def session_shift_days(key: bytes, session_id: str) -> int:
    """+-7 .. +-56 days (whole weeks, never 0) from HMAC(key, session id)."""
    h = int(keyed_hash(key, str(session_id), purpose="date_shift"), 16)
    weeks = 1 + h % 8
    return 7 * weeks * (1 if (h >> 8) % 2 else -1)


def _shift(d: date, days: int) -> date:
    out = d + timedelta(days=days)
    if out.year != d.year:
        out = d - timedelta(days=days)
    return out if out.year == d.year else d


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _month_name(like: str, m: int) -> str:
    """Month ``m`` written like ``like``: full or three-letter, its capitalisation ("May" counts as full)."""
    word = _MONTHS[m - 1] if like.lower() in _MONTHS else _MONTHS[m - 1][:3]
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[0].isupper() else word


def _month_index(word: str) -> int:
    w = word.lower()
    return next(i + 1 for i, name in enumerate(_MONTHS) if name.startswith(w[:3]))


def _pad(padded: bool, n: int) -> str:
    return f"{n:02d}" if padded else str(n)


def shift_date_text(value: str, days: int) -> str | None:
    """``value`` moved by ``days`` in its own written form, or None when it is not a day-level calendar date."""
    v = value.strip()
    lead, trail = value[:len(value) - len(value.lstrip())], value[len(value.rstrip()):]
    try:
        m = _ISO.fullmatch(v)
        if m:
            d = _shift(date(int(m["y"]), int(m["m"]), int(m["d"])), days)
            return f"{lead}{d.isoformat()}{m['rest']}{trail}"
        m = _NUM.fullmatch(v)
        if m:
            a, b = int(m["a"]), int(m["b"])
            day_first = m["sep"] == "." or a > 12
            mon, day = (b, a) if day_first else (a, b)
            yr = m["y"]
            year = _NO_YEAR if yr is None else int(yr) + (0 if len(yr) == 4 else 1900 if int(yr) > 30 else 2000)
            d = _shift(date(year, mon, day), days)
            x, y = (d.day, d.month) if day_first else (d.month, d.day)
            padded = m["a"].startswith("0") or m["b"].startswith("0")  # 03/07/1992 stays two-digit
            out = f"{_pad(padded, x)}{m['sep']}{_pad(padded, y)}"
            if yr is not None:
                out += m["sep"] + yr
            return f"{lead}{out}{trail}"
        for rx in (_MD, _DM):
            m = rx.fullmatch(v)
            if m:
                mon = _month_index(m["mon"])
                year = int(m["y"]) if m["y"] else _NO_YEAR
                d = _shift(date(year, mon, int(m["d"])), days)
                day = _pad(m["d"].startswith("0"), d.day) + (_ordinal(d.day) if m["ord"] else "")
                name = _month_name(m["mon"], d.month) + m["dot"]
                tail = f"{m['comma']}{m['y']}" if m["y"] else ""
                out = f"{name}{m['sp']}{day}{tail}" if rx is _MD else f"{day}{m['sp']}{name}{tail}"
                return f"{lead}{out}{trail}"
    except ValueError:  # 31/02, month 13: not a calendar date
        return None
    return None
