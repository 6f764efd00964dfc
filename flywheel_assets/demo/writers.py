"""Per-family streaming writers: render one demo session (see scenarios.py) into a log family, file by file.

Each writer keeps at most one day's files open, writes as it goes (bounded memory), records where every session
landed (file + 1-based line) and plants malformed records on a fixed schedule (positions 7, 7+K, 7+2K ... of the
family's records, K = 1/malformed_rate), recording their file/line so quarantine counts can be checked.
All randomness comes from a ``random.Random`` seeded from the demo seed and the family name.
"""

from __future__ import annotations

import gzip
import heapq
import json
import random
from datetime import date, datetime, timedelta, timezone
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


class _LineFile:
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


# ====================================================================== JSONL families
class _JsonlWriter(Writer):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.open: dict[str, _LineFile] = {}

    def end_day(self):
        for lf in self.open.values():
            lf.close()
        self.open = {}

    def _sink(self, rel: str, gz: bool = False) -> _LineFile:
        if rel not in self.open:
            self.open[rel] = _LineFile(self.out_dir / rel, gz=gz)
            self._file(rel)
        return self.open[rel]

    def _line(self, rel: str, line: str, gz: bool = False) -> int:
        sink = self._sink(rel, gz)
        if self._malformed_due():
            self._plant(rel, sink, line)
        n = sink.write_line(line)
        self.files[rel]["records"] += 1
        return n

    def _plant(self, rel: str, sink: _LineFile, template: str):
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


def _openai_message(m: dict) -> dict:
    out = {"role": m["role"], "content": m.get("content")}
    if m.get("tool_calls"):
        out["content"] = m.get("content") or None
        out["tool_calls"] = m["tool_calls"]
    if m["role"] == "tool":
        out["tool_call_id"] = m["tool_call_id"]
        out["name"] = m["name"]
    return out


class ChatlogWriter(_JsonlWriter):
    """``chatlog_<assistant>_<date>.jsonl`` (one conversation per line); the first day's ops file is gzipped."""

    family = "chatlog"

    def write(self, s: dict) -> tuple[str, int]:
        day = s["file_day"].isoformat()
        gz = s["file_day"] == s["first_day"] and s["assistant"] == "ops"
        rel = f"{day}/chatlog_{s['assistant']}_{day}.jsonl" + (".gz" if gz else "")
        meta = {
            "session_id": s["session_id"],
            "user_id": s["user_id"],
            "timestamp": fmt_ts(s["start"], s["naive"]),
            "model": s["model"],
            "latency_ms": round(sum(m.get("latency_ms", 0) for m in s["meta"]), 1),
            "feedback": s["feedback"],
            "outcome": s["outcome"],
            "reward": s["reward"],
            "consent": {"training": s["consent"], "purposes": s["purposes"]},
            "intent_id": s["intent_id"],
        }
        if meta["feedback"] is None:
            del meta["feedback"]
        rec = {"messages": [_openai_message(m) for m in s["messages"]], "tools": s["tools"], "metadata": meta}
        line = self._line(rel, dumps(rec), gz=gz)
        self.files[rel]["sessions"] += 1
        return rel, line


