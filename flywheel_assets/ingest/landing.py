"""The landing directory: which drop files exist, whether they changed, and which days they touch.

Used by the file-drop sensor (to launch runs for the days a new or changed file touches) and by the ingest asset
(to find the files of a partition). A file's fingerprint is (size, mtime_ns, sha256); its days are the distinct
``event_date`` values its parser assigns (quarantined records count toward the file's own date), computed once
per fingerprint and cached in a JSON index next to the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import discover, ingest_file
from flywheel_assets.ingest.source import SourceFile


@dataclass
class FileInfo:
    rel: str
    size: int
    mtime_ns: int
    sha256: str
    source_format: str | None
    dates: list[str]  # ISO dates this file contributes rows to

    @property
    def fingerprint(self) -> list:
        return [self.size, self.mtime_ns, self.sha256]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_dates(path: Path, rel: str, ctx: IngestContext, overrides=None) -> tuple[str | None, list[str]]:
    events, bad, stats = ingest_file(SourceFile(path, rel), ctx, overrides=overrides)
    days = {e["event_date"].isoformat() for e in events}
    days |= {q["event_date"].isoformat() for q in bad if q["event_date"] is not None}
    return stats.source_format, sorted(days)


def scan(root: Path, ctx: IngestContext, index_path: Path | None = None, overrides=None,
         resolve=None) -> list[FileInfo]:
    """Every drop file under root with its fingerprint and days; reuses the cached index when unchanged.

    ``resolve(path, rel, sha256, size) -> (format, dates)`` replaces the parse that learns a file's days (the raw
    zone's ledger passes one that returns a known file's dates and parses + stores a new file once); it is asked
    for every file, so the ledger sees each file even when the index already knows it."""
    root = Path(root)
    cache: dict = {}
    if index_path and Path(index_path).exists():
        try:
            cache = json.loads(Path(index_path).read_text())
        except ValueError:
            cache = {}
    out: list[FileInfo] = []
    for p in discover(root):
        rel = str(p.relative_to(root)) if root.is_dir() else p.name
        st = p.stat()
        old = cache.get(rel)
        if resolve is not None:
            same = old and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns
            digest = old["sha256"] if same else sha256_file(p)
            fmt, days = resolve(p, rel, digest, st.st_size)
            out.append(FileInfo(rel, st.st_size, st.st_mtime_ns, digest, fmt, days))
            continue
        if old and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
            out.append(FileInfo(**old))
            continue
        digest = sha256_file(p)
        if old and old["sha256"] == digest:
            info = FileInfo(**{**old, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
        else:
            fmt, days = file_dates(p, rel, ctx, overrides)
            info = FileInfo(rel, st.st_size, st.st_mtime_ns, digest, fmt, days)
        out.append(info)
    if index_path:
        from flywheel_assets.warehouse import private_dir

        private_dir(Path(index_path).parent)
        tmp = Path(f"{index_path}.{os.getpid()}.tmp")  # per process: concurrent partition workers rewrite it
        tmp.write_text(json.dumps({f.rel: asdict(f) for f in out}, sort_keys=True, indent=0))
        os.chmod(tmp, 0o600)
        os.replace(tmp, index_path)
    return out


def files_for(infos: list[FileInfo], day: date) -> list[FileInfo]:
    iso = day.isoformat()
    return [f for f in infos if iso in f.dates]


def all_dates(infos: list[FileInfo]) -> list[str]:
    return sorted({d for f in infos for d in f.dates})


def changed(infos: list[FileInfo], cursor: dict) -> list[FileInfo]:
    """Files that are new or whose content changed relative to a cursor {rel: [size, mtime_ns, sha256]}."""
    return [f for f in infos if cursor.get(f.rel) is None or cursor[f.rel][2] != f.sha256]
