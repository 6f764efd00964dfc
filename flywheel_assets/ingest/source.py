"""Reading drop files: gzip or plain, record iteration with 1-based line numbers and byte offsets.

Nothing here raises on bad bytes: undecodable or oversize records are handed to the parser layer as
:class:`Outcome` quarantines so the driver can count them (records in = accepted + quarantined).
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

MAX_RECORD_BYTES = 64 * 1024 * 1024  # a record larger than this is quarantined (record_too_large)
MAX_JSON_DEPTH = 200  # deeper JSON is quarantined (json_too_deep) instead of risking recursion errors


class Quarantine(Exception):
    """Raised by a parser for a record it cannot accept. ``reason`` is a short machine code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Outcome:
    """What a parser made of one source record: events, or a quarantine reason (never both)."""

    line: int
    offset: int
    events: list[dict] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    raw: bytes = b""  # kept only for quarantined records (first bytes go to the raw-zone excerpt)

    @classmethod
    def bad(cls, line: int, offset: int, reason: str, detail: str = "", raw: bytes = b"") -> "Outcome":
        return cls(line=line, offset=offset, reason=reason, detail=detail, raw=raw[:4096])


@dataclass
class SourceFile:
    """A drop file. ``rel`` is the path relative to the drop root (stored as lineage)."""

    path: Path
    rel: str

    @property
    def is_gzip(self) -> bool:
        with open(self.path, "rb") as f:
            return f.read(2) == b"\x1f\x8b"

    def open_binary(self):
        return gzip.open(self.path, "rb") if self.is_gzip else open(self.path, "rb")

    def head(self, n: int = 65536) -> bytes:
        """The first n (decompressed) bytes; empty on a corrupt gzip."""
        try:
            with self.open_binary() as f:
                head = f.read(n)
        except (OSError, EOFError, zlib.error):
            return b""
        return head[3:] if head.startswith(b"\xef\xbb\xbf") else head

    def iter_lines(self) -> Iterator[tuple[int, int, bytes | None, str | None]]:
        """Yield (line_no, offset, raw_line_without_newline, error). ``error`` is set (and raw may be partial)
        for an oversize line or a corrupt/truncated gzip stream; iteration stops after a stream error."""
        line_no = 0
        offset = 0
        try:
            with self.open_binary() as f:
                reader = f  # GzipFile buffers itself; an extra reader would lose records before a truncation
                while True:
                    raw = reader.readline(MAX_RECORD_BYTES + 1)
                    if not raw:
                        return
                    line_no += 1
                    start = offset
                    offset += len(raw)
                    if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
                        # skip the rest of the oversize line without holding it
                        while True:
                            more = reader.readline(MAX_RECORD_BYTES)
                            if not more:
                                break
                            offset += len(more)
                            if more.endswith(b"\n"):
                                break
                        yield line_no, start, raw[:4096], "record_too_large"
                        continue
                    yield line_no, start, raw.rstrip(b"\r\n"), None
        except (OSError, EOFError, zlib.error) as exc:
            yield line_no + 1, offset, b"", f"corrupt_compression:{type(exc).__name__}"

    def read_all(self) -> tuple[bytes, str | None]:
        """Whole (decompressed) content for document formats; (partial bytes, error) when it cannot be read."""
        buf = bytearray()
        try:
            with self.open_binary() as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    buf.extend(chunk)
                    if len(buf) > 4 * MAX_RECORD_BYTES:
                        return bytes(buf[:4096]), "record_too_large"
        except (OSError, EOFError, zlib.error) as exc:
            return bytes(buf), f"corrupt_compression:{type(exc).__name__}"
        return bytes(buf), None


def decode(raw: bytes) -> str:
    """Strict UTF-8 decode (BOM stripped); raises Quarantine('invalid_utf8')."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Quarantine("invalid_utf8", str(exc)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise Quarantine("nul_bytes", "record contains NUL bytes")
    return text


def loads(text: str):
    """json.loads with a depth guard; raises Quarantine('invalid_json' | 'json_too_deep')."""
    depth = 0 if text.count("[") + text.count("{") <= MAX_JSON_DEPTH else max_nesting(text)
    if depth > MAX_JSON_DEPTH:
        raise Quarantine("json_too_deep", f"nesting depth {depth} > {MAX_JSON_DEPTH}")
    try:
        return json.loads(text)
    except RecursionError:
        raise Quarantine("json_too_deep", "recursion limit") from None
    except ValueError as exc:
        raise Quarantine("invalid_json", str(exc)[:200]) from None


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: fast in sre
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def max_nesting(text: str) -> int:
    """Upper bound of JSON bracket nesting (ignores brackets inside strings), cheap and linear.

    Vectorised: drop complete string literals (regex, C speed), cut at an unterminated string (everything after
    its opening quote is string), keep only brackets and take the running depth's maximum with numpy. Same result
    as a character-by-character scan (the reference in the benchmark harness tests), including the early cap at
    ``MAX_JSON_DEPTH + 1``."""
    import numpy as np

    rest = _JSON_STRING.sub("", text)
    cut = rest.find('"')
    if cut >= 0:
        rest = rest[:cut]
    brackets = _NOT_BRACKET.sub("", rest)
    if not brackets:
        return 0
    b = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    best = int(np.cumsum(np.where((b == 91) | (b == 123), 1, -1)).max())
    best = max(best, 0)
    return min(best, MAX_JSON_DEPTH + 1)


def iter_json_lines(src: SourceFile) -> Iterator[tuple[int, int, bytes, object | Quarantine]]:
    """JSONL helper: yield (line, offset, raw, obj) or (line, offset, raw, Quarantine) for each non-blank line."""
    for line_no, offset, raw, err in src.iter_lines():
        if err:
            yield line_no, offset, raw or b"", Quarantine(err.split(":")[0], err)
            continue
        if not raw.strip():
            continue
        try:
            obj = loads(decode(raw))
        except Quarantine as q:
            yield line_no, offset, raw, q
            continue
        yield line_no, offset, raw, obj
