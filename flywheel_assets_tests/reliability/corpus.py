"""Builder of the malformed log-drop corpus used by the reliability tests (issue 8).

Every case is a chat-log JSONL file under ``<root>/2026-11-18/`` (the date in the path is the partition fallback
for records without a usable timestamp). Each bad record sits among valid records (three valid records open every
file so format detection is not in question), and every case states what must come out of it: how many records are
accepted and which quarantine reason codes appear (sorted, with repeats).

All content is synthetic and deterministic (no RNG without a fixed seed, no wall clock).
"""

from __future__ import annotations

import gzip
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

DAY = "2026-11-18"


@dataclass
class Case:
    name: str  # case id
    rel: str  # path relative to the drop root
    accepted: int  # records expected to be accepted
    reasons: list[str]  # expected quarantine reason codes of this file, sorted (repeats kept)
    note: str = ""
    # reason codes whose exact count depends on the codec (e.g. corrupt gzip): accepted is then a lower bound
    accepted_at_least: bool = False
    extra: dict = field(default_factory=dict)


def valid_record(i: int, *, session: str | None = None, ts: str | None = None, user: str | None = None,
                 question: str | None = None, answer: str | None = None, **meta) -> dict:
    """A well-formed chat-log record (system, user, assistant + thumbs feedback)."""
    md = {"session_id": session or f"sess-{i:04d}", "timestamp": ts or f"{DAY}T10:{i % 60:02d}:00Z",
          "model": "acme-chat-v1", "user_id": user or f"user-{i % 7}", **meta}
    return {
        "messages": [
            {"role": "system", "content": "You are Acme's support assistant."},
            {"role": "user", "content": question or f"How do I reset my password? (ticket {i})"},
            {"role": "assistant", "content": answer or f"Open Settings > Security > Reset password. [{i}]"},
        ],
        "metadata": md,
        "feedback": {"thumbs": "up" if i % 2 else "down"},
    }


