"""`flywheel pii scan`: JSONL field scan (one output row per input row, in order) and file/dir reports."""

from __future__ import annotations

import json

from flywheel_assets.privacy.audit import cli_main, scan_jsonl, scan_path
from flywheel_assets.privacy.config import PrivacyConfig


def test_scan_jsonl_rows_in_order_with_errors(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [
        json.dumps({"text": "Hi, this is Ana Lopez: ana.lopez@example.com or +1 415-555-0199."}),
        "this line is not json",
        json.dumps({"other": "no text field"}),
        json.dumps({"text": "INFO 2024-05-01T10:00:00Z request ok latency_ms=120"}),
        json.dumps({"text": "key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 leaked"}),
    ]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = scan_jsonl(src, "text", out, PrivacyConfig())
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(got) == 5 and res["rows"] == 5 and res["errors"] == 2
    first = got[0]
    assert first["redacted"] == "Hi, this is <PERSON_1>: <EMAIL_1> or <PHONE_1>."
    text0 = json.loads(rows[0])["text"]
    assert [text0[s["start"]:s["end"]] for s in first["spans"]] == ["Ana Lopez", "ana.lopez@example.com",
                                                                    "+1 415-555-0199"]
    assert all(set(s) == {"start", "end", "entity_type", "score"} for s in first["spans"])
    assert got[1] == {"spans": [], "redacted": None, "error": "invalid_json"}
    assert got[2]["error"] == "missing_field:text"
    assert got[3]["spans"] == [] and got[3]["redacted"] == json.loads(rows[3])["text"]
    assert got[4]["redacted"] == "key <SECRET_1> leaked"


def test_scan_path_report_and_cli(tmp_path, capsys):
    d = tmp_path / "logs"
    d.mkdir()
    (d / "a.jsonl").write_text(json.dumps({"msg": {"body": "mail bob.stone@example.org"}}) + "\n", encoding="utf-8")
    (d / "b.log").write_text("user 10.1.2.3 login failed\nall good\n", encoding="utf-8")
    rep = scan_path(d, PrivacyConfig(presidio_ner=False))
    assert rep["summary"]["files"] == 2 and rep["summary"]["by_type"] == {"EMAIL_ADDRESS": 1, "IP_ADDRESS": 1}
    assert "bob.stone" not in json.dumps(rep) and "10.1.2.3" not in json.dumps(rep)
    assert rep["examples"]["EMAIL_ADDRESS"] == ["mail <EMAIL_1>"]
    out = tmp_path / "o.jsonl"
    assert cli_main(["scan", str(d / "a.jsonl"), "--field", "msg.body", "--out", str(out), "--no-ner"]) == 0
    assert json.loads(out.read_text())["redacted"] == "mail <EMAIL_1>"
    assert cli_main(["scan", str(d), "--no-ner"]) == 0
    assert "EMAIL_ADDRESS" in capsys.readouterr().out
