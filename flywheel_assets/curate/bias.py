"""Bias report over kept curated units: language concentration, demographic-term balance, sensitive-topic share.

Counts only (term groups are matched as whole words in redacted user + assistant text; no text is quoted), so the
report cannot re-identify anyone. ``summary["violations"]`` lists every threshold crossed.
"""

from __future__ import annotations

import json
import re

import polars as pl

from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.report import Report, png_bytes


def _text(messages: str | None) -> str:
    try:
        msgs = json.loads(messages or "[]")
    except ValueError:
        return ""
    return "\n".join(m.get("content") or "" for m in msgs if isinstance(m, dict) and m.get("role") in ("user", "assistant")).lower()


def _words_rx(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w.lower()) for w in sorted(words)) + r")\b")


def _prefix_rx(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w.lower()) for w in sorted(words)) + r")")


def bias_report(curated: pl.DataFrame, cfg: CurateConfig | None = None) -> Report:
    cfg = cfg or CurateConfig()
    b = cfg.bias
    kept = curated.filter(pl.col("kept")) if "kept" in curated.columns else curated
    n = kept.height
    texts = [_text(m) for m in kept["messages"].to_list()] if n else []
    violations: list[str] = []

    # language concentration
    lang = (kept.group_by("language").agg(pl.len().alias("units")).sort(["units", "language"], descending=[True, False])
            if n else pl.DataFrame(schema={"language": pl.Utf8, "units": pl.UInt32}))
    lang = lang.with_columns((pl.col("units") / max(n, 1)).alias("share"))
    if n >= b.min_units and lang.height and lang["share"][0] > b.max_language_share:
        violations.append(f"language:{lang['language'][0]} share {lang['share'][0]:.2f}>{b.max_language_share}")

    # demographic terms
    demo_rows = []
    for cat, groups in sorted(b.demographic_terms.items()):
        counts = {}
        for g, words in sorted(groups.items()):
            rx = _words_rx(words)
            counts[g] = sum(len(rx.findall(t)) for t in texts)
            demo_rows.append({"category": cat, "group": g, "mentions": counts[g]})
        total = sum(counts.values())
        if total >= b.min_term_mentions and len(counts) > 1:
            hi, lo = max(counts.values()), min(counts.values())
            ratio = hi / max(lo, 1)
            if ratio > b.max_group_ratio:
                top = max(sorted(counts), key=lambda g: counts[g])
                violations.append(f"demographic:{cat} {top} ratio {ratio:.1f}>{b.max_group_ratio}")
    demo = pl.DataFrame(demo_rows, schema={"category": pl.Utf8, "group": pl.Utf8, "mentions": pl.Int64})

    # sensitive topics
    topic_rows = []
    for topic, words in sorted(b.sensitive_topics.items()):
        rx = _prefix_rx(words)
        hits = sum(1 for t in texts if rx.search(t))
        share = hits / n if n else 0.0
        topic_rows.append({"topic": topic, "units": hits, "share": share})
        if n >= b.min_units and share > b.max_topic_share:
            violations.append(f"sensitive_topic:{topic} share {share:.2f}>{b.max_topic_share}")
    topics = pl.DataFrame(topic_rows, schema={"topic": pl.Utf8, "units": pl.Int64, "share": pl.Float64})

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
    if lang.height:
        axes[0].bar(lang["language"].head(12).to_list(), lang["share"].head(12).to_list())
    axes[0].set_title("language share")
    if demo.height:
        axes[1].bar([f"{c}:{g}" for c, g in zip(demo["category"], demo["group"])], demo["mentions"].to_list())
        axes[1].tick_params(axis="x", rotation=45)
    axes[1].set_title("demographic term mentions")
    if topics.height:
        axes[2].bar(topics["topic"].to_list(), topics["share"].to_list())
        axes[2].axhline(b.max_topic_share, color="red", linestyle="--")
        axes[2].tick_params(axis="x", rotation=45)
    axes[2].set_title("sensitive topic share")
    figures = {"bias_overview": png_bytes(fig)}

    md = [f"# Bias report\n\nkept units: {n}\n", "\n## Languages\n\n| language | units | share |\n|---|---:|---:|"]
    md += [f"| {l} | {u} | {s:.3f} |" for l, u, s in lang.iter_rows()]
    md.append("\n## Demographic terms\n\n| category | group | mentions |\n|---|---|---:|")
    md += [f"| {c} | {g} | {m} |" for c, g, m in demo.iter_rows()]
    md.append("\n## Sensitive topics\n\n| topic | units | share |\n|---|---:|---:|")
    md += [f"| {t} | {u} | {s:.3f} |" for t, u, s in topics.iter_rows()]
    md.append("\n## Violations\n\n" + ("\n".join(f"- {v}" for v in violations) if violations else "none"))
    summary = {"kept_units": n, "violations": violations, "n_violations": len(violations),
               "languages": {l: int(u) for l, u, _ in lang.iter_rows()}}
    return Report(name="bias_report", summary=summary, markdown="\n".join(md) + "\n",
                  tables={"languages": lang, "demographic_terms": demo, "sensitive_topics": topics}, figures=figures)
