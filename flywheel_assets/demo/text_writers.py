"""The plain-text families of the demo: conversation transcripts (``TranscriptWriter``) and an application log
whose lines carry the sessions' turns (``AppLogWriter``).
"""

from __future__ import annotations

import heapq
import json
from datetime import date, datetime, timedelta, timezone

from flywheel_assets.demo.writers import LineFile, Writer, fmt_ts


def _one_para(text: str) -> str:
    """Transcript turns may span lines but never contain blank lines (a blank line ends a conversation)."""
    return "\n".join(line for line in text.replace("\r", "").split("\n") if line.strip())


class TranscriptWriter(Writer):
    """``transcripts_<date>.txt``: ``Session:``/``Date:`` headers, role-prefixed (multi-line) turns, blank line
    between conversations. Tool calls: ``Assistant: [tool_call NAME id=ID] {args}``; results:
    ``Tool: [NAME id=ID] result`` (errors start with ``ERROR:``)."""

    family = "transcript"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sink: LineFile | None = None

    def end_day(self):
        if self.sink:
            self.sink.close()
            self.sink = None

    def _rel(self) -> str:
        d = self.day.isoformat()
        return f"{d}/transcripts_{d}.txt"

    def _block(self, lines: list[bytes]) -> int:
        if self.sink is None:
            self.sink = LineFile(self.out_dir / self._rel())
            self._file(self._rel())
        first = None
        for ln in lines:
            n = self.sink.write_line(ln)
            first = first or n
        self.sink.write_line(b"")
        self.files[self._rel()]["records"] += 1
        return first

    def write(self, s: dict) -> tuple[str, int]:
        if self._malformed_due():
            kind = ("invalid_utf8", "binary_junk")[len(self.malformed) % 2]
            if kind == "invalid_utf8":
                lines = [b"User: my name is Jos\xe9 and this line is not UTF-8 \xff\xfe"]
            else:
                lines = [self._junk(64)]
            self._block_malformed(lines, kind)
        lines = [f"Session: {s['session_id']}", f"Date: {fmt_ts(s['start'], s['naive'])}"]
        for m in s["messages"]:
            role = m["role"]
            if role == "tool":
                lines.append(f"Tool: [{m['name']} id={m['tool_call_id']}] " + _one_para(m["content"]))
                continue
            label = role.capitalize()
            if m.get("content"):
                lines.append(f"{label}: " + _one_para(m["content"]))
            for tc in m.get("tool_calls") or []:
                lines.append(f"{label}: [tool_call {tc['function']['name']} id={tc['id']}] {tc['function']['arguments']}")
        n = self._block([x.encode("utf-8") for x in lines])
        self.files[self._rel()]["sessions"] += 1
        return self._rel(), n

    def _block_malformed(self, lines: list[bytes], kind: str):
        line = self._block(lines)
        self.files[self._rel()]["records"] -= 1  # _note_malformed counts it
        self._note_malformed(self._rel(), line, kind, ["invalid_utf8"])


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _sq(json_text: str) -> str:
    return "'" + json_text.replace("'", "\\u0027") + "'"


