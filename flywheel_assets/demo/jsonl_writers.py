"""The JSONL log families of the demo: chat-log rows (``ChatlogWriter``) and API-gateway rows with OpenAI-style
request / response bodies, some streamed as SSE, some failed (``GatewayWriter``).
"""

from __future__ import annotations

import json
from datetime import timedelta

from flywheel_assets.demo.writers import EPOCH, JsonlWriter, dumps, fmt_ts

def _openai_message(m: dict) -> dict:
    out = {"role": m["role"], "content": m.get("content")}
    if m.get("tool_calls"):
        out["content"] = m.get("content") or None
        out["tool_calls"] = m["tool_calls"]
    if m["role"] == "tool":
        out["tool_call_id"] = m["tool_call_id"]
        out["name"] = m["name"]
    return out


class ChatlogWriter(JsonlWriter):
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


class GatewayWriter(JsonlWriter):
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
