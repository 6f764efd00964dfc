"""Issue 15.6 - nothing to process is not a crash: a drop whose every record is quarantined runs to the end, exits 0
(warnings only) and says what happened; every asset and the run summary handle the empty frames."""

from __future__ import annotations

from .corpus import DAY, _write
from ._pipeline import KEY_ONE, run


def test_all_quarantined_drop_ends_cleanly(tmp_path, monkeypatch):
    logs = tmp_path / "logs"
    _write(logs, f"{DAY}/broken.jsonl", [b'{"messages": [{"role": "user", "content": "cut off', b"not json at all",
                                          b'{"unclosed": [1, 2'])
    _write(logs, f"{DAY}/binary.jsonl", [b"\x00\x01\x02 binary garbage \xff\xfe"])
    echoed: list[str] = []
    s = run(logs, tmp_path / "wh" / "w.duckdb", tmp_path / "out", KEY_ONE, monkeypatch,
            echo=lambda *a, **_k: echoed.append(" ".join(map(str, a))))
    text = "\n".join(echoed)
    assert s.ok and s.exit_code == 0, (s.failed, s.checks_failed, text)
    assert not s.failed and not s.checks_failed
    assert s.counts["normalized_events"] == 0 and s.counts["quarantined_records"] >= 2
    assert s.counts["sft_dataset"] == 0 and s.counts["dpo_dataset"] == 0
    assert "curated_kept" not in s.counts  # the placeholder table has no curation columns: skipped, not a crash
    assert "nothing to process: every one of the" in text and "quarantined_records" in text
    assert all(not m.startswith("FAIL") for m in s.messages), s.messages
    assert (tmp_path / "out" / "manifest.json").exists()