def line(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def valid_lines(start: int, n: int, **kw) -> list[bytes]:
    return [line(valid_record(i, **kw)) for i in range(start, start + n)]


def _write(root: Path, rel: str, lines: list[bytes], *, newline: bytes = b"\n", trailing: bool = True) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    data = newline.join(lines) + (newline if trailing and lines else b"")
    p.write_bytes(data)
    return p


def deep_json(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def tool_record(i: int, result: str, *, args: dict | None = None) -> dict:
    """A trajectory: user asks, assistant calls a tool, tool answers with ``result``, assistant answers."""
    return {
        "messages": [
            {"role": "user", "content": f"Where is my order {1000 + i}?"},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{i}", "type": "function",
                "function": {"name": "lookup_order", "arguments": json.dumps(args or {"order_id": 1000 + i})}}]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": result},
            {"role": "assistant", "content": "Your order ships tomorrow."},
        ],
        "metadata": {"session_id": f"tool-{i:04d}", "timestamp": f"{DAY}T11:{i % 60:02d}:00Z", "user_id": "user-x"},
    }


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def build_corpus(root: Path, *, huge_tool_bytes: int = 5 * 1024 * 1024) -> list[Case]:
    """Write the malformed corpus under ``root`` and return the cases (sorted by rel path)."""
    root = Path(root)
    d = DAY
    cases: list[Case] = []
    n = 0

    def add(name, rel, lines, accepted, reasons, note="", **kw):
        _write(root, rel, lines, **{k: v for k, v in kw.items() if k in ("newline", "trailing")})
        cases.append(Case(name, rel, accepted, sorted(reasons), note))

    # 1. truncated JSON lines (mid-record and a final line without newline)
    full = line(valid_record(900))
    add("truncated_json", f"{d}/truncated.jsonl",
        valid_lines(0, 3) + [full[: len(full) // 2]] + valid_lines(3, 1) + [full[:-1]],
        4, ["invalid_json", "invalid_json"], "cut in the middle of a record, last line cut without newline",
        trailing=False)

    # 2. invalid UTF-8: latin-1 byte, lone continuation byte, encoded surrogate, overlong encoding
    add("invalid_utf8", f"{d}/invalid_utf8.jsonl",
        valid_lines(10, 3) + [
            b'{"messages": [{"role": "user", "content": "caf\xe9"}]}',
            b'{"messages": [{"role": "user", "content": "\x80oops"}]}',
        ] + valid_lines(13, 1) + [
            b'{"messages": [{"role": "user", "content": "\xed\xa0\x80"}]}',
            b'{"messages": [{"role": "user", "content": "\xc0\xaf"}]}',
        ],
        4, ["invalid_utf8"] * 4)

    # 3. binary junk and NUL bytes (raw NUL is rejected; an escaped \u0000 inside valid JSON is a valid record)
    junk = bytes(b for b in range(256) if b not in (10, 13)) * 4
    rng = random.Random(8)
    junk2 = bytes(rng.randrange(256) for _ in range(3000)).replace(b"\n", b"").replace(b"\r", b"")
    nul_rec = valid_record(22)
    nul_rec["messages"][1]["content"] = "escaped NUL here: a\u0000b"
    add("binary_nul", f"{d}/binary_nul.jsonl",
        valid_lines(20, 3) + [
            junk,
            b"\x00" * 64,
            b'{"messages": [{"role": "user", "content": "a\x00b"}]}',
            junk2,
            "\x01\x02 plain control chars, valid utf-8 but not JSON".encode(),
            line(nul_rec),
        ],
        4, ["invalid_utf8", "invalid_utf8", "invalid_json", "nul_bytes", "nul_bytes"],
        "0..255 byte junk, NUL run, raw NUL inside JSON, seeded random junk, control chars; escaped NUL kept")

    # 4. deeply nested JSON (depth in the thousands) at record level and inside a field; depth 150 is fine
    ok_deep = valid_record(33)
    ok_deep["metadata"]["trace_blob"] = json.loads(deep_object(150))
    add("deep_json", f"{d}/deep.jsonl",
        valid_lines(30, 3) + [
            deep_json(5000).encode(),
            ('{"messages": [{"role": "user", "content": ' + deep_object(3000) + '}]}').encode(),
            ('{"messages": ' + deep_json(100_000, '{"role": "user"}') + '}').encode(),
            line(ok_deep),
        ],
        4, ["json_too_deep"] * 3)

    # 5. wrong types
    weird_meta = valid_record(46)
    weird_meta["metadata"] = {"session_id": {"nested": 1}, "user_id": ["list"], "timestamp": {"t": 1},
                              "model": 7, "latency_ms": "fast", "usage": "lots", "consent": 3.5}
    weird_meta["feedback"] = ["not", "a", "dict"]
    add("wrong_types", f"{d}/wrong_types.jsonl",
        valid_lines(40, 3) + [
            b"[1, 2, 3]",
            b'"just a string"',
            b"42",
            b"null",
            b'{"messages": "hello"}',
            b'{"messages": [{"role": 5, "content": "x"}]}',
            b'{"messages": [{"role": "user", "content": 42}]}',
            b'{"messages": [{"role": "wizard", "content": "x"}]}',
            b'{"messages": ["not an object"]}',
            b'{"messages": [{"role": "assistant", "tool_calls": "nope"}]}',
            line(weird_meta),
        ],
        4, ["wrong_type:record"] * 4 + ["wrong_type:messages", "wrong_type:messages.role", "wrong_type:content",
                                        "invalid_value:messages.role", "wrong_type:messages", "wrong_type:tool_calls"],
        "metadata of the wrong types is dropped (no crash); the record is kept")

    # 6. missing fields
    add("missing_fields", f"{d}/missing.jsonl",
        valid_lines(50, 3) + [
            b"{}",
            b'{"metadata": {"session_id": "x"}}',
            b'{"messages": []}',
            b'{"messages": [{"content": "no role"}]}',
            b'{"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]}',
            b'{"messages": [{"role": "user"}]}',
        ],
        4, ["missing_field:messages", "missing_field:messages", "empty_field:messages",
            "missing_field:messages.role", "missing_field:tool_calls.function.name"],
        "a user turn without content is kept as an empty user message")

    # 7. duplicate ids: the same record (same session id) three times in one file and again in a copy
    dup = line(valid_record(60, session="dup-session"))
    add("duplicate_ids", f"{d}/duplicates.jsonl", valid_lines(61, 3) + [dup, dup, dup], 6, [])
    add("duplicate_file", f"{d}/duplicates_copy.jsonl", valid_lines(61, 3) + [dup, dup, dup], 6, [],
        "byte-identical copy of duplicates.jsonl under another name")

    # 8. timestamps: out of order, zone-less, offsets, epoch s/ms, garbage (-> null, falls back to the path date)
    ts_cases = [
        ("ts-order", f"{d}T12:00:00Z"),  # later record first
        ("ts-order", f"{d}T09:00:00Z"),
        ("ts-naive", f"{d}T10:00:00"),  # no zone -> UTC
        ("ts-offset", f"{d}T12:00:00+02:00"),  # -> 10:00 UTC
        ("ts-epoch", 1763460000),  # 2025-11-18T10:00:00Z
        ("ts-epoch-ms", 1763460000123),
        ("ts-garbage", "yesterday-ish"),
        ("ts-space", f"{d} 10:00:00.123456789"),
    ]
    add("timestamps", f"{d}/timestamps.jsonl",
        valid_lines(70, 3) + [line(valid_record(80 + k, session=s, ts=t)) for k, (s, t) in enumerate(ts_cases)],
        3 + len(ts_cases), [])

    # 9. empty and blank files
    add("empty_file", f"{d}/empty.jsonl", [], 0, ["empty_file"])
    _write(root, f"{d}/blank.jsonl", [b"", b"   ", b"\t"], trailing=True)
    cases.append(Case("blank_file", f"{d}/blank.jsonl", 0, ["empty_file"], "whitespace only"))

    # 10. CRLF line endings + UTF-8 BOM
    crlf = valid_lines(90, 4)
    crlf[0] = b"\xef\xbb\xbf" + crlf[0]
    add("crlf_bom", f"{d}/crlf_bom.jsonl", crlf + [b""] + valid_lines(94, 1), 5, [], newline=b"\r\n")

    # 11. gzip: a good one, a truncated stream (records before the cut kept), a garbage stream after a good header
    good = b"\n".join(valid_lines(100, 6)) + b"\n"
    (root / d).mkdir(parents=True, exist_ok=True)
    (root / f"{d}/good.jsonl.gz").write_bytes(gzip_bytes(good))
    cases.append(Case("gzip_ok", f"{d}/good.jsonl.gz", 6, []))
    big = b"\n".join(valid_lines(200, 400)) + b"\n"
    gz = gzip_bytes(big)
    cut = gz[: int(len(gz) * 0.6)]
    (root / f"{d}/truncated.jsonl.gz").write_bytes(cut)
    cases.append(Case("gzip_truncated", f"{d}/truncated.jsonl.gz", 1, ["corrupt_compression"],
                      "truncated gzip stream: the complete records before the cut are kept", accepted_at_least=True,
                      extra={"total_lines": 400, "decodable_lines": _decodable_lines(cut)}))
    bad_mid = bytearray(gz)
    mid = len(bad_mid) // 2
    bad_mid[mid: mid + 64] = bytes(64)  # zeroed block in the middle of the deflate stream
    (root / f"{d}/corrupt_mid.jsonl.gz").write_bytes(bytes(bad_mid))
    cases.append(Case("gzip_corrupt_mid", f"{d}/corrupt_mid.jsonl.gz", 0, ["corrupt_compression"],
                      "zeroed bytes in the middle of the stream", accepted_at_least=True,
                      extra={"total_lines": 400}))

    # 12. huge tool output (5 MB tool result) among valid records
    blob = ("order line " * (huge_tool_bytes // 11 + 1))[:huge_tool_bytes]
    add("huge_tool_output", f"{d}/huge_tool.jsonl",
        valid_lines(300, 3) + [line(tool_record(1, blob))] + valid_lines(303, 1),
        5, [], f"{huge_tool_bytes} byte tool result", )
    cases[-1].extra["huge_tool_bytes"] = huge_tool_bytes

    return sorted(cases, key=lambda c: c.rel)


def _decodable_lines(gz_prefix: bytes) -> int:
    """Complete lines recoverable from a truncated gzip prefix (upper bound for what ingest may keep)."""
    import zlib

    d = zlib.decompressobj(wbits=31)
    try:
        out = d.decompress(gz_prefix)
    except zlib.error:
        out = b""
    return out.count(b"\n")


def write_big_line(path: Path, size_bytes: int = 50 * 1024 * 1024, *, valid_around: int = 2) -> None:
    """A file with ``valid_around`` valid records, ONE record of about ``size_bytes`` (a user message of that size,
    streamed to disk in chunks so the writer never holds it), then ``valid_around`` valid records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = ("The quick brown fox jumps over the lazy dog. " * 1000).encode()
    with open(path, "wb") as f:
        for ln in valid_lines(500, valid_around):
            f.write(ln + b"\n")
        f.write(b'{"messages": [{"role": "user", "content": "')
        written = 0
        while written < size_bytes:
            part = chunk[: size_bytes - written]
            f.write(part)
            written += len(part)
        f.write(b'"}, {"role": "assistant", "content": "ok"}], "metadata": {"session_id": "big-line", '
                b'"timestamp": "' + DAY.encode() + b'T12:00:00Z"}}\n')
        for ln in valid_lines(600, valid_around):
            f.write(ln + b"\n")
