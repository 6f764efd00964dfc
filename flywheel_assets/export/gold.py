"""The gold set: hand-written chat logs and the SFT/DPO rows they must produce.

``flywheel_assets_tests/export/gold/`` holds ``input_chatlog.jsonl`` (30 sessions), ``expected_sft.jsonl`` and
``expected_dpo.jsonl`` (written by hand, see its README). :func:`compare` scores actual rows against expected ones
field by field; :func:`run_pipeline` runs whatever stages exist (ingest -> segment -> redact -> complexity -> curate
-> pairs -> splits -> export) and reports which one was missing.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, Callable, Iterable

import polars as pl

MESSAGE_FIELDS = ("messages", "prompt", "chosen", "rejected")


def _key_fn(rows: list[dict]) -> Callable[[dict], Any]:
    if rows and "messages" in rows[0]:
        return lambda r: r.get("session_id")
    return lambda r: (r.get("pair_source"), r.get("chosen_session_id"), r.get("rejected_session_id"))


def _plain(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v


def compare(expected_rows: Iterable[dict] | pl.DataFrame, actual_rows: Iterable[dict] | pl.DataFrame,
            key: Callable[[dict], Any] | str | None = None) -> dict:
    """Field-by-field agreement of actual rows with the expected (hand-written) rows.

    Rows are matched on ``key`` (default: ``session_id`` for SFT rows, ``(pair_source, chosen_session_id,
    rejected_session_id)`` for DPO rows). Only fields present in the expected rows are compared. Message-list
    fields also get ``<field>.roles`` (role sequence) and ``<field>.content`` (per-message content agreement).
    Returns ``{n_expected, n_actual, matched, missing, unexpected, fields: {f: {agree, total, rate}},
    mismatches: [{key, field}], row_recall, exact_rows}``. Mismatches name the row and field, never the text.
    """
    exp = expected_rows.to_dicts() if isinstance(expected_rows, pl.DataFrame) else list(expected_rows)
    act = actual_rows.to_dicts() if isinstance(actual_rows, pl.DataFrame) else list(actual_rows)
    kf = (lambda r: r.get(key)) if isinstance(key, str) else (key or _key_fn(exp))
    a_by = {}
    for r in act:
        a_by.setdefault(kf(r), r)
    e_keys = [kf(r) for r in exp]
    fields: dict[str, dict[str, int]] = {}
    mismatches = []
    exact = 0

    def tally(f: str, ok: bool, k: Any) -> None:
        d = fields.setdefault(f, {"agree": 0, "total": 0})
        d["total"] += 1
        d["agree"] += int(ok)
        if not ok:
            mismatches.append({"key": k, "field": f})

    for e in exp:
        k = kf(e)
        a = a_by.get(k)
        if a is None:
            continue
        all_ok = True
        for f in sorted(e):
            ev, av = _plain(e[f]), _plain(a.get(f))
            ok = ev == av
            all_ok &= ok
            tally(f, ok, k)
            if f in MESSAGE_FIELDS and isinstance(ev, list):
                av = av if isinstance(av, list) else []
                tally(f"{f}.roles", [m.get("role") for m in ev] == [m.get("role") for m in av], k)
                for i, m in enumerate(ev):
                    tally(f"{f}.content", i < len(av) and (m.get("content") or "") == (av[i].get("content") or ""), k)
        exact += int(all_ok)
    matched = sum(1 for k in e_keys if k in a_by)
    for d in fields.values():
        d["rate"] = round(d["agree"] / d["total"], 4) if d["total"] else None
    return {
        "n_expected": len(exp), "n_actual": len(act), "matched": matched,
        "missing": sorted((k for k in e_keys if k not in a_by), key=str),
        "unexpected": sorted((k for k in a_by if k not in set(e_keys)), key=str),
        "row_recall": round(matched / len(exp), 4) if exp else None,
        "exact_rows": exact, "fields": dict(sorted(fields.items())), "mismatches": mismatches,
    }


def load_jsonl(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


class StageMissing(RuntimeError):
    """A pipeline stage the gold run needs does not exist (yet)."""


def _stage(module: str, name: str):
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise StageMissing(f"{module} not importable: {exc}") from exc
    fn = getattr(mod, name, None)
    if fn is None:
        raise StageMissing(f"{module}.{name} missing")
    return fn


def run_pipeline(input_dir: str | Path, key: bytes, out_dir: str | Path | None = None, export_cfg=None) -> dict:
    """Run ingest -> segment -> redact -> complexity -> curate -> pairs -> splits -> sft/dpo rows on a log folder.

    Returns ``{"sft": frame, "dpo": frame, "curated": frame, "stages": [names run]}``; raises
    :class:`StageMissing` naming the first stage that does not exist. Writes the export when ``out_dir`` is given.
    """
    from flywheel_assets.export.dpo import dpo_rows
    from flywheel_assets.export.sft import sft_rows
    from flywheel_assets.export.splits import assign_splits

    stages = []
    ingest_paths = _stage("flywheel_assets.ingest.pipeline", "ingest_paths")
    ctx_cls = _stage("flywheel_assets.ingest.context", "IngestContext")
    events = ingest_paths(Path(input_dir), ctx_cls(key=key)).events
    stages.append("ingest")
    units = _stage("flywheel_assets.segment.units", "segment_events")(events)
    stages.append("segment")
    red = _stage("flywheel_assets.privacy.redact", "redact_units")(units, None, key)
    units = red.units
    stages.append("redact")
    tags = _stage("flywheel_assets.curate.complexity", "complexity_tags")(units)
    stages.append("complexity")
    curated = _stage("flywheel_assets.curate.pipeline", "curate_units")(units, tags)
    stages.append("curate")
    pairs = _stage("flywheel_assets.feedback.pairs", "preference_pairs")(curated)
    stages.append("pairs")
    cu, pp = assign_splits(curated, pairs, export_cfg)
    sft, dpo = sft_rows(cu, export_cfg), dpo_rows(pp, export_cfg)
    stages.append("export")
    if out_dir is not None:
        from flywheel_assets.export.writer import write_exports

        write_exports(out_dir, sft, dpo, hf=False)
    return {"sft": sft, "dpo": dpo, "curated": cu, "pairs": pp, "stages": stages}
