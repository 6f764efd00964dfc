"""Removing data on purpose (retention, deletion requests): the only way records leave the raw zone.

``forget`` deletes the matching stored records from ``raw_events`` / ``raw_quarantine``, marks forgotten files,
logs what it did in ``forget_log`` and lowers each touched day's no-shrink floor by the rows it removed. The next
``flywheel run`` (or any run of those days) rebuilds the touched days and the global assets, so the records also
leave the derived tables and the exports. Forgotten files and sessions, and days before a ``before`` cut-off, stay
forgotten when a file holding them turns up again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.raw_zone import (FORGET_LOG, PARTITION_STATE, RAW_EVENTS, RAW_QUARANTINE, SOURCE_FILES, now_utc,
                                      partition_states, warehouse_has)

SCOPES = ("file", "session", "date", "before")


@dataclass
class ForgetResult:
    scope: str
    value: str
    files: list[str] = field(default_factory=list)
    removed_by_day: dict[str, int] = field(default_factory=dict)

    @property
    def rows_removed(self) -> int:
        return sum(self.removed_by_day.values())


def _predicate(wh, scope: str, value: str) -> tuple[str, list, str, list, list[str], list[str]]:
    """(events WHERE, params, quarantine WHERE, params, file shas, file names) for one forget."""
    if scope == "file":
        src = warehouse.read_table(wh, SOURCE_FILES) if warehouse_has(wh, SOURCE_FILES) else pl.DataFrame()
        hit = src.filter((pl.col("source_file") == value) | (pl.col("path_seen") == value)
                         | pl.col("source_sha256").str.starts_with(value)) if src.height and len(value) else src
        shas = hit["source_sha256"].to_list() if hit.height else []
        if not shas:
            return "", [], "", [], [], []
        where = f"source_sha256 IN ({','.join('?' * len(shas))})"
        return where, shas, where, shas, shas, hit["source_file"].to_list()
    if scope == "session":
        return "session_id = ?", [value], "", [], [], []
    day = date.fromisoformat(value)
    op = "=" if scope == "date" else "<"
    return f"event_date {op} ?", [day], f"event_date {op} ?", [day], [], []


def _counts_by_day(wh, table: str, where: str, params: list) -> dict[str, int]:
    if not where or not warehouse_has(wh, table):
        return {}
    df = warehouse.query(wh, f"SELECT event_date, count(*) AS n FROM {table} WHERE {where} GROUP BY 1", params)
    return {d.isoformat(): n for d, n in df.iter_rows()}


def forget(wh, scope: str, value: str, reason: str = "") -> ForgetResult:
    """Forget a file (lineage name, path as seen or sha256 prefix), a session id, one event date, or every
    date before one. Returns what was removed, per day."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    ev_where, ev_params, q_where, q_params, shas, names = _predicate(wh, scope, value)
    res = ForgetResult(scope, value, files=names)
    if scope == "file" and not shas:
        return res
    ev_days = _counts_by_day(wh, RAW_EVENTS, ev_where, ev_params)
    q_days = _counts_by_day(wh, RAW_QUARANTINE, q_where, q_params)
    stmts = [(f"DELETE FROM {RAW_EVENTS} WHERE {ev_where}", ev_params)]
    if q_where:
        stmts.append((f"DELETE FROM {RAW_QUARANTINE} WHERE {q_where}", q_params))
    if shas:
        stmts.append((f"UPDATE {SOURCE_FILES} SET status = 'forgotten', status_at = ? WHERE source_sha256 IN "
                      f"({','.join('?' * len(shas))})", [now_utc(), *shas]))
    states = partition_states(wh)
    for d in sorted(set(ev_days) | set(q_days)):
        if d in states:  # lower the day's no-shrink floor by what is removed on purpose
            stmts.append((f"UPDATE {PARTITION_STATE} SET events = greatest(events - ?, 0), "
                          "quarantined = greatest(quarantined - ?, 0) WHERE event_date = ?",
                          [ev_days.get(d, 0), q_days.get(d, 0), date.fromisoformat(d)]))
    warehouse.execute(wh, stmts)
    res.removed_by_day = {d: ev_days.get(d, 0) + q_days.get(d, 0) for d in sorted(set(ev_days) | set(q_days))}
    log = pl.DataFrame([{"forgotten_at": now_utc(), "scope": scope, "value": value, "reason": reason,
                         "files": json.dumps(names), "rows_removed": res.rows_removed,
                         "days": json.dumps(res.removed_by_day, sort_keys=True)}],
                       schema={"forgotten_at": pl.Datetime("us", "UTC"), "scope": pl.Utf8, "value": pl.Utf8,
                               "reason": pl.Utf8, "files": pl.Utf8, "rows_removed": pl.Int64, "days": pl.Utf8})
    warehouse.replace_rows(wh, FORGET_LOG, log, "forgotten_at", [])  # append (no keys replaced)
    return res
