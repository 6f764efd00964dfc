"""Ingest of tracing spans: OTLP JSON (OpenTelemetry GenAI semconv) and Langfuse trace exports.

Records (what one :class:`Outcome` stands for):

* **OTLP JSONL** (collector ``file`` exporter): one ``ExportTraceServiceRequest`` per line = one record; the
  record's events may span several traces (each trace is its own session unless a session id says otherwise).
  A trace whose spans continue on later lines (batches) keeps ONE conversation: each line emits the messages it
  adds; ``seq`` counts across the file.
* **OTLP JSON document** (one ``{"resourceSpans": [...]}`` object, possibly pretty-printed): one record per
  trace id, numbered 1.. in order of first appearance (``source_line`` = that index, ``source_offset`` = 0).
* **Langfuse export** ``{"trace": {...}, "observations": [...]}``: one record per trace (a JSON list of such
  exports, or JSONL of them, gives one record per element / line).

Both families go through the same model (:mod:`flywheel_assets.ingest.spans_merge`): a trace is a list of
*observations* (spans) each with input messages, output messages, timing, model and usage. Every GENERATION (LLM
call) repeats the conversation history in its input, so the observations' messages are merged into ONE ordered
conversation per trace (``merge_observations``): each distinct message is emitted once, in conversation order
(``seq``), and its event ``attributes`` record the message id within the trace (``msg``) and every place it
appeared (``observations: [[obs_id, "input"|"output", position], ...]``). ``observation_conversations`` rebuilds the
per-observation ChatML from events (used to check ourselves against Langfuse's own derivation).

Events: system/user/assistant messages -> one event each (an assistant message that only calls tools has no
``assistant`` event); each tool call -> ``tool_call``; a tool message -> ``tool_result`` (``parent_event_id`` ->
its call); an errored span -> ``error``; Langfuse trace scores -> ``feedback``. Timestamps are made
non-decreasing in ``seq`` order so that ordering by (timestamp, seq) keeps conversation order.

Quarantine reasons: ``invalid_json``, ``json_too_deep``, ``invalid_utf8``, ``nul_bytes``, ``not_spans``
(JSON that is neither OTLP nor a Langfuse export), ``no_genai_spans`` (spans without any ``gen_ai.*`` /
OpenInference LLM attribute; an export without generation/tool observations), ``no_chat_content`` (GenAI spans
that carry no message, no tool call and no error), plus the source reader's ``record_too_large`` /
``corrupt_compression``.
"""

from __future__ import annotations

from typing import Iterator

from flywheel_assets.ingest import spans_langfuse, spans_otlp
from flywheel_assets.ingest.source import Outcome, Quarantine, decode, loads

FORMAT = "otlp"
FORMATS = ("langfuse",)

# ----------------------------------------------------------------------------------------------- detection
def sniff(head: str, rel: str) -> float:
    """High for OTLP ``resourceSpans`` JSON/JSONL and Langfuse ``{"trace":..., "observations": [...]}``."""
    h = head[:65536]
    if '"resourceSpans"' in h or '"resource_spans"' in h:
        return 0.95
    if '"observations"' in h and ('"trace"' in h or '"traceId"' in h):
        return 0.9
    if rel.endswith((".trace.json", ".otlp.json", ".otlp.jsonl")) and '"spans"' in h:
        return 0.5
    return 0.0


# ----------------------------------------------------------------------------------------------- parse
def parse(src, ctx) -> Iterator[Outcome]:
    """One Outcome per record (see module docstring). Never raises on content."""
    data, err = src.read_all()
    if err:
        yield Outcome.bad(1, 0, err.split(":")[0], err, data)
        return
    try:
        text = decode(data)
    except Quarantine as q:
        yield Outcome.bad(1, 0, q.reason, q.detail, data)
        return
    if not text.strip():
        yield Outcome.bad(1, 0, "empty_file", "no content", data)
        return
    try:
        doc = loads(text)
        whole = True
    except Quarantine as q:
        doc, whole, whole_q = None, False, q
    if whole:
        if isinstance(doc, dict) and ("resourceSpans" in doc or "resource_spans" in doc):
            yield from spans_otlp.parse_document(doc, src.rel, ctx, data)
            return
        items = doc if isinstance(doc, list) else [doc]
        if not items:
            yield Outcome.bad(1, 0, "not_spans", "empty JSON array", data)
            return
        for i, item in enumerate(items, start=1):
            yield _one_langfuse(item, src.rel, i, 0, ctx, data if len(items) == 1 else b"")
        return
    # not one JSON document: JSONL (one record per non-blank line)
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    try:
        loads(first)
        jsonl = len([ln for ln in lines if ln.strip()]) > 1
    except Quarantine:
        jsonl = False
    if not jsonl:  # one (broken, e.g. truncated) document, not JSON lines: one record
        yield Outcome.bad(1, 0, whole_q.reason, whole_q.detail, data)
        return
    offset = 0
    otlp_state: dict = {}  # traces split over several lines (collector batches) merge into one conversation
    for line_no, line in enumerate(lines, start=1):
        raw = line.encode("utf-8", "surrogatepass")
        start = offset
        offset += len(raw) + 1
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except Quarantine as q:
            yield Outcome.bad(line_no, start, q.reason, q.detail, raw)
            continue
        if isinstance(obj, dict) and ("resourceSpans" in obj or "resource_spans" in obj):
            yield spans_otlp.parse_request(obj, src.rel, line_no, start, ctx, raw, otlp_state)
        else:
            yield _one_langfuse(obj, src.rel, line_no, start, ctx, raw)


def _one_langfuse(item, rel, line, offset, ctx, raw) -> Outcome:
    if not (isinstance(item, dict) and isinstance(item.get("trace"), dict)
            and isinstance(item.get("observations", []), list)):
        return Outcome.bad(line, offset, "not_spans", "neither OTLP resourceSpans nor a Langfuse trace export",
                           raw)
    try:
        events = spans_langfuse.trace_events(item, rel, line, offset, ctx)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return Outcome.bad(line, offset, "invalid_structure", f"{type(exc).__name__}: {exc}"[:300], raw)
    if not events:
        n_gen = sum(1 for o in item.get("observations") or []
                    if isinstance(o, dict) and str(o.get("type") or "").upper() in ("GENERATION", "TOOL"))
        if n_gen:
            return Outcome.bad(line, offset, "no_chat_content", f"{n_gen} generation/tool observations, no messages",
                               raw)
        return Outcome.bad(line, offset, "no_genai_spans", "trace has no generation or tool observation", raw)
    return Outcome(line=line, offset=offset, events=events)
