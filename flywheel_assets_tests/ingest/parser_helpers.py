"""Helpers for the parser tests (chatlog, transcripts, applog, oasst, toolbench)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import polars as pl

from flywheel_assets.ingest.pipeline import ingest_paths

FIXTURES = Path(__file__).parent / "fixtures"


def ingest(root: Path, ctx, files=None, fmt=None):
    res = ingest_paths(root, ctx, files=files, fmt=fmt)
    assert res.reconciles(), res.summary()
    # every accepted record yields events carrying its lineage
    for st in res.files:
        ev = res.events.filter(pl.col("source_file") == st.source_file)
        assert ev["source_line"].n_unique() == st.records_accepted, st
        assert ev.height == st.events_out
    assert res.events["event_id"].n_unique() == res.events.height
    return res


def reasons(res) -> list[tuple[int, str]]:
    q = res.quarantined.sort("source_line")
    return list(zip(q["source_line"].to_list(), q["reason"].to_list()))


def copy_fixture(name: str, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    p = dst / name
    shutil.copy(FIXTURES / name, p)
    return p


def gzip_copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as f, open(dst, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(f.read())
    return dst


def attrs(row) -> dict:
    return json.loads(row["attributes"]) if row["attributes"] else {}


def assert_tool_links(events: pl.DataFrame) -> None:
    """Every tool_result points at a tool_call of the same record with the same call id (and name when known)."""
    by_id = {r["event_id"]: r for r in events.iter_rows(named=True)}
    results = events.filter(pl.col("kind") == "tool_result")
    for r in results.iter_rows(named=True):
        parent = by_id.get(r["parent_event_id"])
        assert parent is not None, f"unlinked tool_result at {r['source_file']}:{r['source_line']}"
        assert parent["kind"] == "tool_call"
        assert parent["tool_call_id"] == r["tool_call_id"]
        assert parent["source_line"] == r["source_line"] and parent["seq"] < r["seq"]
        if r["tool_name"] and parent["tool_name"] != "unknown":
            assert parent["tool_name"] == r["tool_name"]
