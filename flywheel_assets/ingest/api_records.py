"""Ingest of LLM API request/response records (gateway / proxy logs, recorded HTTP cassettes).

One JSONL row = one HTTP call. Two row shapes are accepted:

- recorded cassettes (``openllmetry_calls/interactions.jsonl``): ``{source_file, interaction_index, method, uri,
  request_body, request_body_kind, status, response_body, response_body_kind}``
- a generic gateway log: ``{timestamp, url|uri|endpoint, provider?, status, latency_ms, request_body|request,
  response_body|response, metadata: {session_id, user_id, request_id, attempt, feedback, ...}}``

Each request's messages become system / user / assistant / tool_call / tool_result events (provider content-block
shapes normalised), the response becomes assistant text and/or tool_call events (streams reassembled by
:mod:`flywheel_assets.ingest.sse`), a non-2xx status becomes an ``error`` event after the request events.
Non-chat endpoints (embeddings, images, rerank, assistants, ...) are quarantined as
``unsupported_endpoint:<kind>``. Within one file a session's later call repeats its history: messages already
emitted for that session are not emitted again (``attributes.replayed_messages`` counts them), and a request
identical to an earlier one in the session is marked ``attributes.retry_of`` / ``attempt``.

This module is the record driver (sniffing, options, one row -> events, sessions / retries, feedback). The parts
it drives: :mod:`~flywheel_assets.ingest.api_endpoints` (which provider / api a URL is),
:mod:`~flywheel_assets.ingest.providers` (the family modules), :mod:`~flywheel_assets.ingest.api_messages` and
:mod:`~flywheel_assets.ingest.api_replies` (request / response bodies of the other providers);
:mod:`~flywheel_assets.ingest.api_report` measures the result.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from flywheel_assets.ingest import sse
from flywheel_assets.ingest.api_endpoints import classify_endpoint
from flywheel_assets.ingest.api_messages import (args_valid, declared_tools, fingerprint, link_ids, message_events,
                                                 message_fingerprint, request_messages)
from flywheel_assets.ingest.api_replies import error_text, error_type, parse_response
from flywheel_assets.ingest.providers import FAMILIES, gemini, openai_responses
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile, iter_json_lines
from flywheel_assets.schema import new_event, stable_id, to_json
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "api_records"

REQUEST_KEYS = ("request_body", "request")
RESPONSE_KEYS = ("response_body", "response")
URL_KEYS = ("url", "uri", "endpoint", "path")
SESSION_KEYS = ("session_id", "conversation_id", "thread_id", "sessionId", "conversationId", "trace_id")
MAX_TEXT = 1_000_000  # default cut for one message text


class ApiRecordsConfig(BaseModel):
    """Options of the api_records parser (passed as ``IngestContext.options["api_records"]``, dict or model)."""

    model_config = ConfigDict(extra="forbid")
    dedupe_history: bool = Field(True, description="skip request messages a session already emitted in this file "
                                                   "(a chat call resends its whole history); counted in "
                                                   "attributes.replayed_messages")
    mark_retries: bool = Field(True, description="mark a request identical to an earlier one in the session (or "
                                                 "with the same metadata.request_id) with retry_of / attempt")
    keep_unrecorded_replies: bool = Field(True, description="accept a 2xx call whose response body the recorder "
                                                            "did not keep (binary event streams) with its request "
                                                            "turns only (attributes.response_not_recorded); false "
                                                            "quarantines it as response_not_recorded:binary")
    max_text_chars: int = Field(MAX_TEXT, ge=1000, description="longer message texts are cut to this many "
                                                               "characters (attributes.content_truncated)")


def _config(ctx) -> ApiRecordsConfig:
    opt = (getattr(ctx, "options", None) or {}).get("api_records") if ctx is not None else None
    if isinstance(opt, ApiRecordsConfig):
        return opt
    return ApiRecordsConfig(**opt) if isinstance(opt, dict) else ApiRecordsConfig()


# ----------------------------------------------------------------------------------------------- sniffing


def sniff(head: str, rel: str) -> float:
    """High for JSONL rows that hold a request and a response body / HTTP status; low for chat logs with a
    top-level ``messages`` list, OTLP documents and transcripts."""
    scores = []
    for line in head.splitlines()[:20]:
        s = line.strip()
        if not s:
            continue
        if not s.startswith("{"):
            scores.append(0.0)
            if len(scores) >= 5:
                break
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            continue  # a line cut by the 64 KiB head
        if not isinstance(obj, dict):
            scores.append(0.0)
        else:
            scores.append(_row_score(obj))
        if len(scores) >= 5:
            break
    if not scores:
        return 0.0
    return sum(scores) / len(scores)


def _row_score(obj: dict) -> float:
    has_req = any(k in obj for k in REQUEST_KEYS)
    has_resp = any(k in obj for k in RESPONSE_KEYS)
    has_status = "status" in obj or "status_code" in obj
    has_url = any(isinstance(obj.get(k), str) for k in URL_KEYS)
    if "resourceSpans" in obj or ("messages" in obj and not has_req):
        return 0.02
    if has_req and (has_resp or has_status):
        return 0.95 if (has_url or "request_body" in obj) else 0.85
    if has_req or ("response_body" in obj):
        return 0.5
    return 0.0


# ----------------------------------------------------------------------------------------------- data model


@dataclass
class _Session:
    seen: Counter = field(default_factory=Counter)  # fingerprint -> times emitted
    requests: dict = field(default_factory=dict)  # request fingerprint -> [first event id, attempts, last status]
    calls: dict = field(default_factory=dict)  # tool call id -> (event id, tool name)


# ----------------------------------------------------------------------------------------------- record driver


def _status_code(row: dict) -> int | None:
    v = row.get("status", row.get("status_code", row.get("http_status")))
    if isinstance(v, dict):
        v = v.get("code")
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        m = re.match(r"\s*(\d{3})", v)
        if m:
            return int(m.group(1))
        if v.lower() in ("ok", "success"):
            return 200
        if v.lower() in ("error", "failed", "failure"):
            return 599
    return None


def _maybe_json(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s[:1] in "{[" and not sse.looks_like_stream(s):
            try:
                return json.loads(s)
            except ValueError:
                return v
    return v


class _Builder:
    """Collects one record's events with consecutive seq numbers and shared record fields."""

    def __init__(self, rel: str, line: int, offset: int, common: dict, record_attrs: dict, limit: int = MAX_TEXT):
        self.rel, self.line, self.offset, self.limit = rel, line, offset, limit
        self.common = common
        self.record_attrs = record_attrs
        self.events: list[dict] = []

    def add(self, kind: str, attrs: dict | None = None, **kw) -> dict:
        a = dict(self.record_attrs)
        if attrs:
            a.update({k: v for k, v in attrs.items() if v is not None})
        fields = {**self.common, **kw}
        if isinstance(fields.get("content"), str) and len(fields["content"]) > self.limit:
            fields["content"] = fields["content"][: self.limit]
            a["content_truncated"] = True
        ev = new_event(source_file=self.rel, source_line=self.line, source_offset=self.offset, source_format=FORMAT,
                       seq=len(self.events), kind=kind, attributes=a, **fields)
        self.events.append(ev)
        return ev