class AppLogWriter(Writer):
    """``app_<date>.log``: key=value application log lines, time-ordered across concurrent sessions, with ordinary
    non-LLM lines (server start, health checks, HTTP access lines). Quoted values are JSON string literals
    (``text="..."``), JSON payloads are single-quoted (``args='{...}'``, a literal ' inside is written \\u0027)."""

    family = "applog"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sink: LineFile | None = None
        self.heap: list = []
        self.seq = 0
        self.first_line: dict[str, tuple[str, int]] = {}
        self.pending: dict[str, dict] = {}

    def _rel(self) -> str:
        d = self.day.isoformat()
        return f"{d}/app_{d}.log"

    def begin_day(self, day: date):
        super().begin_day(day)
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=self.rng.uniform(0.5, 3))
        self._emit(f"{fmt_ts(start)} INFO server started service=acme-assistant version=2.14.1 port=8080 pid={self.rng.randint(1000, 65000)}")

    def end_day(self):
        self._flush(None)
        if self.sink:
            self.sink.close()
            self.sink = None

    def _emit(self, line: str | bytes, sid: str | None = None) -> int:
        if self.sink is None:
            self.sink = LineFile(self.out_dir / self._rel())
            self._file(self._rel())
        if self._malformed_due():
            kind = ("binary_junk", "invalid_utf8")[len(self.malformed) % 2]
            if kind == "binary_junk":
                raw, reasons = self._junk(), ["invalid_utf8", "nul_bytes"]
            elif kind == "invalid_utf8":
                raw, reasons = b"2026-11-18T00:00:00.000Z INFO event=user_message session=malformed user=u0 text=\"caf\xe9 \xff\"", ["invalid_utf8"]
            n = self.sink.write_line(raw)
            self._note_malformed(self._rel(), n, kind, reasons)
        n = self.sink.write_line(line)
        self.files[self._rel()]["records"] += 1
        if sid is not None and sid not in self.first_line:
            self.first_line[sid] = (self._rel(), n)
        return n

    def _flush(self, before: datetime | None):
        while self.heap and (before is None or self.heap[0][0] < before):
            _, _, line, sid = heapq.heappop(self.heap)
            self._emit(line, sid)

    def write(self, s: dict) -> tuple[str, int]:
        self._flush(s["start"])
        sid, uid = s["session_id"], s["user_id"]
        lines: list[tuple[datetime, str]] = []
        ts = lambda k: s["start"] + timedelta(seconds=s["meta"][k]["t"])  # noqa: E731
        for k, m in enumerate(s["messages"]):
            t = fmt_ts(ts(k), s["naive"])
            if m["role"] == "user":
                lines.append((ts(k), f"{t} INFO event=user_message session={sid} user={uid} text={_q(m['content'])}"))
            elif m["role"] == "assistant":
                meta = s["meta"][k]
                if m.get("content"):
                    lines.append((ts(k), f"{t} INFO event=assistant_message session={sid} user={uid} model={s['model']} "
                                         f"latency_ms={meta['latency_ms']} text={_q(m['content'])}"))
                for tc in m.get("tool_calls") or []:
                    lines.append((ts(k), f"{t} INFO event=tool_call session={sid} tool={tc['function']['name']} "
                                         f"call_id={tc['id']} args={_sq(tc['function']['arguments'])}"))
            elif m["role"] == "tool":
                if s["meta"][k].get("error"):
                    lines.append((ts(k), f"{t} ERROR event=error session={sid} tool={m['name']} call_id={m['tool_call_id']} "
                                         f"message={_q(m['content'])}"))
                else:
                    lines.append((ts(k), f"{t} INFO event=tool_result session={sid} tool={m['name']} "
                                         f"call_id={m['tool_call_id']} result={_sq(m['content'])}"))
        end = ts(len(s["messages"]) - 1) + timedelta(seconds=self.rng.uniform(2, 30))
        if s["feedback"]:
            fb = s["feedback"]
            extra = f" edited={_q(fb['edited_response'])}" if fb.get("edited_response") else ""
            lines.append((end, f"{fmt_ts(end, s['naive'])} INFO event=feedback session={sid} user={uid} thumbs={fb['thumbs']} "
                               f"rating={fb['rating']}{extra}"))
        for _ in range(self.rng.randint(0, 2)):
            t = s["start"] + timedelta(seconds=self.rng.uniform(0, 60))
            noise = self.rng.choice([
                f"DEBUG health_check path=/healthz status=200 duration_ms={self.rng.randint(1, 9)}",
                f"INFO http_request method=GET path=/api/v2/orders status=200 duration_ms={self.rng.randint(8, 120)}",
                f"WARN slow_query table=orders duration_ms={self.rng.randint(900, 4000)}",
                f"INFO cache_refresh keys={self.rng.randint(100, 5000)}"])
            lines.append((t, f"{fmt_ts(t)} {noise}"))
        if s["late"]:
            # late arrivals are written where they arrive, not in time order
            for _, line in lines:
                self._emit(line, sid if "session=" in line else None)
        else:
            for t, line in lines:
                self.seq += 1
                heapq.heappush(self.heap, (t, self.seq, line, sid if "session=" in line else None))
        self.files[self._rel()]["sessions"] += 1
        return self._rel(), 0