class GatewayWriter(_JsonlWriter):
    """``gateway_<date>.jsonl``: one record per model call, full history in every request, 429/500 + retries,
    stream=true calls with raw SSE bodies."""

    family = "gateway"

    def __init__(self, *a, stream_rate: float = 0.3, **k):
        super().__init__(*a, **k)
        self.stream_rate = stream_rate

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def write(self, s: dict) -> tuple[str, int]:
        day = s["file_day"].isoformat()
        rel = f"{day}/gateway_{day}.jsonl"
        msgs, meta = s["messages"], s["meta"]
        steps = [i for i, m in enumerate(msgs) if m["role"] == "assistant"]
        tail_error = msgs[-1]["role"] == "tool"  # session ends on a tool error: final call fails (no retry)
        if tail_error:
            steps.append(len(msgs))
        first_line = None
        n_retries = 0
        shift = timedelta(0)  # retries push every later call back, so calls stay in order
        for j, i in enumerate(steps):
            ts = s["start"] + timedelta(seconds=meta[i - 1]["t"] + 0.01 if i == len(msgs) else meta[i]["t"] - (meta[i].get("latency_ms", 0) / 1000.0))
            ts = ts + shift
            history = [_openai_message(m) for m in msgs[:i]]
            req = {"model": s["model"], "messages": history}
            if s["tools"]:
                req["tools"] = s["tools"]
            stream = self.rng.random() < self.stream_rate
            if stream:
                req["stream"] = True
            md = {"session_id": s["session_id"], "user_id": s["user_id"], "request_id": "req_" + self._hex(24),
                  "attempt": 1, "intent_id": s["intent_id"]}
            last = j == len(steps) - 1
            if last:  # session-level feedback / outcome ride on the session's final call
                if s["feedback"] is not None:
                    md["feedback"] = s["feedback"]
                md["outcome"] = s["outcome"]
            if i == len(msgs):
                rec = self._error_record(ts, req, md, 500, s["naive"])
                line = self._line(rel, dumps(rec))
                first_line = first_line or line
                continue
            if j in s["api_errors"]:
                status = s["api_errors"][j]
                rec = self._error_record(ts, req, {k: v for k, v in md.items() if k not in ("feedback", "outcome")},
                                         status, s["naive"])
                line = self._line(rel, dumps(rec))
                first_line = first_line or line
                delay = timedelta(seconds=self.rng.uniform(0.5, 4.0))
                ts = ts + delay
                shift += delay
                md = {**md, "attempt": 2}
                n_retries += 1
            m = msgs[i]
            created = int((ts - EPOCH).total_seconds())
            cid = "chatcmpl-" + self._hex(29)
            finish = "tool_calls" if m.get("tool_calls") else "stop"
            usage = {"prompt_tokens": meta[i]["prompt_tokens"], "completion_tokens": meta[i]["completion_tokens"],
                     "total_tokens": meta[i]["prompt_tokens"] + meta[i]["completion_tokens"]}
            if stream:
                body = self._sse(cid, created, s["model"], m, finish)
            else:
                body = {"id": cid, "object": "chat.completion", "created": created, "model": s["model"],
                        "choices": [{"index": 0, "message": _openai_message(m), "finish_reason": finish}], "usage": usage}
            rec = {"timestamp": fmt_ts(ts, s["naive"]), "url": "https://api.openai.com/v1/chat/completions",
                   "provider": "openai", "status": 200, "latency_ms": meta[i]["latency_ms"], "request_body": req,
                   "response_body": body, "metadata": md}
            line = self._line(rel, dumps(rec))
            first_line = first_line or line
        self.files[rel]["sessions"] += 1
        s["gateway_retries"] = n_retries
        return rel, first_line

    def _error_record(self, ts, req, md, status: int, naive: bool = False) -> dict:
        if status == 429:
            err = {"error": {"message": "Rate limit reached for requests. Please try again in 2s.",
                             "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
        else:
            err = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                             "type": "server_error", "param": None, "code": None}}
        return {"timestamp": fmt_ts(ts, naive), "url": "https://api.openai.com/v1/chat/completions", "provider": "openai",
                "status": status, "latency_ms": round(self.rng.uniform(40, 900), 1), "request_body": req,
                "response_body": err, "metadata": md}

    def _sse(self, cid: str, created: int, model: str, m: dict, finish: str) -> str:
        rng = self.rng

        def chunk(delta: dict, fr=None) -> str:
            return "data: " + json.dumps({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                                          "choices": [{"index": 0, "delta": delta, "finish_reason": fr}]},
                                         ensure_ascii=False, separators=(",", ":")) + "\n\n"

        out = [chunk({"role": "assistant", "content": ""})]
        text = m.get("content") or ""
        pos = 0
        while pos < len(text):
            step = rng.randint(3, 14)
            out.append(chunk({"content": text[pos:pos + step]}))
            pos += step
        for k, tc in enumerate(m.get("tool_calls") or []):
            out.append(chunk({"tool_calls": [{"index": k, "id": tc["id"], "type": "function",
                                              "function": {"name": tc["function"]["name"], "arguments": ""}}]}))
            args = tc["function"]["arguments"]
            pos = 0
            while pos < len(args):
                step = rng.randint(4, 12)
                out.append(chunk({"tool_calls": [{"index": k, "function": {"arguments": args[pos:pos + step]}}]}))
                pos += step
        out.append(chunk({}, finish))
        out.append("data: [DONE]\n\n")
        return "".join(out)