def parse(src: SourceFile, ctx) -> Iterator[Outcome]:
    """One Outcome per JSONL row. Never raises on any input."""
    sessions: dict[str, _Session] = {}
    links: dict[str, str] = {}
    cfg = _config(ctx)
    for line, offset, raw, obj in iter_json_lines(src):
        if isinstance(obj, Quarantine):
            yield Outcome.bad(line, offset, obj.reason, obj.detail, raw)
            continue
        try:
            events = parse_record(obj, rel=src.rel, line=line, offset=offset, ctx=ctx, sessions=sessions, cfg=cfg,
                                  links=links)
        except Quarantine as q:
            yield Outcome.bad(line, offset, q.reason, q.detail, raw)
            continue
        except Exception as exc:  # never raise: a parser bug quarantines the row, the file goes on
            yield Outcome.bad(line, offset, f"parser_error:{type(exc).__name__}", str(exc)[:300], raw)
            continue
        yield Outcome(line=line, offset=offset, events=events)


def parse_record(row: Any, *, rel: str, line: int, offset: int, ctx, sessions: dict | None = None,
                 cfg: ApiRecordsConfig | None = None, links: dict | None = None) -> list[dict]:
    """Events for one row; raises :class:`Quarantine` for rows that cannot be accepted. ``sessions`` carries the
    per-file session state (history fingerprints, earlier requests) between rows of one file; ``links`` maps a
    Responses API response id to its session (a call naming it as ``previous_response_id`` continues it)."""
    links = {} if links is None else links
    if sessions is None:
        sessions = {}
    cfg = cfg or _config(ctx)
    limit = cfg.max_text_chars
    if not isinstance(row, dict):
        raise Quarantine("wrong_type:row", f"row is {type(row).__name__}, expected object")
    req_key = next((k for k in REQUEST_KEYS if k in row), None)
    resp_key = next((k for k in RESPONSE_KEYS if k in row), None)
    if req_key is None:
        raise Quarantine("missing_field:request_body", "row has no request_body/request")
    req = _maybe_json(row.get(req_key))
    resp = _maybe_json(row.get(resp_key)) if resp_key else None
    url = next((row[k] for k in URL_KEYS if isinstance(row.get(k), str)), None)
    status_override = None
    # HTTP envelopes: {"request": {"url", "method", "headers", "body"}, "response": {"status", "headers", "body"}}
    if isinstance(req, dict) and "body" in req and any(k in req for k in ("url", "method", "headers")):
        url = url or (req.get("url") if isinstance(req.get("url"), str) else None)
        req = _maybe_json(req.get("body"))
    if isinstance(resp, dict) and "body" in resp and any(k in resp for k in ("status", "status_code", "headers")):
        status_override = _status_code(resp)
        resp = _maybe_json(resp.get("body"))
    meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    provider, api = classify_endpoint(url, req)
    if isinstance(row.get("provider"), str) and row["provider"].strip():
        provider = row["provider"].strip().lower()
    if api.startswith("unsupported:"):
        raise Quarantine(f"unsupported_endpoint:{api.split(':', 1)[1]}", f"{provider} {_path(url)}")
    if req is not None and not isinstance(req, (dict, list, str)):
        raise Quarantine("wrong_type:request_body", f"request body is {type(req).__name__}")
    status_code = _status_code(row)
    if status_code is None:
        status_code = status_override
    resp_kind = row.get("response_body_kind")
    is_error = status_code is not None and not (200 <= status_code < 300)
    fam = FAMILIES.get(api)
    reply = None if is_error else (fam.parse_response(resp) if fam is not None else parse_response(resp))
    if not is_error and reply is not None and reply.error and not reply.text and not reply.calls:
        is_error = True  # 2xx envelope carrying an error
    if not is_error and status_code is None and isinstance(resp, dict) and resp.get("error") and reply is None:
        is_error = True
    unrecorded = None  # a 2xx call whose (binary event-stream) body the recorder did not keep
    if not is_error and reply is None:
        if resp is None and isinstance(resp_kind, str) and resp_kind.startswith("binary"):
            if not cfg.keep_unrecorded_replies:
                raise Quarantine("response_not_recorded:binary", f"{provider} {api}: {resp_kind}")
            unrecorded = resp_kind
        elif resp is None:
            raise Quarantine("missing_field:response_body", f"{provider} {api}: no response body")
        else:
            raise Quarantine("unrecognized_response", f"{provider} {api}: {type(resp).__name__} body")

    if fam is not None:
        msgs, tools = link_ids(fam.request_messages(req)), fam.declared_tools(req)
    else:
        msgs, tools = request_messages(req, api), declared_tools(req)

    # session, user, time
    sid = next((meta.get(k) for k in SESSION_KEYS if meta.get(k) not in (None, "")), None)
    sid = sid or next((row.get(k) for k in SESSION_KEYS if row.get(k) not in (None, "")), None)
    prev = req.get("previous_response_id") if api == openai_responses.API and isinstance(req, dict) else None
    if sid is None and isinstance(prev, str):
        sid = links.get(prev)  # a stateful Responses call continues the conversation of the response it names
    if sid is None and isinstance(row.get("source_file"), str) and row["source_file"]:
        sid = "cassette:" + row["source_file"]
    if sid is None:
        sid = "api:" + stable_id(rel, line, length=16)
    sid = str(sid)
    sess = sessions.setdefault(sid, _Session())
    user_raw = meta.get("user_id") or meta.get("user") or row.get("user_id")
    if user_raw is None and isinstance(req, dict):
        user_raw = req.get("user") if isinstance(req.get("user"), str) else None
        if user_raw is None and isinstance(req.get("metadata"), dict):
            user_raw = req["metadata"].get("user_id")
    user_hash = ctx.hash_user(user_raw) if ctx is not None and user_raw not in (None, "") else None
    ts = parse_timestamp(row.get("timestamp") or row.get("time") or row.get("start_time") or meta.get("timestamp"))
    if ts is None and reply is not None:
        ts = parse_timestamp(reply.created)
    consent, purposes = None, None
    c = meta.get("consent")
    if isinstance(meta.get("consent_training"), bool):
        consent = meta["consent_training"]
    elif isinstance(c, dict):
        consent = c.get("training") if isinstance(c.get("training"), bool) else None
        purposes = [str(p) for p in c.get("purposes") or [] if p is not None] or None
    latency = row.get("latency_ms", row.get("duration_ms"))
    latency = float(latency) if isinstance(latency, (int, float)) and not isinstance(latency, bool) else None
    if latency is None and reply is not None:
        latency = reply.latency_ms
    model = None
    if isinstance(req, dict) and isinstance(req.get("model"), str):
        model = req["model"]
    if reply is not None and reply.model:
        model = reply.model
    if model is None and isinstance(url, str):
        m = re.search(r"/(?:model|deployments)/([^/]+)", url)
        model = unquote(m.group(1)) if m else None
        if model is None and fam is not None:
            model = fam.model_from_url(url)
        if model is None:  # Vertex AI publisher models: .../models/M:rawPredict
            m = re.search(r"/models/([^/:?]+):", unquote(url))
            model = m.group(1) if m else None

    record_attrs = {"provider": provider, "api": api}
    if status_code is not None:
        record_attrs["http_status"] = status_code
    for k in ("request_id", "trace_id", "intent_id"):
        if meta.get(k) not in (None, ""):
            record_attrs[k] = str(meta[k])
    if isinstance(row.get("interaction_index"), int):
        record_attrs["interaction_index"] = row["interaction_index"]
    common = {"session_id": sid, "timestamp": ts, "user_hash": user_hash, "consent_training": consent,
              "purposes": purposes, "model": model}
    b = _Builder(rel, line, offset, common, record_attrs, limit)

    # retry / duplicate detection
    req_model = req.get("model") if isinstance(req, dict) else None
    req_fp = stable_id(api, _path(url), req_model, to_json([message_fingerprint(m) for m in msgs]), length=32)
    rid = meta.get("request_id")
    prior = sess.requests.get(("rid", str(rid))) if rid not in (None, "") else None
    prior = prior or (sess.requests.get(req_fp) if msgs else None)
    if not cfg.mark_retries:
        prior = None

    # request events, skipping history already emitted in this session
    local = Counter()
    replayed = 0
    n_req = 0
    n_images = 0
    first_tools_done = False

    def tools_once():
        nonlocal first_tools_done
        if first_tools_done or not tools:
            return None
        first_tools_done = True
        return tools

    for m in msgs:
        n_images += m.n_images
        for kind, kw, fp in message_events(m):
            n_req += 1
            local[fp] += 1
            if cfg.dedupe_history and sess.seen[fp] >= local[fp]:
                replayed += 1
                continue
            sess.seen[fp] += 1
            if kind == "tool_result":
                parent = sess.calls.get(kw.get("tool_call_id"))
                if parent:
                    kw["parent_event_id"] = parent[0]
                    kw["tool_name"] = kw.get("tool_name") or parent[1]
            ev = b.add(kind, {"part": "request", "response_not_recorded": unrecorded}, tools=tools_once(), **kw)
            if kind == "tool_call" and kw.get("tool_call_id"):
                sess.calls[kw["tool_call_id"]] = (ev["event_id"], kw.get("tool_name"))

    resp_attrs: dict = {"part": "response", "request_messages": n_req, "replayed_messages": replayed}
    if n_images:
        resp_attrs["images_skipped"] = n_images
    attempt = meta.get("attempt") if isinstance(meta.get("attempt"), int) else None
    if prior is not None:
        prior[1] += 1
        resp_attrs["retry_of"] = prior[0]
        resp_attrs["attempt"] = attempt or prior[1]
        if prior[2] == "error" and not is_error:
            resp_attrs["recovered_retry"] = True
    elif attempt is not None:
        resp_attrs["attempt"] = attempt
    if isinstance(row.get("method"), str):
        resp_attrs["method"] = row["method"]

    if is_error:
        in_body = reply is not None and bool(reply.error)
        err_text = reply.error if in_body else (error_text(resp) if resp is not None else "")
        if not err_text:
            err_text = f"HTTP {status_code}" if status_code else "error"
        resp_attrs["error_type"] = (reply.finish_reason or "in_body_error") if in_body else error_type(resp)
        if reply is not None and reply.stream:
            resp_attrs["stream"] = reply.stream
        b.add("error", resp_attrs, content=err_text, status="error", latency_ms=latency, tools=tools_once())
        outcome_status = "error"
    elif unrecorded is not None:
        outcome_status = "ok"  # request turns only: the reply's bytes were not recorded
    else:
        assert reply is not None
        resp_attrs.update({"finish_reason": reply.finish_reason, "stream": reply.stream,
                           "stream_chunks": reply.stream_chunks, "stream_error": reply.error,
                           "refusal": True if reply.refusal else None})
        first = True
        usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                 "latency_ms": latency}
        if reply.text or not reply.calls:
            ev = b.add("assistant", resp_attrs, content=reply.text or "", status=reply.status,
                       tools=tools_once(), **usage)
            sess.seen[fingerprint("assistant", reply.text)] += 1
            first = False
        for i, (cid, name, args) in enumerate(reply.calls):
            if cid in (None, "") and api == gemini.API:
                # the id the next request's history gives this call (see link_ids): replayed, not re-emitted
                cid = "call_" + stable_id(len(msgs), i, name, fingerprint("a", args=args), length=16)
            cid = str(cid) if cid not in (None, "") else f"call_{stable_id(rel, line, i, length=12)}"
            a = dict(resp_attrs)
            if not args_valid(args):
                a["arguments_valid"] = False
            ev = b.add("tool_call", a, tool_name=name, tool_call_id=cid, tool_arguments=args, status=reply.status,
                       tools=tools_once(), **(usage if first else {}))
            first = False
            sess.seen[fingerprint("tool_call", "", name, cid, args)] += 1
            sess.calls[cid] = (ev["event_id"], name)
        outcome_status = "ok"
    fb, outcome, reward = meta.get("feedback"), meta.get("outcome"), meta.get("reward")
    outcome = outcome if outcome in ("success", "failure") else None
    reward = float(reward) if isinstance(reward, (int, float)) and not isinstance(reward, bool) else None
    if fb is not None or outcome is not None or reward is not None:
        _feedback_event(b, fb, outcome, reward)

    if not b.events:
        if unrecorded is not None:
            raise Quarantine("response_not_recorded:binary", f"{provider} {api}: {unrecorded}, request replayed")
        raise Quarantine("no_events", "record produced no events")
    first_id = b.events[0]["event_id"]
    if prior is None:
        entry = [first_id, attempt or 1, outcome_status]
        if msgs:
            sess.requests[req_fp] = entry
        if rid not in (None, ""):
            sess.requests[("rid", str(rid))] = entry
    else:
        prior[2] = outcome_status
    if reply is not None and reply.response_id:
        links[reply.response_id] = sid
    return b.events


