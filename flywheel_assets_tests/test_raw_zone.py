"""The raw-zone ledger without Dagster: parse once, a day from every source, appends, name clashes, forget."""

import json
from datetime import date

from flywheel_assets import raw_zone, warehouse
from flywheel_assets.forget import forget
from flywheel_assets.ingest.context import IngestContext

from .defs._landing import chat_line, write_day

CTX = IngestContext(key=b"k")
D18, D19 = date(2026, 11, 18), date(2026, 11, 19)


def _register(db, root, origin="cli"):
    return raw_zone.register_drop(db, root, CTX, origin=origin, index_path=db.with_name("idx.json"))


def test_a_day_keeps_every_source_and_files_are_parsed_once(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    a, b = tmp_path / "drop_a", tmp_path / "landing"
    write_day(a, "2026-11-18", n=3)
    infos, reg = _register(db, a)
    assert reg.new_files == ["2026-11-18/chatlog_a.jsonl"] and infos[0].dates == ["2026-11-18"]
    first, _ = raw_zone.day_records(db, D18)
    assert first.height == 3 * 4
    # a second drop from elsewhere adds a file for the same day; drop_a is gone (archived): the day keeps both
    write_day(b, "2026-11-18", n=2, name="late.jsonl")
    for p in a.rglob("*.jsonl"):
        p.unlink()
    parsed = []
    monkeypatch.setattr(raw_zone, "ingest_file", lambda *x, **k: parsed.append(x[0].rel) or _orig(*x, **k))
    _, reg = _register(db, b, origin="landing")
    assert parsed == ["2026-11-18/late.jsonl"]
    ev, _ = raw_zone.day_records(db, D18)
    assert ev.height == first.height + 2 * 4
    assert set(ev["source_file"]) == {"2026-11-18/chatlog_a.jsonl", "2026-11-18/late.jsonl"}
    # scanning the same files again parses nothing
    parsed.clear()
    _, reg = _register(db, b, origin="landing")
    assert parsed == [] and reg.new_files == []
    src = raw_zone.sources(db)
    assert sorted(src["origin"]) == ["cli", "landing"]


from flywheel_assets.ingest.pipeline import ingest_file as _orig  # noqa: E402


def test_appended_file_supersedes_and_same_name_elsewhere_is_a_new_source(tmp_path):
    db = tmp_path / "w.duckdb"
    root = tmp_path / "landing"
    p = write_day(root, "2026-11-18", n=2)
    _register(db, root)
    p.write_text(p.read_text() + chat_line("late-1", "2026-11-19T09:00:00Z", "q?", "a.") + "\n")
    _, reg = _register(db, root)
    assert reg.superseded == ["2026-11-18/chatlog_a.jsonl"]
    ev18, _ = raw_zone.day_records(db, D18)
    ev19, _ = raw_zone.day_records(db, D19)
    assert ev18.height == 2 * 4 and ev19.height == 3  # the old version's rows are not counted twice
    assert ev18["event_id"].n_unique() == ev18.height
    # another drop with the same relative path but different content: a separate source, distinct lineage name
    other = tmp_path / "other"
    write_day(other, "2026-11-18", n=1)
    (other / "2026-11-18" / "chatlog_a.jsonl").write_text(chat_line("o-1", "2026-11-18T11:00:00Z", "x?", "y.") + "\n")
    _register(db, other)
    ev18, _ = raw_zone.day_records(db, D18)
    assert ev18.height == 2 * 4 + 3 and ev18["event_id"].n_unique() == ev18.height
    names = set(ev18["source_file"])
    assert "2026-11-18/chatlog_a.jsonl" in names and any(n.startswith("2026-11-18/chatlog_a.jsonl#") for n in names)


def test_forget_file_session_and_before_stay_forgotten(tmp_path):
    db = tmp_path / "w.duckdb"
    root = tmp_path / "landing"
    write_day(root, "2026-11-18", n=3)
    write_day(root, "2026-11-19", n=2, name="b.jsonl")
    _register(db, root)
    raw_zone.record_ingest(db, D18, "fp", 12, 0, 1)
    res = forget(db, "session", "2026-11-18-s1", reason="deletion request #1")
    assert res.removed_by_day == {"2026-11-18": 4}
    assert raw_zone.partition_states(db)["2026-11-18"]["events"] == 8  # the no-shrink floor follows the forget
    ev, _ = raw_zone.day_records(db, D18)
    assert "2026-11-18-s1" not in set(ev["session_id"]) and ev.height == 8
    res = forget(db, "file", "2026-11-19/b.jsonl")
    assert res.files == ["2026-11-19/b.jsonl"] and res.rows_removed == 8
    assert raw_zone.day_records(db, D19)[0].height == 0
    # the forgotten file turns up again (and under another name): not re-ingested
    (root / "2026-11-19" / "copy.jsonl").write_bytes((root / "2026-11-19" / "b.jsonl").read_bytes())
    infos, reg = _register(db, root)
    assert raw_zone.day_records(db, D19)[0].height == 0 and reg.new_files == []
    assert "2026-11-19/copy.jsonl" in reg.forgotten_seen
    # a new file holding the forgotten session: the session stays out; retention cut-off applies to later files
    forget(db, "before", "2026-11-18", reason="retention 1y")
    (root / "new.jsonl").write_text(chat_line("2026-11-18-s1", "2026-11-18T12:00:00Z", "again?", "yes.") + "\n"
                                    + chat_line("old", "2026-11-17T12:00:00Z", "old?", "old.") + "\n"
                                    + chat_line("ok", "2026-11-18T13:00:00Z", "fine?", "fine.") + "\n")
    _register(db, root)
    ev, _ = raw_zone.day_records(db, D18)
    assert "2026-11-18-s1" not in set(ev["session_id"]) and "ok" in set(ev["session_id"])
    assert raw_zone.day_records(db, date(2026, 11, 17))[0].height == 0
    log = warehouse.read_table(db, "forget_log", order_by="forgotten_at")
    assert log["scope"].to_list() == ["session", "file", "before"]
    assert json.loads(log["days"][0]) == {"2026-11-18": 4}


def test_fingerprint_changes_with_sources_and_config_not_with_paths(tmp_path):
    from flywheel_assets.config import FlywheelConfig

    db = tmp_path / "w.duckdb"
    root = tmp_path / "landing"
    write_day(root, "2026-11-18", n=2)
    _register(db, root)
    cfg = FlywheelConfig()
    salt = raw_zone.run_salt(cfg, b"k")
    fp1 = raw_zone.fingerprints(db, salt)
    cfg.paths.logs_dir = "/elsewhere"
    assert raw_zone.run_salt(cfg, b"k") == salt
    cfg.ingest.session_gap_minutes = 5
    assert raw_zone.run_salt(cfg, b"k") != salt
    assert raw_zone.run_salt(FlywheelConfig(), b"other") != salt
    write_day(root, "2026-11-18", n=1, name="more.jsonl")
    _register(db, root)
    assert raw_zone.fingerprints(db, salt)["2026-11-18"] != fp1["2026-11-18"]