# ====================================================================== OTLP JSON
def any_value(v) -> dict:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [any_value(x) for x in v]}}
    return {"stringValue": str(v)}


def attrs(d: dict) -> list[dict]:
    return [{"key": k, "value": any_value(v)} for k, v in d.items() if v is not None]


def _parts(m: dict) -> dict:
    parts = []
    if m["role"] == "tool":
        parts.append({"type": "tool_call_response", "id": m["tool_call_id"], "response": m["content"]})
    else:
        if m.get("content"):
            parts.append({"type": "text", "content": m["content"]})
        for tc in m.get("tool_calls") or []:
            parts.append({"type": "tool_call", "id": tc["id"], "name": tc["function"]["name"],
                          "arguments": json.loads(tc["function"]["arguments"])})
    return {"role": m["role"], "parts": parts}


def _indexed(prefix: str, i: int, m: dict, out: dict):
    out[f"{prefix}.{i}.role"] = m["role"]
    out[f"{prefix}.{i}.content"] = m.get("content") or ""
    for j, tc in enumerate(m.get("tool_calls") or []):
        out[f"{prefix}.{i}.tool_calls.{j}.id"] = tc["id"]
        out[f"{prefix}.{i}.tool_calls.{j}.name"] = tc["function"]["name"]
        out[f"{prefix}.{i}.tool_calls.{j}.arguments"] = tc["function"]["arguments"]
    if m["role"] == "tool":
        out[f"{prefix}.{i}.tool_call_id"] = m["tool_call_id"]


