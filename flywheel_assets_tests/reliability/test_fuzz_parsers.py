"""Issue 8.2 - property-based fuzzing of every parser in ingest.pipeline.PARSER_MODULES.

For arbitrary bytes, arbitrary JSON values (one per line) and JSON-shaped records with random field types:
``parse`` never raises, yields at most one Outcome per record (distinct record lines), every Outcome has events
xor a reason, events carry their record's lineage and build a valid EVENT_SCHEMA frame with unique ids, and the
driver (ingest_file) reconciles. Line-oriented JSON parsers yield exactly one Outcome per non-blank line.
"""

from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import PARSER_MODULES, ingest_file
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets.schema import EVENT_SCHEMA, events_frame

MODULES = []
for _name in PARSER_MODULES:
    try:
        MODULES.append(importlib.import_module(f"flywheel_assets.ingest.{_name}"))
    except ModuleNotFoundError:  # parser not written yet: nothing to fuzz
        pass

# parsers whose record is one JSONL line (for JSON-lines input: exactly one Outcome per non-blank line)
LINE_JSON = {"chatlog", "api_records", "oasst", "comparison"}
CTX = IngestContext(key=b"fuzz-key")
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_TMP = Path(tempfile.mkdtemp(prefix="flywheel-fuzz-"))

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda ch: st.one_of(st.lists(ch, max_size=4),
                                                              st.dictionaries(st.text(max_size=8), ch, max_size=4)),
                           max_leaves=10)
FIELDS = ["messages", "conversations", "role", "content", "tool_calls", "function", "name", "arguments",
          "metadata", "session_id", "user_id", "timestamp", "request", "response", "request_body",
          "response_body", "status", "uri", "resourceSpans", "scopeSpans", "spans", "attributes", "trace",
          "observations", "message_tree_id", "prompt", "replies", "text", "emojis", "answer_generation",
          "train_messages", "query", "messages_display", "choices", "tools", "feedback", "model", "input", "output",
          "chosen", "rejected", "response_a", "response_b", "responses", "choice", "contents", "candidates", "parts"]
ROLES = st.sampled_from(["system", "user", "assistant", "tool", "function", "prompter", "human", "gpt", 7, None])


def _msg():
    return st.fixed_dictionaries({"role": ROLES}, optional={
        "content": st.one_of(json_scalars, st.lists(st.dictionaries(st.sampled_from(["type", "text"]),
                                                                    json_scalars, max_size=2), max_size=2)),
        "tool_calls": st.one_of(json_scalars, st.lists(st.fixed_dictionaries(
            {"id": json_scalars, "function": st.dictionaries(st.sampled_from(["name", "arguments"]), json_scalars,
                                                             max_size=2)}), max_size=2)),
        "tool_call_id": json_scalars, "name": json_scalars, "from": json_scalars, "value": json_scalars})


small_values = st.recursive(json_scalars, lambda ch: st.one_of(st.lists(ch, max_size=3),
                                                               st.dictionaries(st.sampled_from(FIELDS), ch,
                                                                               max_size=3)), max_leaves=5)
shaped_records = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(small_values, st.lists(_msg(), max_size=3),
              st.dictionaries(st.sampled_from(FIELDS), st.one_of(small_values, st.lists(_msg(), max_size=2)),
                              max_size=3)),
    max_size=5)


def _write(data: bytes, suffix: str = ".jsonl") -> SourceFile:
    p = _TMP / f"drop{suffix}"
    p.write_bytes(data)
    return SourceFile(p, f"2026-11-18/drop{suffix}")


def _check(mod, src: SourceFile, n_lines: int | None = None) -> None:
    outcomes = list(mod.parse(src, CTX))  # must not raise
    lines = [o.line for o in outcomes]
    assert len(lines) == len(set(lines)), f"{mod.FORMAT}: two Outcomes for one record {lines}"
    rows = []
    for o in outcomes:
        assert (o.reason is None) or not o.events, "an Outcome is events xor a quarantine reason"
        assert o.reason is None or (isinstance(o.reason, str) and o.reason)
        for e in o.events:
            assert set(e) == set(EVENT_SCHEMA)
            assert e["source_file"] == src.rel and e["source_line"] == o.line
            assert e["source_format"] in (mod.FORMAT, *getattr(mod, "FORMATS", ()))
        rows.extend(o.events)
    df = events_frame(rows)  # validates dtypes
    assert df["event_id"].n_unique() == df.height
    for v in df["tool_arguments"].drop_nulls().to_list() + df["tools"].drop_nulls().to_list():
        json.loads(v)  # JSON columns hold valid JSON
    if n_lines is not None and mod.FORMAT in LINE_JSON and n_lines > 0:
        assert len(outcomes) == n_lines, f"{mod.FORMAT}: {len(outcomes)} Outcomes for {n_lines} records"
    # the driver with this format forced: reconciles, never raises
    events, bad, stats = ingest_file(src, CTX, fmt=mod.FORMAT)
    assert stats.records_in == stats.records_accepted + stats.records_quarantined
    assert not [b for b in bad if b["reason"] == "parser_error"], [b["detail"] for b in bad]


