"""The OTLP family of the demo: sessions as OpenTelemetry GenAI spans, a few sessions per JSON file
(``SpansWriter``), with the OTLP attribute value helpers.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flywheel_assets.demo.writers import Writer, ns


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
