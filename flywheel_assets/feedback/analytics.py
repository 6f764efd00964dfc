"""Feedback analytics: thumbs / rating distributions and satisfaction over time, by model version, task type, tool
and complexity bucket. Returns a :class:`Report` (summary, markdown, tables, PNG figures).

Satisfaction = up / (up + down) over units with a thumbs vote; success rate = success / (success + failure) over
units with a known outcome; mean rating on the 0..1 scale (1..5 stars rescaled). Rates of groups with fewer than
``min_group_for_rate`` votes are left null (n is still shown).
"""

from __future__ import annotations

import polars as pl

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import scores as sc
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.report import Report, png_bytes


def _base(curated: pl.DataFrame) -> pl.DataFrame:
    df = sc.prepare(curated)
    tools = []
    for row in df.select("tools_used", "messages").iter_rows(named=True):
        t = row["tools_used"]
        if t is None:
            t = c.tools_called(c.messages_of(row))
        tools.append(sorted(set(t)) or ["(none)"])
    thumbs = pl.col("feedback_thumbs").str.to_lowercase()
    return df.with_columns(
        pl.Series("tool", tools, dtype=pl.List(pl.Utf8)),
        pl.col("_rating01").alias("rating01"),
        thumbs.alias("thumbs"),
        pl.col("model").fill_null("unknown"),
        pl.col("task_type").fill_null("unknown"),
        pl.col("complexity_bucket").fill_null("unknown"),
    )


def _agg(df: pl.DataFrame, by: str, min_n: int) -> pl.DataFrame:
    g = df.group_by(by).agg(
        pl.len().alias("n"),
        (pl.col("thumbs") == "up").sum().alias("n_up"),
        (pl.col("thumbs") == "down").sum().alias("n_down"),
        (pl.col("thumbs") == "neutral").sum().alias("n_neutral"),
        (pl.col("outcome") == "success").sum().alias("n_success"),
        (pl.col("outcome") == "failure").sum().alias("n_failure"),
        pl.col("rating01").mean().alias("mean_rating"),
        pl.col("rating01").count().alias("n_rated"),
    )
    votes = pl.col("n_up") + pl.col("n_down")
    outs = pl.col("n_success") + pl.col("n_failure")
    return g.with_columns(
        pl.when(votes >= min_n).then(pl.col("n_up") / votes).otherwise(None).round(4).alias("satisfaction"),
        pl.when(outs >= min_n).then(pl.col("n_success") / outs).otherwise(None).round(4).alias("success_rate"),
        pl.when(pl.col("n_rated") >= min_n).then(pl.col("mean_rating")).otherwise(None).round(4).alias("mean_rating"),
    ).sort(by, nulls_last=True)


def _plot_line(tbl: pl.DataFrame, x: str, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3))
    xs = [str(v) for v in tbl[x].to_list()]
    for col, color in (("satisfaction", "#4477aa"), ("success_rate", "#228833")):
        ys = [float("nan") if v is None else v for v in tbl[col].to_list()]
        ax.plot(xs, ys, marker="o", label=col, color=color)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return png_bytes(fig)


def _plot_bars(tbl: pl.DataFrame, x: str, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    tbl = tbl.head(20)
    fig, ax = plt.subplots(figsize=(7, 3))
    labels = [str(v) for v in tbl[x].to_list()]
    bottom = [0] * len(labels)
    for col, color in (("n_up", "#228833"), ("n_neutral", "#bbbbbb"), ("n_down", "#cc3311")):
        vals = tbl[col].to_list()
        ax.bar(labels, vals, bottom=bottom, label=col[2:], color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return png_bytes(fig)


def _plot_hist(values: list[float], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(values, bins=10, range=(0, 1), color="#4477aa")
    ax.set_xlabel("rating (0..1)")
    ax.set_title(title)
    return png_bytes(fig)


def _md_table(tbl: pl.DataFrame, cols: list[str], max_rows: int = 25) -> str:
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    lines = []
    for r in tbl.head(max_rows).iter_rows(named=True):
        lines.append("| " + " | ".join("" if r[k] is None else (f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]))
                                       for k in cols) + " |")
    return head + "\n".join(lines) + "\n"


def feedback_report(curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> Report:
    cfg = cfg or FeedbackConfig()
    mn = cfg.min_group_for_rate
    df = _base(curated)
    n = df.height
    thumbs = {k: int(df.filter(pl.col("thumbs") == k).height) for k in ("up", "down", "neutral")}
    thumbs["none"] = n - sum(thumbs.values())
    ratings = [v for v in df["rating01"].to_list() if v is not None]
    rating_dist = {}
    for v in df["feedback_rating"].drop_nulls().to_list():
        key = f"{v:g}"
        rating_dist[key] = rating_dist.get(key, 0) + 1
    rating_dist = dict(sorted(rating_dist.items(), key=lambda kv: float(kv[0])))
    outcomes = {k: int(df.filter(pl.col("outcome") == k).height) for k in ("success", "failure")}
    outcomes["unknown"] = n - sum(outcomes.values())
    overall = _agg(df.with_columns(pl.lit("all").alias("all")), "all", mn)

    tables = {
        "by_date": _agg(df, "event_date", mn),
        "by_model": _agg(df, "model", mn),
        "by_task_type": _agg(df, "task_type", mn),
        "by_tool": _agg(df.explode("tool"), "tool", mn),
        "by_complexity": _agg(df, "complexity_bucket", mn),
        "overall": overall,
    }
    figures = {}
    if n:
        figures["thumbs_by_model"] = _plot_bars(tables["by_model"], "model", "thumbs by model")
        if tables["by_date"].filter(pl.col("event_date").is_not_null()).height:
            figures["satisfaction_over_time"] = _plot_line(
                tables["by_date"].filter(pl.col("event_date").is_not_null()), "event_date", "satisfaction over time")
        figures["satisfaction_by_task_type"] = _plot_bars(tables["by_task_type"], "task_type", "thumbs by task type")
        if ratings:
            figures["rating_hist"] = _plot_hist(ratings, "rating distribution")
    o = overall.row(0, named=True) if overall.height else {}
    summary = {
        "n_units": n, "thumbs": thumbs, "outcomes": outcomes, "rating_distribution": rating_dist,
        "n_rated": len(ratings), "satisfaction": o.get("satisfaction"), "success_rate": o.get("success_rate"),
        "mean_rating": o.get("mean_rating"), "n_edited": int(df["edited_response"].is_not_null().sum()),
        "n_models": int(df["model"].n_unique()) if n else 0,
    }
    cols = ["n", "n_up", "n_down", "n_neutral", "satisfaction", "n_success", "n_failure", "success_rate",
            "mean_rating"]
    md = ["# Feedback report", "",
          f"{n} units; thumbs up {thumbs['up']}, down {thumbs['down']}, neutral {thumbs['neutral']}, none "
          f"{thumbs['none']}; outcomes success {outcomes['success']}, failure {outcomes['failure']}; "
          f"{len(ratings)} ratings; {summary['n_edited']} edited answers.", "",
          f"Overall satisfaction {summary['satisfaction']}, success rate {summary['success_rate']}, "
          f"mean rating {summary['mean_rating']} (rates need >= {mn} votes).", ""]
    for title, key, by in (("By model", "by_model", "model"), ("By task type", "by_task_type", "task_type"),
                           ("By tool", "by_tool", "tool"), ("By complexity", "by_complexity", "complexity_bucket"),
                           ("Over time", "by_date", "event_date")):
        md += [f"## {title}", "", _md_table(tables[key], [by] + cols)]
    return Report("feedback_report", summary, "\n".join(md), tables, figures)