PARAMS = [pytest.param(m, id=m.FORMAT) for m in MODULES]


@pytest.mark.parametrize("mod", PARAMS)
@SETTINGS
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(mod, data):
    _check(mod, _write(data))


@pytest.mark.parametrize("mod", PARAMS)
@SETTINGS
@given(values=st.lists(json_values, min_size=1, max_size=5), gz=st.booleans())
def test_arbitrary_json_lines(mod, values, gz):
    lines = [json.dumps(v) for v in values]
    data = ("\n".join(lines) + "\n").encode()
    if gz:
        import gzip

        data = gzip.compress(data, mtime=0)
    _check(mod, _write(data, ".jsonl.gz" if gz else ".jsonl"), n_lines=len(lines))


@pytest.mark.parametrize("mod", PARAMS)
@settings(SETTINGS, max_examples=40)
@given(records=st.lists(shaped_records, min_size=1, max_size=4), as_document=st.booleans())
def test_json_shaped_records(mod, records, as_document):
    if as_document:  # one JSON document (spans / toolbench style)
        data = json.dumps(records[0] if len(records) == 1 else records).encode()
        _check(mod, _write(data, ".json"))
    else:
        data = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
        _check(mod, _write(data), n_lines=len(records))


def test_every_parser_module_is_fuzzed():
    assert {m.FORMAT for m in MODULES} >= {"chatlog"}
    assert len(MODULES) == len(PARSER_MODULES), "a parser module failed to import"


# ------------------------------------------------------------------------------------ sniffers and deep nesting
@pytest.mark.parametrize("mod", PARAMS)
@settings(SETTINGS, max_examples=40)
@given(head=st.one_of(st.text(max_size=300), st.lists(json_values, min_size=1, max_size=4).map(
    lambda vs: "\n".join(json.dumps(v) for v in vs))), rel=st.sampled_from(["a.jsonl", "x/trace.json", "app.log"]))
def test_sniff_never_raises(mod, head, rel):
    score = float(mod.sniff(head, rel))
    assert 0.0 <= score <= 1.0


DEEP = "[" * 5000 + "]" * 5000
DEEP_STR = json.dumps(DEEP)  # the same nesting hidden inside a JSON string value
DEEP_DOCS = {
    "deep_line": DEEP,
    "deep_in_messages": '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", '
                        '"tool_calls": [{"id": "c", "function": {"name": "f", "arguments": ' + DEEP_STR + '}}]}]}',
    "deep_request_body": '{"request_body": ' + DEEP_STR + ', "response_body": ' + DEEP_STR + ', "status": 200, '
                         '"uri": "https://api.openai.com/v1/chat/completions", "method": "POST"}',
    "deep_tool_result": '{"messages": [{"role": "tool", "tool_call_id": "c", "content": ' + DEEP_STR + '}]}',
}


DEEP_PARAMS = [pytest.param(m, case, id=f"{m.FORMAT}-{case}") for m in MODULES for case in sorted(DEEP_DOCS)]


@pytest.mark.parametrize(("mod", "case"), DEEP_PARAMS)
def test_deep_nesting_never_crashes(mod, case):
    """Nesting depth 5000 as a line, and hidden inside JSON-string fields parsers decode a second time
    (tool arguments, HTTP bodies, tool results): no exception escapes parse or sniff, no parser_error."""
    text = DEEP_DOCS[case]
    src = _write((text + "\n").encode())
    score = float(mod.sniff(text, src.rel))  # a sniffer must not raise either
    assert 0.0 <= score <= 1.0
    outcomes = list(mod.parse(src, CTX))
    assert outcomes, "the record disappeared"
    bad = [o.detail for o in outcomes if o.reason == "parser_error"]
    assert not bad, bad
    events_frame([e for o in outcomes for e in o.events])
