"""Build log drops from the real data in ../shared/realdata (one per family, or all together) in a temp dir.

Only log files are copied: Langfuse ``*.trace.json`` (not the ``*.chatml.json`` oracles), the OpenLLMetry
interactions, the OASST trees, the ToolBench answer trees, the tau-bench demos and the agent runs (never
``key.json``). ``presidio_dev`` / ``pii_real_dev`` are PII benchmarks, not logs. With ``limit`` each family is cut
to a bounded, deterministic sample (evenly spaced records / files), so a CI run stays short.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FAMILIES = ("langfuse_framework_traces", "openllmetry_calls", "oasst_feedback", "toolbench_trees", "tau_bench_demos",
            "agent_runs_dev")


def _stride(items: list, limit: int | None) -> list:
    if not limit or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _jsonl_sample(src: Path, dst: Path, limit: int | None, keep=lambda line: False) -> int:
    lines = [x for x in src.read_text(encoding="utf-8").splitlines(keepends=True) if x.strip()]
    picked = set(map(id, _stride(lines, limit))) | {id(x) for x in lines if keep(x)}
    out = [x for x in lines if id(x) in picked]  # file order kept
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("".join(out), encoding="utf-8")
    return len(out)


def build_drop(realdata: Path, dest: Path, limits: dict[str, int | None]) -> dict[str, int]:
    """Copy (a sample of) each family's log files under ``dest/<family>/``: ``limits`` maps family -> at most
    this many records (JSONL lines) or files (None: all). Returns records / files copied per family."""
    n: dict[str, int] = {}
    for fam, limit in limits.items():
        src, out = realdata / fam, dest / fam
        if fam == "langfuse_framework_traces":
            files = _stride(sorted(src.glob("*.trace.json")), limit)
            for f in files:
                out.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, out / f.name)
            n[fam] = len(files)
        elif fam == "toolbench_trees":
            files = _stride(sorted((src / "answer").rglob("*.json")), limit)
            for f in files:
                d = out / f.relative_to(src)
                d.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, d)
            n[fam] = len(files)
        elif fam == "openllmetry_calls":
            # every Llama-2 prompt ([INST] / <<SYS>> template text) stays in the sample: it is text, not a placeholder
            n[fam] = _jsonl_sample(src / "interactions.jsonl", out / "interactions.jsonl", limit,
                                   keep=lambda line: "[INST]" in line)
        elif fam == "oasst_feedback":
            n[fam] = _jsonl_sample(src / "en_100_tree.jsonl", out / "en_100_tree.jsonl", limit)
        elif fam == "tau_bench_demos":
            n[fam] = sum(_jsonl_sample(f, out / f.name, limit) for f in sorted(src.glob("*.jsonl")))
        elif fam == "agent_runs_dev":
            n[fam] = _jsonl_sample(src / "runs.jsonl", out / "runs.jsonl", limit)
        else:
            raise ValueError(f"unknown family {fam}")
    return n
