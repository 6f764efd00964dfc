"""Per-family streaming writers: render one demo session (see scenarios.py) into a log family, file by file. This
module holds what the families share (the ``Writer`` base, line files, the JSONL base, timestamps); the families are
in jsonl_writers.py (chat log, gateway), spans_writer.py (OTLP) and text_writers.py (transcripts, app log).

Each writer keeps at most one day's files open, writes as it goes (bounded memory), records where every session
landed (file + 1-based line) and plants malformed records on a fixed schedule (positions 7, 7+K, 7+2K ... of the
family's records, K = 1/malformed_rate), recording their file/line so quarantine counts can be checked.
All randomness comes from a ``random.Random`` seeded from the demo seed and the family name.
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import date, datetime, timezone
from pathlib import Path

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MALFORMED_START = 7  # the first malformed record is the family's 7th record


def fmt_ts(dt: datetime, naive: bool = False) -> str:
    s = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"
    return s if naive else s + "Z"


def ns(dt: datetime) -> str:
    delta = dt - EPOCH
    return str((delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


class Writer:
    family = ""

    def __init__(self, out_dir: Path, seed: int, malformed_rate: float):
        self.out_dir = Path(out_dir)
        self.rng = random.Random(f"{seed}:writer:{self.family}")
        self.every = max(100, int(round(1.0 / malformed_rate))) if malformed_rate > 0 else 0
        self.n_records = 0  # family-wide record counter (malformed schedule)
        self.files: dict[str, dict] = {}  # rel -> {"family", "sessions", "records", "malformed"}
        self.malformed: list[dict] = []
        self.day: date | None = None

    # -- bookkeeping
    def _file(self, rel: str) -> dict:
        return self.files.setdefault(rel, {"file": rel, "family": self.family, "sessions": 0, "records": 0, "malformed": 0})

    def _malformed_due(self) -> bool:
        """Called before each real record; True when a malformed record must be planted first."""
        self.n_records += 1
        return bool(self.every) and self.n_records >= MALFORMED_START and (self.n_records - MALFORMED_START) % self.every == 0

    def _note_malformed(self, rel: str, line: int, kind: str, reasons: list[str]):
        f = self._file(rel)
        f["malformed"] += 1
        f["records"] += 1
        self.malformed.append({"family": self.family, "file": rel, "line": line, "kind": kind, "expected_reasons": reasons})

    def _junk(self, n: int = 48) -> bytes:
        junk = bytes(self.rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(n))
        return b"\xff\xfe" + junk  # never valid UTF-8

    def begin_day(self, day: date):
        self.end_day()
        self.day = day

    def end_day(self):
        pass

    def close(self):
        self.end_day()

    def write(self, s: dict) -> tuple[str, int]:
        raise NotImplementedError


class LineFile:
    """A (possibly gzip) text-lines sink counting 1-based lines."""

    def __init__(self, path: Path, gz: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = open(path, "wb")
        self.f = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0) if gz else self.raw
        self.lines = 0

    def write_line(self, data: bytes | str) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.f.write(data + b"\n")
        first = self.lines + 1
        self.lines += 1 + data.count(b"\n")  # multi-line transcript turns
        return first

    def close(self):
        if self.f is not self.raw:
            self.f.close()
        self.raw.close()


# the base of the JSONL families (jsonl_writers.py)
class JsonlWriter(Writer):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.open: dict[str, LineFile] = {}

    def end_day(self):
        for lf in self.open.values():
            lf.close()
        self.open = {}

    def _sink(self, rel: str, gz: bool = False) -> LineFile:
        if rel not in self.open:
            self.open[rel] = LineFile(self.out_dir / rel, gz=gz)
            self._file(rel)
        return self.open[rel]

    def _line(self, rel: str, line: str, gz: bool = False) -> int:
        sink = self._sink(rel, gz)
        if self._malformed_due():
            self._plant(rel, sink, line)
        n = sink.write_line(line)
        self.files[rel]["records"] += 1
        return n

    def _plant(self, rel: str, sink: LineFile, template: str):
        kind = ("truncated_json", "invalid_utf8", "binary_junk")[len(self.malformed) % 3]
        dummy = {"metadata": {"session_id": f"malformed-{len(self.malformed)}", "note": "planted malformed record"},
                 "messages": [{"role": "user", "content": "this record is cut off in the middle of a string"}]}
        if kind == "truncated_json":
            raw, reasons = dumps(dummy)[:-25].encode(), ["invalid_json"]
        elif kind == "invalid_utf8":
            raw, reasons = dumps(dummy).replace("cut off", "caf\udce9 ok").encode("utf-8", "surrogateescape"), ["invalid_utf8"]
        else:
            raw, reasons = self._junk(), ["invalid_utf8", "nul_bytes", "invalid_json"]
        line = sink.write_line(raw)
        self._note_malformed(rel, line, kind, reasons)
