"""The ingest driver: detect each file's format, run its parser, quarantine what fails, reconcile counts.

Every parser module (one per log family) exposes::

    FORMAT: str                                   # the source_format it writes
    def sniff(head: str, rel: str) -> float       # 0..1 confidence from the first 64 KiB and the path
    def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]   # one Outcome per source record

Invariant checked here and in tests: ``records_in == records_accepted + records_quarantined`` and every accepted
record yields at least one event carrying its (source_file, source_line).
"""

from __future__ import annotations

import fnmatch
import importlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

import polars as pl

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.source import Outcome, SourceFile
from flywheel_assets.schema import events_frame, new_quarantine, quarantine_frame
from flywheel_assets.timeutil import date_from_path

log = logging.getLogger(__name__)

# module name -> imported lazily so a broken optional parser never blocks the others
PARSER_MODULES = (
    "chatlog",
    "api_records",
    "spans",
    "transcripts",
    "applog",
    "oasst",
    "toolbench",
    "comparisons",
)
DROP_SUFFIXES = (".jsonl", ".json", ".ndjson", ".log", ".txt", ".gz")
MIN_SNIFF_SCORE = 0.3


def parsers() -> dict[str, object]:
    out = {}
    for name in PARSER_MODULES:
        try:
            mod = importlib.import_module(f"flywheel_assets.ingest.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"flywheel_assets.ingest.{name}":
                continue
            raise
        out[mod.FORMAT] = mod
        for alias in getattr(mod, "FORMATS", ()):
            out[alias] = mod
    return out


@dataclass
class FileStats:
    source_file: str
    source_format: str | None
    records_in: int = 0
    records_accepted: int = 0
    records_quarantined: int = 0
    events_out: int = 0


@dataclass
class IngestResult:
    events: pl.DataFrame
    quarantined: pl.DataFrame
    files: list[FileStats] = field(default_factory=list)

    @property
    def records_in(self) -> int:
        return sum(f.records_in for f in self.files)

    @property
    def records_accepted(self) -> int:
        return sum(f.records_accepted for f in self.files)

    @property
    def records_quarantined(self) -> int:
        return sum(f.records_quarantined for f in self.files)

    def reconciles(self) -> bool:
        return self.records_in == self.records_accepted + self.records_quarantined

    def summary(self) -> dict:
        return {
            "files": len(self.files),
            "records_in": self.records_in,
            "records_accepted": self.records_accepted,
            "records_quarantined": self.records_quarantined,
            "events_out": self.events.height,
            "reconciles": self.reconciles(),
            "by_format": _by_format(self.files),
        }


def _by_format(files: list[FileStats]) -> dict:
    out: dict[str, dict] = {}
    for f in files:
        d = out.setdefault(f.source_format or "unknown", {"files": 0, "records_in": 0, "quarantined": 0, "events": 0})
        d["files"] += 1
        d["records_in"] += f.records_in
        d["quarantined"] += f.records_quarantined
        d["events"] += f.events_out
    return out


def discover(root: Path) -> list[Path]:
    """Drop files under root, sorted (deterministic). Hidden files and directories are skipped."""
    root = Path(root)
    if root.is_file():
        return [root]
    files = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        files.append(p)
    return files


def detect_format(src: SourceFile, overrides: dict[str, str] | None = None) -> str | None:
    """Format override by glob on the relative path, else the best sniff score above MIN_SNIFF_SCORE."""
    for pattern, fmt in (overrides or {}).items():
        if fnmatch.fnmatch(src.rel, pattern):
            return fmt
    head_b = src.head()
    head = head_b.decode("utf-8", "replace")
    best, best_score = None, MIN_SNIFF_SCORE
    for fmt, mod in parsers().items():
        if fmt != mod.FORMAT:
            continue
        try:
            score = float(mod.sniff(head, src.rel))
        except Exception:  # a sniffer must never break detection
            score = 0.0
        if score > best_score:
            best, best_score = fmt, score
    return best


def ingest_file(src: SourceFile, ctx: IngestContext, fmt: str | None = None, overrides=None):
    """Parse one file. Returns (event rows, quarantine rows, FileStats). Never raises on file content."""
    fmt = fmt or detect_format(src, overrides)
    stats = FileStats(source_file=src.rel, source_format=fmt)
    file_date = date_from_path(src.rel) or _mtime_date(src.path)
    events: list[dict] = []
    bad: list[dict] = []

    def quarantine(o: Outcome):
        stats.records_quarantined += 1
        bad.append(
            new_quarantine(
                source_file=src.rel,
                source_line=o.line,
                source_offset=o.offset,
                source_format=fmt,
                reason=o.reason or "unknown",
                detail=o.detail,
                raw=o.raw,
                event_date=file_date,
            )
        )

    if fmt is None:
        data, _ = src.read_all()
        stats.records_in = 1
        quarantine(Outcome.bad(1, 0, "empty_file" if not data.strip() else "unknown_format", "no parser matched", data))
        return events, bad, stats
    mod = parsers()[fmt]
    last_line = 0
    try:
        for o in mod.parse(src, ctx):
            stats.records_in += 1
            last_line = max(last_line, o.line)
            if o.reason is None and not o.events:
                o = Outcome.bad(o.line, o.offset, "no_events", "record yielded no events", o.raw)
            if o.reason is not None:
                quarantine(o)
                continue
            stats.records_accepted += 1
            stats.events_out += len(o.events)
            events.extend(o.events)
    except Exception as exc:  # a parser bug must not lose the file: quarantine the remainder and go on
        log.exception("parser %s crashed on %s", fmt, src.rel)
        stats.records_in += 1
        quarantine(Outcome.bad(last_line + 1, 0, "parser_error", f"{type(exc).__name__}: {exc}"))
    _assign_dates(events, file_date)
    valid = (ctx.options or {}).get("valid_dates")
    if valid and events:
        events = _quarantine_out_of_range(events, valid, src, fmt, file_date, stats, bad)
    if events:  # a module may serve several formats (spans: otlp + langfuse): report what the events say
        stats.source_format = events[0]["source_format"]
    return events, bad, stats


def _quarantine_out_of_range(events, valid, src, fmt, file_date, stats, bad) -> list[dict]:
    """Records with an event date outside ``valid`` = (first, last) partition day are quarantined as a whole
    (``timestamp_out_of_range``), dated into the range, so no partition-less row exists and none disappears."""
    lo, hi = valid
    out_lines = {e["source_line"] for e in events if not (lo <= e["event_date"] <= hi)}
    if not out_lines:
        return events
    home = min(max(file_date, lo), hi)
    for line in sorted(out_lines):
        rec_events = [e for e in events if e["source_line"] == line]
        dates = sorted({e["event_date"].isoformat() for e in rec_events})
        stats.records_accepted -= 1
        stats.records_quarantined += 1
        stats.events_out -= len(rec_events)
        bad.append(new_quarantine(source_file=src.rel, source_line=line, source_offset=rec_events[0]["source_offset"],
                                  source_format=fmt, reason="timestamp_out_of_range",
                                  detail=f"event dates {dates[:3]} outside {lo}..{hi}", event_date=home))
    return [e for e in events if e["source_line"] not in out_lines]


def _mtime_date(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date()


def _assign_dates(events: list[dict], file_date: date) -> None:
    """event_date = date of the earliest timestamp of the event's session within this file (so a session never
    straddles partitions), else of the event's own source record, else the file's date (path, then mtime)."""
    session_min: dict[str, datetime] = {}
    record_min: dict[int, datetime] = {}
    for e in events:
        ts = e["timestamp"]
        if ts is None:
            continue
        sid = e["session_id"]
        if sid is not None and (sid not in session_min or ts < session_min[sid]):
            session_min[sid] = ts
        ln = e["source_line"]
        if ln not in record_min or ts < record_min[ln]:
            record_min[ln] = ts
    for e in events:
        if e.get("event_date") is not None:
            continue
        ts = session_min.get(e["session_id"]) if e["session_id"] is not None else None
        ts = ts or record_min.get(e["source_line"])
        e["event_date"] = ts.date() if ts else file_date


def ingest_paths(
    root: Path,
    ctx: IngestContext,
    *,
    files: Iterable[Path] | None = None,
    fmt: str | None = None,
    overrides: dict[str, str] | None = None,
    progress=None,
) -> IngestResult:
    root = Path(root)
    paths = list(files) if files is not None else discover(root)
    all_events: list[dict] = []
    all_bad: list[dict] = []
    stats: list[FileStats] = []
    for p in paths:
        rel = p.name if root.is_file() else str(Path(p).relative_to(root))
        ev, bad, st = ingest_file(SourceFile(Path(p), rel), ctx, fmt=fmt, overrides=overrides)
        all_events.extend(ev)
        all_bad.extend(bad)
        stats.append(st)
        if progress:
            progress(st)
    return IngestResult(events=events_frame(all_events), quarantined=quarantine_frame(all_bad), files=stats)