class SpansWriter(Writer):
    """``traces_<date>_<NNNN>.json``: one ExportTraceServiceRequest per file holding a batch of sessions."""

    family = "otlp"

    def __init__(self, *a, per_file: int = 3, **k):
        super().__init__(*a, **k)
        self.per_file = per_file
        self.batch: list[dict] = []
        self.n_docs = 0

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def _rel(self) -> str:
        self.n_docs += 1
        d = self.day.isoformat()
        return f"{d}/traces_{d}_{self.n_docs:04d}.json"

    def end_day(self):
        if self.batch:
            self._flush()

    def _flush(self):
        if self._malformed_due():
            rel = self._rel()
            kind = ("truncated_json", "invalid_utf8")[len(self.malformed) % 2]
            doc = {"resourceSpans": [{"resource": {"attributes": attrs({"service.name": "acme-support-bot"})},
                                      "scopeSpans": [{"scope": {"name": "acme.genai"}, "spans": []}]}]}
            raw = json.dumps(doc)  # one line: a truncated document is one quarantined record
            data = raw[: len(raw) // 2].encode() if kind == "truncated_json" else raw.replace("acme", "acm\udce9").encode("utf-8", "surrogateescape")
            self._write_file(rel, data)
            self._note_malformed(rel, 1, kind, ["invalid_json"] if kind == "truncated_json" else ["invalid_utf8"])
        rel = self._rel()
        doc = {"resourceSpans": [rs for rs, _ in self.batch]}
        self._write_file(rel, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
        f = self._file(rel)
        f["records"] += 1
        f["sessions"] += len(self.batch)
        for _, s in self.batch:
            s["_placed"] = (rel, 1)
        self.batch = []

    def _write_file(self, rel: str, data: bytes):
        p = self.out_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        self._file(rel)

    def write(self, s: dict) -> tuple[str, int]:
        # the file name is only known at flush time; the generator reads s["_placed"] after close/flush
        self.batch.append((self._resource_spans(s), s))
        if len(self.batch) >= self.per_file:
            self._flush()
        return "", 0

    def _resource_spans(self, s: dict) -> dict:
        msgs, meta = s["messages"], s["meta"]
        trace = self._hex(32)
        root = self._hex(16)
        parts_form = s["otel_form"] == "parts"
        agent = "acme-support-bot" if s["assistant"] == "support" else "acme-ops-agent"
        end = s["start"] + timedelta(seconds=meta[-1]["t"] + 0.05)
        common = {"session.id": s["session_id"], "user.id": s["user_id"]}
        root_attrs = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, **common,
                      "acme.intent_id": s["intent_id"], "acme.consent.training": s["consent"],
                      "session.outcome": s["outcome"]}
        if s["feedback"]:
            root_attrs["user.feedback.thumbs"] = s["feedback"]["thumbs"]
            root_attrs["user.feedback.rating"] = s["feedback"]["rating"]
            root_attrs["user.feedback.edited_response"] = s["feedback"].get("edited_response")
        spans = [{"traceId": trace, "spanId": root, "name": f"invoke_agent {agent}", "kind": 1,
                  "startTimeUnixNano": ns(s["start"]), "endTimeUnixNano": ns(end), "attributes": attrs(root_attrs),
                  "status": {"code": 2 if s["outcome"] == "failure" else 1}}]
        results = {m["tool_call_id"]: (k, m) for k, m in enumerate(msgs) if m["role"] == "tool"}
        for i, m in enumerate(msgs):
            if m["role"] != "assistant":
                continue
            t_end = s["start"] + timedelta(seconds=meta[i]["t"])
            t0 = t_end - timedelta(milliseconds=meta[i]["latency_ms"])
            a = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": s["model"],
                 "gen_ai.response.model": s["model"], **common,
                 "gen_ai.usage.input_tokens": meta[i]["prompt_tokens"], "gen_ai.usage.output_tokens": meta[i]["completion_tokens"],
                 "gen_ai.response.finish_reasons": ["tool_calls" if m.get("tool_calls") else "stop"]}
            if parts_form:
                a["gen_ai.input.messages"] = json.dumps([_parts(x) for x in msgs[:i]], ensure_ascii=False)
                out = _parts(m)
                out["finish_reason"] = a["gen_ai.response.finish_reasons"][0]
                a["gen_ai.output.messages"] = json.dumps([out], ensure_ascii=False)
            else:
                for k, x in enumerate(msgs[:i]):
                    _indexed("gen_ai.prompt", k, x, a)
                _indexed("gen_ai.completion", 0, m, a)
                a["gen_ai.completion.0.finish_reason"] = a["gen_ai.response.finish_reasons"][0]
            spans.append({"traceId": trace, "spanId": self._hex(16), "parentSpanId": root, "name": f"chat {s['model']}",
                          "kind": 3, "startTimeUnixNano": ns(t0), "endTimeUnixNano": ns(t_end), "attributes": attrs(a),
                          "status": {"code": 1}})
            for tc in m.get("tool_calls") or []:
                k, res = results.get(tc["id"], (None, None))
                if res is None:
                    continue
                r_end = s["start"] + timedelta(seconds=meta[k]["t"])
                r0 = r_end - timedelta(milliseconds=meta[k]["duration_ms"])
                err = meta[k].get("error", False)
                ta = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tc["function"]["name"],
                      "gen_ai.tool.type": "function", "gen_ai.tool.call.id": tc["id"],
                      "gen_ai.tool.call.arguments": tc["function"]["arguments"],
                      "gen_ai.tool.call.result": res["content"], **common}
                if err:
                    ta["error.type"] = "tool_error"
                spans.append({"traceId": trace, "spanId": self._hex(16), "parentSpanId": root,
                              "name": f"execute_tool {tc['function']['name']}", "kind": 1,
                              "startTimeUnixNano": ns(r0), "endTimeUnixNano": ns(r_end), "attributes": attrs(ta),
                              "status": {"code": 2, "message": res["content"][:200]} if err else {"code": 1}})
        return {"resource": {"attributes": attrs({"service.name": agent, "service.version": "2.14.1",
                                                  "deployment.environment": "prod"})},
                "scopeSpans": [{"scope": {"name": "acme.genai", "version": "1.4.0"}, "spans": spans}]}


# ====================================================================== plain text
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
        self.sink: _LineFile | None = None

    def end_day(self):
        if self.sink:
            self.sink.close()
            self.sink = None

    def _rel(self) -> str:
        d = self.day.isoformat()
        return f"{d}/transcripts_{d}.txt"

    def _block(self, lines: list[bytes]) -> int:
        if self.sink is None:
            self.sink = _LineFile(self.out_dir / self._rel())
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
        self.sink: _LineFile | None = None
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
            self.sink = _LineFile(self.out_dir / self._rel())
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
