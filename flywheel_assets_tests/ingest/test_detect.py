"""Automatic detection: every fixture / real file of the chatlog, transcript, applog, oasst and toolbench families
is detected as its own format, and those five sniffers stay quiet on each other's files and on other real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from flywheel_assets.ingest import applog, chatlog, oasst, toolbench, transcripts
from flywheel_assets.ingest.pipeline import detect_format
from flywheel_assets.ingest.source import SourceFile
from flywheel_assets_tests.ingest.parser_helpers import FIXTURES, gzip_copy

MINE = (chatlog, transcripts, applog, oasst, toolbench)
FIXTURE_FORMATS = {
    "chatlog_basic.jsonl": "chatlog",
    "transcripts_basic.txt": "transcript",
    "transcripts_blank_separated.txt": "transcript",
    "applog_basic.log": "applog",
}
REAL = {
    "oasst_feedback/en_100_tree.jsonl": "oasst",
    "tau_bench_demos/MockAirlineDomainEnv-few_shot.jsonl": "transcript",
    "tau_bench_demos/MockRetailDomainEnv-few_shot.jsonl": "transcript",
}


def _scores(path: Path, rel: str) -> dict[str, float]:
    head = SourceFile(path, rel).head().decode("utf-8", "replace")
    return {m.FORMAT: float(m.sniff(head, rel)) for m in MINE}


def _check(path: Path, rel: str, fmt: str) -> None:
    assert detect_format(SourceFile(path, rel)) == fmt, rel
    scores = _scores(path, rel)
    others = {k: v for k, v in scores.items() if k != fmt}
    assert scores[fmt] >= 0.5 and all(v < 0.3 for v in others.values()), (rel, scores)


@pytest.mark.parametrize("name", sorted(FIXTURE_FORMATS))
def test_fixtures_detected(name, tmp_path):
    _check(FIXTURES / name, name, FIXTURE_FORMATS[name])
    gz = gzip_copy(FIXTURES / name, tmp_path / (name + ".gz"))
    _check(gz, gz.name, FIXTURE_FORMATS[name])


def test_real_files_detected(realdata):
    for rel, fmt in REAL.items():
        _check(realdata / rel, rel, fmt)
    tb = realdata / "toolbench_trees"
    files = sorted(tb.rglob("*.json"))
    assert len(files) == 20
    for p in files:
        _check(p, str(p.relative_to(realdata)), "toolbench")


def test_quiet_on_other_real_data(realdata):
    """API-call recordings, Langfuse/OTel traces and the PII corpus belong to other parsers (or none)."""
    others = [realdata / "openllmetry_calls" / "interactions.jsonl", realdata / "presidio_dev" / "generated_large.json"]
    others += sorted((realdata / "langfuse_framework_traces").glob("*.json"))
    assert len(others) > 10
    for p in others:
        scores = _scores(p, str(p.relative_to(realdata)))
        assert all(v < 0.3 for v in scores.values()), (p.name, scores)


def test_empty_and_binary_files_not_claimed(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "bin.log").write_bytes(bytes(range(256)) * 10)
    for name in ("empty.jsonl", "bin.log"):
        assert all(v < 0.3 for v in _scores(tmp_path / name, name).values())


def test_quiet_on_other_parsers_fixtures():
    mine = ("chatlog_", "transcripts_", "applog_", "oasst_", "toolbench_")
    others = [p for p in sorted(FIXTURES.rglob("*")) if p.is_file() and not p.name.startswith(mine)
              and p.suffix in (".json", ".jsonl", ".log", ".txt", ".gz", ".ndjson")]
    for p in others:
        scores = _scores(p, p.name)
        assert all(v < 0.3 for v in scores.values()), (p.name, scores)


def test_whole_real_folders_auto_detected(realdata, ingest_ctx):
    """Every file of the three folders goes through ingest_paths with detection; only the LICENSE texts (no log
    format) are quarantined, and they are counted, not dropped."""
    from flywheel_assets.ingest.pipeline import ingest_paths

    want = {"oasst_feedback": ("oasst", 100), "tau_bench_demos": ("transcript", 88), "toolbench_trees": ("toolbench", 27)}
    for folder, (fmt, n_records) in want.items():
        res = ingest_paths(realdata / folder, ingest_ctx)
        assert res.reconciles()
        by_file = {s.source_file: s for s in res.files}
        assert by_file["LICENSE"].source_format is None and by_file["LICENSE"].records_quarantined == 1
        data = [s for name, s in by_file.items() if name != "LICENSE"]
        assert {s.source_format for s in data} == {fmt}
        assert sum(s.records_accepted for s in data) == n_records
        assert res.quarantined["reason"].to_list() == ["unknown_format"]