def _path(url: Any) -> str:
    if not isinstance(url, str):
        return ""
    try:
        return urlsplit(url).path[:200]
    except ValueError:
        return url[:200]


def _feedback_event(b: _Builder, fb: Any, outcome: str | None = None, reward: float | None = None) -> None:
    """A ``feedback`` event for the record's reply from ``metadata.feedback`` (``"up"``/``"down"``, a bool, a
    number, or ``{thumbs, rating, comment, edited_response}``) and the session ``outcome`` / ``reward``."""
    target = next((e["event_id"] for e in reversed(b.events) if e["kind"] in ("assistant", "tool_call")), None)
    thumbs = rating = edited = comment = None
    if isinstance(fb, str):
        thumbs = fb.lower() if fb.lower() in ("up", "down", "neutral") else None
        comment = None if thumbs else fb
    elif isinstance(fb, bool):
        thumbs = "up" if fb else "down"
    elif isinstance(fb, (int, float)):
        rating = float(fb)
    elif isinstance(fb, dict):
        t = fb.get("thumbs", fb.get("thumb", fb.get("vote")))
        if isinstance(t, bool):
            thumbs = "up" if t else "down"
        elif isinstance(t, (int, float)):
            thumbs = "up" if t > 0 else ("down" if t < 0 else "neutral")
        elif isinstance(t, str) and t.lower() in ("up", "down", "neutral"):
            thumbs = t.lower()
        r = fb.get("rating", fb.get("score"))
        rating = float(r) if isinstance(r, (int, float)) and not isinstance(r, bool) else None
        e = fb.get("edited_response", fb.get("correction"))
        edited = e if isinstance(e, str) else None
        comment = fb.get("comment") if isinstance(fb.get("comment"), str) else None
    elif fb is not None and outcome is None and reward is None:
        return
    if thumbs is None and rating is None and edited is None and comment is None and outcome is None and reward is None:
        return
    b.add("feedback", {"part": "feedback", "comment": comment}, content=edited, parent_event_id=target,
          feedback_thumbs=thumbs, feedback_rating=rating, outcome=outcome, reward=reward, status="ok")
