"""Shared helpers: run the pipeline quietly, the shared reference runs, and table / file dumps for comparison.

``reference_runs()`` runs the whole pipeline three times over one small drop that holds planted PII, raw user ids
and a few malformed records over two event dates (a and b with key-one, c with key-two). It is cached per process, so the determinism
and isolation tests share three full runs instead of six. Run a uses a persistent Dagster instance (DAGSTER_HOME
in a temp dir) and captures echo + Python logging, so its event log and logs can be scanned.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path

import polars as pl

from .corpus import DAY, _write, line, tool_record, valid_lines, valid_record

DAY2 = "2026-11-19"  # the reference drop spans two event dates

LEDGER_TABLES = ("source_files", "partition_state", "run_state", "forget_log")
LEDGER_CLOCK_COLUMNS = ("first_seen", "status_at", "ingested_at", "done_at", "forgotten_at")
RAW_ZONE = ("normalized_events", "quarantined_records", "training_units", "raw_events", "raw_quarantine")
FAST_CONFIG = "privacy:\n  presidio_ner: false\n"  # spaCy NER off: keeps the suite fast (rules + secrets still run)

KEY_ONE = "iso-test-key-7Qm2vX9pL0aZ"  # must never be written anywhere
KEY_TWO = "other-key-Hq83ZsW1"
# planted values: rule-detectable PII and secrets (canaries = values unique to these tests)
PII = {
    "email": "zebulon.quarrington@example.org",
    "email2": "canary.mailbox.4471@fabrikam-mail.com",
    "phone": "(415) 867-5309",
    "phone2": "+1 212 555 0199",
    "card": "4539 1488 0343 6467",
    "ssn": "536-22-8871",
    "api_key": "sk-CANARYa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7",
    "aws_key": "AKIAQ7CANARY4EXAMPLE",
    "ip": "203.0.113.77",
}
RAW_USER_IDS = ["alice.raw-userid-4242", "bob.raw-userid-9191"]


def fast_config(db) -> Path:
    d = Path(db).parent
    p = d.with_name(d.name + "_cfg") / "flywheel_test.yaml"  # not inside the warehouse dir (permission checks)
    p.parent.mkdir(parents=True, exist_ok=True)
    if not p.exists():
        p.write_text(FAST_CONFIG)
    return p


def run(logs, db, out, key: str, monkeypatch, **kw):
    from flywheel_assets.runner import run_pipeline

    monkeypatch.setenv("FLYWHEEL_PII_KEY", key)
    kw.setdefault("config_path", fast_config(db))
    kw.setdefault("echo", lambda *_a, **_k: None)
    return run_pipeline(logs, warehouse=db, out_dir=out, **kw)


def only_check_failures(summary) -> bool:
    """Failed partitions are explained by failed (blocking) asset checks, not by a crash."""
    return all(any(c.startswith(f"{p}:") for c in summary.checks_failed) or (p == "global" and summary.checks_failed)
               for p in summary.failed)


def pii_drop(root: Path) -> None:
    """Valid chat logs + planted PII in prose, tool arguments and a JSON tool result + a truncated record holding
    PII (quarantined) + a zone-less timestamp + a repeated session; two files."""
    p = PII
    recs = valid_lines(0, 4)
    recs.append(line(valid_record(
        10, session="pii-1", user=RAW_USER_IDS[0],
        question=f"Hi, I'm locked out. Email me at {p['email']} or call {p['phone']}. My SSN is {p['ssn']}.",
        answer="I can help with that. I have sent a reset link to your email address.")))
    recs.append(line(valid_record(
        11, session="pii-2", user=RAW_USER_IDS[1],
        question=f"Charge card {p['card']} please, and my backup number is {p['phone2']}",
        answer="Done, the payment went through.")))
    recs.append(line(valid_record(
        12, session="pii-3", user=RAW_USER_IDS[0],
        question=f"Our deploy key {p['api_key']} and {p['aws_key']} leaked from host {p['ip']}, rotate them",
        answer="Rotating the credentials now.")))
    tr = tool_record(13, json.dumps({"customer": {"email": p["email2"], "phone": p["phone"],
                                                  "last_login_ip": p["ip"]}, "status": "shipped"}),
                     args={"lookup_email": p["email2"], "note": f"card on file {p['card']}"})
    tr["metadata"]["user_id"] = RAW_USER_IDS[1]
    recs.append(line(tr))
    recs.append(f'{{"messages": [{{"role": "user", "content": "broken {p["email"]}'.encode())  # quarantined
    recs.append(line(valid_record(14, session="s-shared", ts=f"{DAY}T10:20:00")))  # zone-less
    recs.append(line(valid_record(15, session="s-shared")))
    named = valid_record(16)
    named["messages"][1]["name"] = "Jane Roe"
    recs.append(line(named))
    _write(root, f"{DAY}/chat.jsonl", recs + valid_lines(20, 3))
    _write(root, f"{DAY}/more.jsonl", valid_lines(30, 4, user="user-b"))
    # a second event date (multi-day drop): one file whose records fall on the next day, one spanning both
    _write(root, f"{DAY2}/next.jsonl", [line(valid_record(40 + i, ts=f"{DAY2}T09:{i:02d}:00Z")) for i in range(4)])
    _write(root, "late/both.jsonl", [line(valid_record(50, ts=f"{DAY}T23:50:00Z")),
                                     line(valid_record(51, ts=f"{DAY2}T00:10:00Z"))])


@functools.lru_cache(maxsize=1)
def reference_runs() -> dict:
    base = Path(tempfile.mkdtemp(prefix="flywheel-reliability-"))
    atexit.register(shutil.rmtree, base, True)
    logs = base / "logs"
    pii_drop(logs)
    import pytest

    echoed: list[str] = []
    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record):
            try:
                records.append(record.getMessage())
            except Exception:  # noqa: BLE001
                records.append(str(record.msg))

    out: dict = {"logs": logs, "base": base}
    for name, key in (("a", KEY_ONE), ("b", KEY_ONE), ("c", KEY_TWO)):
        d = base / name
        db, exp, home = d / "wh" / "w.duckdb", d / "out", d / "dagster_home"
        with pytest.MonkeyPatch.context() as mp:
            kw = {}
            h = None
            if name == "a":
                home.mkdir(parents=True)
                (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
                mp.setenv("DAGSTER_HOME", str(home))
                h = _Collect(level=logging.DEBUG)
                logging.getLogger().addHandler(h)
                kw["echo"] = lambda *a, **_k: echoed.append(" ".join(map(str, a)))
            else:
                mp.delenv("DAGSTER_HOME", raising=False)
            try:
                summary = run(logs, db, exp, key, mp, **kw)
                events = []
                if name == "a":
                    import dagster as dg

                    instance = dg.DagsterInstance.get()
                    for r in instance.get_runs():
                        events.extend(repr(rec) for rec in instance.all_logs(r.run_id))
                    instance.dispose()
            finally:
                if h is not None:
                    logging.getLogger().removeHandler(h)
        out[name] = {"dir": d, "db": db, "out": exp, "home": home, "summary": summary, "key": key,
                     "events": events}
    out["a"]["echo"] = echoed
    out["a"]["log_records"] = records
    return out


def tables(db) -> list[str]:
    from flywheel_assets import warehouse

    df = warehouse.query(db, "SELECT table_name FROM information_schema.tables ORDER BY 1")
    return df["table_name"].to_list() if df.height else []


def dump(db) -> dict[str, pl.DataFrame]:
    """Every table, rows sorted by all columns (as text) so physical order does not matter."""
    from flywheel_assets import warehouse

    out = {}
    for t in tables(db):
        df = warehouse.read_table(db, t)
        # the raw-zone ledger notes when a file was seen / a day was run: wall-clock bookkeeping, not data
        df = df.drop([c for c in LEDGER_CLOCK_COLUMNS if c in df.columns and t in LEDGER_TABLES])
        if df.height:
            key = df.select(pl.all().map_elements(repr, return_dtype=pl.Utf8))
            kcols = [f"_k_{c}" for c in key.columns]
            df = pl.concat([df, key.rename(dict(zip(key.columns, kcols)))], how="horizontal").sort(kcols).drop(kcols)
        out[t] = df
    return out


def file_hashes(root) -> dict[str, str]:
    root = Path(root)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
