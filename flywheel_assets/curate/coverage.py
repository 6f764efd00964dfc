"""Coverage of the kept curated units against configured targets (complexity buckets, tools, domains, languages)."""

from __future__ import annotations

import json

import polars as pl

from flywheel_assets.curate.complexity import BUCKETS
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.report import Report, png_bytes


def _declared_tools(curated: pl.DataFrame) -> list[str]:
    names: set[str] = set()
    for t in curated["tools"].drop_nulls().unique().to_list():
        try:
            tools = json.loads(t)
        except ValueError:
            continue
        for x in tools if isinstance(tools, list) else []:
            if isinstance(x, dict):
                fn = x.get("function") if isinstance(x.get("function"), dict) else x
                if fn.get("name"):
                    names.add(str(fn["name"]))
    return sorted(names)


def _table(counts: dict[str, int], targets: dict[str, int]) -> pl.DataFrame:
    keys = sorted(set(counts) | set(targets))
    return pl.DataFrame({
        "value": keys,
        "units": [int(counts.get(k, 0)) for k in keys],
        "target": [int(targets.get(k, 0)) for k in keys],
        "met": [counts.get(k, 0) >= targets.get(k, 0) for k in keys],
    }, schema={"value": pl.Utf8, "units": pl.Int64, "target": pl.Int64, "met": pl.Boolean})


def _bar(title: str, table: pl.DataFrame) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    top = table.sort(["units", "value"], descending=[True, False]).head(30)
    fig, ax = plt.subplots(figsize=(7, max(2.0, 0.28 * top.height + 1)))
    vals = top["value"].to_list()[::-1]
    ax.barh(vals, top["units"].to_list()[::-1], color=["#4c72b0" if m else "#c44e52" for m in top["met"].to_list()[::-1]])
    tg = top["target"].to_list()[::-1]
    if any(tg):
        ax.scatter(tg, vals, marker="|", color="black", s=200, label="target")
        ax.legend(loc="lower right")
    ax.set_title(title)
    ax.set_xlabel("kept units")
    return png_bytes(fig)


def coverage_report(curated: pl.DataFrame, cfg: CurateConfig | None = None) -> Report:
    """Counts of kept units per complexity bucket / tool / domain / language against the targets in
    ``cfg.coverage``; ``summary["targets_missed"]`` lists every unmet target as ``dimension:value units<target``."""
    cfg = cfg or CurateConfig()
    c = cfg.coverage
    kept = curated.filter(pl.col("kept")) if "kept" in curated.columns else curated
    dims: dict[str, pl.DataFrame] = {}

    def counts(col: str) -> dict[str, int]:
        if kept.is_empty():
            return {}
        return {str(k): int(v) for k, v in kept.group_by(col).agg(pl.len()).iter_rows() if k is not None}

    dims["complexity_bucket"] = _table(counts("complexity_bucket"), {b: c.min_per_bucket for b in BUCKETS})
    tool_counts: dict[str, int] = {}
    if not kept.is_empty():
        for k, v in kept.select(pl.col("tools_used").explode().alias("t")).drop_nulls().group_by("t").agg(pl.len()).iter_rows():
            tool_counts[str(k)] = int(v)
    dims["tool"] = _table(tool_counts, {t: c.min_per_tool for t in _declared_tools(kept)} if c.min_per_tool else {})
    dom = counts("domain")
    dom_t = {d: c.min_per_domain for d in dom} if c.min_per_domain else {}
    dom_t.update({d: max(1, c.min_per_domain) for d in c.required_domains})
    dims["domain"] = _table(dom, dom_t)
    dims["language"] = _table(counts("language"), {lang: c.min_per_language for lang in c.required_languages})

    missed = []
    for dim, t in dims.items():
        for v, units, target, met in t.iter_rows():
            if not met:
                missed.append(f"{dim}:{v} {units}<{target}")
    figures = {f"coverage_{dim}": _bar(f"kept units per {dim}", t) for dim, t in dims.items()}
    md = [f"# Coverage report\n\nkept units: {kept.height} of {curated.height}\n"]
    for dim, t in dims.items():
        md.append(f"\n## {dim}\n\n| value | units | target | met |\n|---|---:|---:|---|")
        md += [f"| {v} | {u} | {tg} | {'yes' if m else '**no**'} |" for v, u, tg, m in t.iter_rows()]
    md.append("\n## Targets missed\n\n" + ("\n".join(f"- {m}" for m in missed) if missed else "none"))
    summary = {
        "kept_units": kept.height,
        "total_units": curated.height,
        "targets_missed": missed,
        "n_targets_missed": len(missed),
        **{f"n_{dim}_values": t.height for dim, t in dims.items()},
    }
    return Report(name="coverage_report", summary=summary, markdown="\n".join(md) + "\n", tables=dims, figures=figures)
