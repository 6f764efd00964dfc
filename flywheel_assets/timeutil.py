"""Timestamp parsing shared by every parser: everything becomes an aware UTC datetime (or None)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

_DATE_IN_PATH = re.compile(r"(?<!\d)(20\d\d)[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


def parse_timestamp(value) -> datetime | None:
    """Parse ISO-8601 strings (with or without zone; zone-less is taken as UTC), epoch seconds / ms / us / ns
    (int, float or digit strings, e.g. OTLP ``timeUnixNano``). Returns an aware UTC datetime or None; never raises."""
    try:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        if isinstance(value, (int, float)):
            return _from_epoch(float(value))
        if isinstance(value, str):
            s = value.strip()
            if not s:
                return None
            if re.fullmatch(r"-?\d+(\.\d+)?", s):
                return _from_epoch(float(s))
            s2 = s.replace("Z", "+00:00").replace("z", "+00:00")
            if " " in s2 and "T" not in s2:
                s2 = s2.replace(" ", "T", 1)
            # trim fractional seconds beyond microseconds (fromisoformat accepts up to 6 digits)
            s2 = re.sub(r"(\.\d{6})\d+", r"\1", s2)
            s2 = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", s2)
            dt = datetime.fromisoformat(s2)
            return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _from_epoch(x: float) -> datetime | None:
    ax = abs(x)
    if ax > 1e17:
        x /= 1e9  # ns
    elif ax > 1e14:
        x /= 1e6  # us
    elif ax > 1e11:
        x /= 1e3  # ms
    if not (0 <= x < 32503680000):  # 1970 .. 3000
        return None
    return datetime.fromtimestamp(x, tz=timezone.utc)


def date_from_path(path: str) -> date | None:
    """A date written in a drop's path (``2026-11-20/app.jsonl``, ``logs_20261120.jsonl.gz``), else None."""
    found = None
    for m in _DATE_IN_PATH.finditer(path):
        found = m
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
