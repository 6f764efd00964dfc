"""The raw zone's ledger: every source file that ever fed the warehouse, and its parsed records, stored once.

A day is rebuilt from every source it ever had, wherever the file came from (the landing sensor, ``flywheel run
--logs``, a backfill): when a file is first seen (by its sha256) it is parsed once and all its records, of every
date, are stored in ``raw_events`` / ``raw_quarantine`` with the file's fingerprint. A partition's
``normalized_events`` is then every stored record of that day. A file that later disappears from the landing
directory keeps its records; removing data is explicit (:func:`forget`, logged in ``forget_log``).

Tables (plain SQL, no indexes / keys / upserts, so a DuckLake catalog holds them as well as a DuckDB file):

- ``source_files``: sha256, lineage name, path as seen, drop root, origin, first seen, format, size, dates,
  per-file counts, status (active | superseded | forgotten) and when it changed.
- ``raw_events`` / ``raw_quarantine``: the parsed records (EVENT_SCHEMA / QUARANTINE_SCHEMA + ``source_sha256``).
- ``forget_log``: every forget (scope, value, reason, rows removed).
- ``partition_state``: per event date, the input fingerprint of the last ingest, its row counts (the floor the
  no-shrink check compares with, lowered by forgets) and the fingerprint of the last fully successful run.
- ``run_state``: the same "done" fingerprint for the global assets.

A file whose path was seen before with other content is an *append* when the old content is a prefix of the new
(its records supersede the old version's), else a separate source named ``path#<sha12>`` (so event ids never
collide). To replace a rewritten file, forget the old one first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.ingest import landing
from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import ingest_file
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets.schema import EVENT_SCHEMA, QUARANTINE_SCHEMA, events_frame, quarantine_frame

LEDGER_VERSION = "1"  # bump when stored records must be re-derived (changes every partition fingerprint)
SOURCE_FILES, RAW_EVENTS, RAW_QUARANTINE = "source_files", "raw_events", "raw_quarantine"
FORGET_LOG, PARTITION_STATE, RUN_STATE = "forget_log", "partition_state", "run_state"
ORIGINS = ("landing", "cli", "backfill", "schedule", "ui")
FLUSH_ROWS = 200_000


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def run_salt(cfg, key: bytes) -> str:
    """What besides the input files decides a partition's output: the configuration (without paths), the key's
    identity (never the key) and the code/ledger version."""
    from flywheel_assets import __version__
    from flywheel_assets.keys import keyed_hash

    conf = cfg.model_dump(mode="json", exclude={"paths": True, "ingest": {"allow_shrink"}})
    blob = json.dumps({"cfg": conf, "key": keyed_hash(key, "fingerprint", purpose="ledger", length=16),
                       "version": __version__, "ledger": LEDGER_VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def sources(wh) -> pl.DataFrame:
    return warehouse.read_table(wh, SOURCE_FILES, order_by="first_seen, source_file")


@dataclass
class Registration:
    """One scan of a drop against the ledger: new files parsed once and stored in batches."""

    wh: Path
    ctx: IngestContext
    root: Path
    origin: str
    overrides: dict | None = None
    new_files: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    forgotten_seen: list[str] = field(default_factory=list)
    copies_seen: list[str] = field(default_factory=list)  # byte-identical to a stored file under another name

    def __post_init__(self):
        self.known = {r["source_sha256"]: r for r in sources(self.wh).iter_rows(named=True)} \
            if warehouse_has(self.wh, SOURCE_FILES) else {}
        log = warehouse.read_table(self.wh, FORGET_LOG) if warehouse_has(self.wh, FORGET_LOG) else pl.DataFrame()
        self.forgot_sessions = set(log.filter(pl.col("scope") == "session")["value"].to_list()) if log.height else set()
        befores = log.filter(pl.col("scope") == "before")["value"].to_list() if log.height else []
        self.forgot_before = max((date.fromisoformat(v) for v in befores), default=None)
        self._rows: list[dict] = []
        self._events: list[pl.DataFrame] = []
        self._bad: list[pl.DataFrame] = []
        self._drop_shas: list[str] = []
        self._buffered = 0

    def resolve(self, path: Path, rel: str, digest: str, size: int) -> tuple[str | None, list[str]]:
        """landing.scan's hook: a known file's dates from the ledger, else parse once and store."""
        old = self.known.get(digest)
        if old is not None:
            if old["status"] == "forgotten":
                self.forgotten_seen.append(rel)
                return old["source_format"], []
            if old["path_seen"] != rel:  # the same bytes again under another name: stored once, said so
                self.copies_seen.append(rel)
            return old["source_format"], json.loads(old["dates"])
        name = self._lineage_name(path, rel, size, digest)
        events, bad, stats = ingest_file(SourceFile(path, name), self.ctx, overrides=self.overrides)
        ev = events_frame(events)
        q = quarantine_frame(bad)
        removed = 0
        if self.forgot_sessions and ev.height:
            keep = ~pl.col("session_id").is_in(sorted(self.forgot_sessions)).fill_null(False)
            removed += ev.height - ev.filter(keep).height
            ev = ev.filter(keep)
        if self.forgot_before is not None:
            n = ev.height + q.height
            ev = ev.filter(pl.col("event_date") >= self.forgot_before)
            q = q.filter(pl.col("event_date") >= self.forgot_before)
            removed += n - ev.height - q.height
        dates = sorted({d.isoformat() for d in ev["event_date"].to_list() + q["event_date"].to_list()
                        if d is not None})
        row = {"source_sha256": digest, "source_file": name, "path_seen": rel, "root": str(self.root),
               "origin": self.origin, "first_seen": now_utc(), "source_format": stats.source_format, "size": size,
               "dates": json.dumps(dates), "records_in": stats.records_in,
               "records_accepted": stats.records_accepted, "records_quarantined": stats.records_quarantined,
               "events_out": stats.events_out, "rows_forgotten": removed, "status": "active",
               "status_at": now_utc(), "superseded_by": None}
        self.known[digest] = row
        self._rows.append(row)
        self._events.append(ev.with_columns(pl.lit(digest).alias("source_sha256")))
        self._bad.append(q.with_columns(pl.lit(digest).alias("source_sha256")))
        self._buffered += ev.height + q.height
        self.new_files.append(rel)
        if self._buffered >= FLUSH_ROWS:
            self.flush()
        return stats.source_format, dates

    def _lineage_name(self, path: Path, rel: str, size: int, digest: str) -> str:
        same_path = [r for r in self.known.values() if r["path_seen"] == rel and r["status"] == "active"]
        for old in same_path:  # an appended file: the old content is a prefix of the new one
            if old["size"] <= size and _prefix_sha(path, old["size"]) == old["source_sha256"]:
                old.update(status="superseded", status_at=now_utc(), superseded_by=digest)
                self._supersede(old)
                return old["source_file"]
        taken = {r["source_file"] for r in self.known.values()}
        return rel if rel not in taken else f"{rel}#{digest[:12]}"

    def _supersede(self, old: dict) -> None:
        self.flush()
        sha = old["source_sha256"]
        warehouse.execute(self.wh, [(f"DELETE FROM {RAW_EVENTS} WHERE source_sha256 = ?", [sha]),
                                    (f"DELETE FROM {RAW_QUARANTINE} WHERE source_sha256 = ?", [sha])])
        self._rows.append(old)
        self.superseded.append(old["path_seen"])

    def flush(self) -> None:
        if not self._rows:
            return
        shas = [r["source_sha256"] for r in self._rows]
        ev = [e for e in self._events if e.height]
        bad = [b for b in self._bad if b.height]
        if ev:
            warehouse.replace_rows(self.wh, RAW_EVENTS, pl.concat(ev), "source_sha256", shas)
        if bad:
            warehouse.replace_rows(self.wh, RAW_QUARANTINE, pl.concat(bad), "source_sha256", shas)
        # the file rows last: a crash before this line re-parses the files next time (their rows are replaced)
        warehouse.replace_rows(self.wh, SOURCE_FILES, _source_frame(self._rows), "source_sha256", shas)
        self._rows, self._events, self._bad, self._buffered = [], [], [], 0


def _source_frame(rows: list[dict]) -> pl.DataFrame:
    schema = {"source_sha256": pl.Utf8, "source_file": pl.Utf8, "path_seen": pl.Utf8, "root": pl.Utf8,
              "origin": pl.Utf8, "first_seen": pl.Datetime("us", "UTC"), "source_format": pl.Utf8,
              "size": pl.Int64, "dates": pl.Utf8, "records_in": pl.Int64, "records_accepted": pl.Int64,
              "records_quarantined": pl.Int64, "events_out": pl.Int64, "rows_forgotten": pl.Int64,
              "status": pl.Utf8, "status_at": pl.Datetime("us", "UTC"), "superseded_by": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def _prefix_sha(path: Path, n: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = n
        while left > 0:
            chunk = f.read(min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def warehouse_has(wh, table: str) -> bool:
    """Whether the warehouse holds ``table`` (through the backend's own connect / table_exists)."""
    return warehouse.read_with(wh, lambda con: warehouse.table_exists(con, table))


def register_drop(wh, root, ctx: IngestContext, *, origin: str, overrides=None, index_path=None):
    """Scan a drop (directory or file): every file not yet in the ledger is parsed once and its records stored.
    Returns (landing.FileInfo list with each file's dates from the ledger, the Registration)."""
    reg = Registration(wh, ctx, Path(root), origin, overrides)
    infos = landing.scan(Path(root), ctx, index_path, overrides, resolve=reg.resolve)
    reg.flush()
    return infos, reg


# ---- a partition from the ledger ---------------------------------------------------------------------------------


def day_records(wh, day: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every stored record of ``day`` (events, quarantined), in lineage order, in the canonical schemas."""
    ev = warehouse.read_partition(wh, RAW_EVENTS, day, order_by="source_file, source_line, seq")
    q = warehouse.read_partition(wh, RAW_QUARANTINE, day, order_by="source_file, source_line")
    ev = ev.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA) if ev.height else events_frame([])
    q = q.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA) if q.height else quarantine_frame([])
    return ev, q


def day_sources(wh, day: date) -> pl.DataFrame:
    """The active source files that hold records of ``day``, with their (whole-file) counts."""
    if not warehouse_has(wh, SOURCE_FILES):
        return pl.DataFrame()
    iso = day.isoformat()
    src = warehouse.read_table(wh, SOURCE_FILES, where="status = 'active'", order_by="source_file")
    return src.filter(pl.col("dates").str.contains(f'"{iso}"', literal=True))


def fingerprints(wh, salt: str) -> dict[str, str]:
    """Input fingerprint per event date: the sha256 and stored row counts of every source with records of the day,
    plus ``salt`` (:func:`run_salt`)."""
    parts: dict[str, list[str]] = {}
    for table in (RAW_EVENTS, RAW_QUARANTINE):
        if not warehouse_has(wh, table):
            continue
        df = warehouse.query(wh, f"SELECT event_date, source_sha256, count(*) AS n FROM {table} "
                                 "GROUP BY 1, 2 ORDER BY 1, 2")
        for d, sha, n in df.iter_rows():
            parts.setdefault(d.isoformat(), []).append(f"{table}:{sha}:{n}")
    return {d: hashlib.sha256("|".join([salt, *sorted(p)]).encode()).hexdigest()[:24] for d, p in parts.items()}


def ledger_days(wh) -> list[str]:
    return sorted(fingerprints_days(wh))


def fingerprints_days(wh) -> set[str]:
    out: set[str] = set()
    for table in (RAW_EVENTS, RAW_QUARANTINE):
        if warehouse_has(wh, table):
            out |= {d.isoformat() for d in warehouse.partitions(wh, table)}
    return out


def partition_states(wh) -> dict[str, dict]:
    if not warehouse_has(wh, PARTITION_STATE):
        return {}
    return {r["event_date"].isoformat(): r for r in warehouse.read_table(wh, PARTITION_STATE).iter_rows(named=True)}


_STATE_SCHEMA = {"event_date": pl.Date, "ingested_fingerprint": pl.Utf8, "events": pl.Int64,
                 "quarantined": pl.Int64, "sources": pl.Int64, "ingested_at": pl.Datetime("us", "UTC"),
                 "done_fingerprint": pl.Utf8, "done_at": pl.Datetime("us", "UTC")}


def _write_state(wh, row: dict) -> None:
    df = pl.DataFrame([row], schema=_STATE_SCHEMA)
    warehouse.replace_rows(wh, PARTITION_STATE, df, "event_date", [row["event_date"]])


def record_ingest(wh, day: date, fingerprint: str, events: int, quarantined: int, n_sources: int) -> None:
    old = partition_states(wh).get(day.isoformat(), {})
    _write_state(wh, {"event_date": day, "ingested_fingerprint": fingerprint, "events": events,
                      "quarantined": quarantined, "sources": n_sources, "ingested_at": now_utc(),
                      "done_fingerprint": old.get("done_fingerprint"), "done_at": old.get("done_at")})


def mark_done(wh, day: str | date) -> str | None:
    """After a partition run succeeded: its ingested fingerprint becomes the 'done' one (skip-unchanged)."""
    iso = day if isinstance(day, str) else day.isoformat()
    old = partition_states(wh).get(iso)
    if not old:
        return None
    _write_state(wh, {**old, "done_fingerprint": old["ingested_fingerprint"], "done_at": now_utc()})
    return old["ingested_fingerprint"]


@dataclass
class ShrinkVerdict:
    previous_events: int
    previous_quarantined: int
    events: int
    quarantined: int

    @property
    def shrinks(self) -> bool:
        return self.events < self.previous_events or self.quarantined < self.previous_quarantined

    def describe(self) -> str:
        return (f"events {self.previous_events} -> {self.events}, quarantined {self.previous_quarantined} -> "
                f"{self.quarantined}")


def shrink_verdict(wh, day: date, events: int, quarantined: int) -> ShrinkVerdict:
    """Compare a rebuild's row counts with the day's last ingest (already lowered by any forget since)."""
    old = partition_states(wh).get(day.isoformat(), {})
    return ShrinkVerdict(old.get("events") or 0, old.get("quarantined") or 0, events, quarantined)


def global_fingerprint(wh, salt: str) -> str:
    states = partition_states(wh)
    blob = "|".join([salt, *(f"{d}:{s['done_fingerprint']}" for d, s in sorted(states.items()))])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def run_state(wh, name: str) -> str | None:
    if not warehouse_has(wh, RUN_STATE):
        return None
    df = warehouse.read_table(wh, RUN_STATE, where="name = ?", params=[name])
    return df["fingerprint"][0] if df.height else None


def set_run_state(wh, name: str, fingerprint: str) -> None:
    df = pl.DataFrame([{"name": name, "fingerprint": fingerprint, "done_at": now_utc()}],
                      schema={"name": pl.Utf8, "fingerprint": pl.Utf8, "done_at": pl.Datetime("us", "UTC")})
    warehouse.replace_rows(wh, RUN_STATE, df, "name", [name])
