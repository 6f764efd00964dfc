"""Write the export directory, byte-identically for identical input, owner-only permissions.

Layout::

    DIR/sft/{train,validation,test}.jsonl      DIR/dpo/{train,validation,test}.jsonl
    DIR/hf/sft, DIR/hf/dpo                     (datasets.DatasetDict.save_to_disk)
    DIR/shards/{flat,staged,model_aware}.json  DIR/shards/rows.jsonl
    DIR/README.md                              (dataset card)   DIR/manifest.json (sha256 + counts)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl

from flywheel_assets.export.card import dataset_card
from flywheel_assets.schema import to_json

SPLITS = ("train", "validation", "test")
_ID = {"sft": "unit_id", "dpo": "pair_id"}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _rows(frame: pl.DataFrame | None, split: str, key: str) -> list[dict]:
    if frame is None or frame.height == 0:
        return []
    return frame.filter(pl.col("split") == split).sort(key).to_dicts()


def _jsonl(rows: list[dict]) -> str:
    return "".join(to_json(r) + "\n" for r in rows)


def _save_hf(task: str, frame: pl.DataFrame | None, target: Path) -> None:
    import datasets

    datasets.disable_progress_bars()
    key = _ID[task]
    parts = {}
    for s in SPLITS:
        rows = _rows(frame, s, key)
        # round-trip through canonical JSON so dates/nested nulls look the same as in the JSONL files
        rows = [json.loads(to_json(r)) for r in rows]
        parts[s] = datasets.Dataset.from_list(rows) if rows else None
    # an empty split (a small drop: splits are a hash threshold per group) keeps the other splits' columns and is
    # written as one empty shard: with no columns or no shard, load_from_disk fails on it
    template = next((d for d in parts.values() if d is not None), None)
    empty = [s for s, d in parts.items() if d is None]
    for s in empty:
        parts[s] = template.select([]) if template is not None else datasets.Dataset.from_dict({})
    dd = datasets.DatasetDict(parts)
    dd.save_to_disk(str(target), num_shards={s: 1 for s in empty} if template is not None and empty else None)
    # save_to_disk stores a fingerprint; make it a content hash so identical input gives identical bytes
    for s in SPLITS:
        state_p = target / s / "state.json"
        if state_p.exists():
            state = json.loads(state_p.read_text())
            digest = hashlib.sha256(_jsonl(_rows(frame, s, key)).encode()).hexdigest()[:16]
            state["_fingerprint"] = digest
            state_p.write_text(json.dumps(state, indent=2, sort_keys=True))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lock_down(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)


def write_exports(out_dir: str | Path, sft: pl.DataFrame | None, dpo: pl.DataFrame | None,
                  shards: dict | None = None, card_info: dict | None = None, *, hf: bool = True) -> dict:
    """Write every export file under ``out_dir`` (replacing earlier sft/, dpo/, hf/, shards/). Returns
    ``{"out_dir", "counts": {task: {split: n}}, "files": {relpath: sha256}}`` (also written as manifest.json)."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for sub in ("sft", "dpo", "hf", "shards"):
        if (root / sub).exists():
            shutil.rmtree(root / sub)
    counts: dict[str, dict[str, int]] = {}
    for task, frame in (("sft", sft), ("dpo", dpo)):
        counts[task] = {}
        for s in SPLITS:
            rows = _rows(frame, s, _ID[task])
            counts[task][s] = len(rows)
            _write(root / task / f"{s}.jsonl", _jsonl(rows))
        if hf:
            (root / "hf").mkdir(exist_ok=True, mode=0o700)
            _save_hf(task, frame, root / "hf" / task)
    if shards:
        for name, man in sorted(shards.get("manifests", {}).items()):
            _write(root / "shards" / f"{name}.json", json.dumps(man, indent=1, sort_keys=True) + "\n")
        rows = shards.get("rows")
        if isinstance(rows, pl.DataFrame):
            _write(root / "shards" / "rows.jsonl", _jsonl(rows.sort("unit_id").to_dicts()))
    _write(root / "README.md", dataset_card(sft, dpo, shards, card_info))
    _lock_down(root)
    files = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            files[p.relative_to(root).as_posix()] = _sha(p)
    manifest = {"out_dir_name": root.name, "counts": counts, "files": files}
    _write(root / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.chmod(root / "manifest.json", 0o600)
    return {"out_dir": str(root), "counts": counts, "files": files}
