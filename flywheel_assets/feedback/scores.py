"""Feedback scores of a unit (thumbs, rating, reward, outcome) on one 0..1 scale, and the curated table prepared
for them: the optional curation columns added as nulls and the rating column normalised with one scale
(``_rating01``, which :func:`feedback_score` reads).

Pure and deterministic; never raises on malformed values (unknown -> None).
"""

from __future__ import annotations

from typing import Any

import polars as pl


def rating01(r: Any) -> float | None:
    """Normalise a rating to 0..1: values in [0,1] stay, 1..5 stars -> (r-1)/4, up to 10 -> r/10."""
    if r is None:
        return None
    try:
        r = float(r)
    except (TypeError, ValueError):
        return None
    if r != r:  # NaN
        return None
    if 0.0 <= r <= 1.0:
        return r
    if 1.0 < r <= 5.0:
        return (r - 1.0) / 4.0
    if 5.0 < r <= 10.0:
        return r / 10.0
    if -1.0 <= r < 0.0:
        return (r + 1.0) / 2.0
    return None


def ratings01(values: list) -> list[float | None]:
    """Normalise a whole rating column to 0..1 with one scale detected from its range (so a 1-star rating of 1.0
    on a 1..5 column is not read as a perfect 1.0): [0,1] as is, [1,5] -> (r-1)/4, [0,10] -> r/10, [-1,1] ->
    (r+1)/2; anything else row by row (:func:`rating01`)."""
    vals = []
    for v in values:
        try:
            f = None if v is None else float(v)
        except (TypeError, ValueError):
            f = None
        vals.append(None if f is None or f != f else f)
    finite = [v for v in vals if v is not None]
    if not finite:
        return vals
    lo, hi = min(finite), max(finite)
    if 0.0 <= lo and hi <= 1.0:
        return vals
    if 1.0 <= lo and hi <= 5.0:
        return [None if v is None else (v - 1.0) / 4.0 for v in vals]
    if 0.0 <= lo and hi <= 10.0:
        return [None if v is None else v / 10.0 for v in vals]
    if -1.0 <= lo and hi <= 1.0:
        return [None if v is None else (v + 1.0) / 2.0 for v in vals]
    return [rating01(v) for v in vals]


def thumbs_value(t: Any) -> float | None:
    return {"up": 1.0, "down": 0.0, "neutral": 0.5}.get(str(t).lower()) if t is not None else None


def feedback_score(row: dict) -> float | None:
    """One scalar preference score in 0..1 from thumbs, else rating, else reward (clipped)."""
    t = thumbs_value(row.get("feedback_thumbs"))
    if t is not None and t != 0.5:
        return t
    r = row.get("_rating01", rating01(row.get("feedback_rating")))
    if r is not None:
        return r
    if t is not None:
        return t
    rew = row.get("reward")
    if isinstance(rew, (int, float)) and rew == rew:
        return max(0.0, min(1.0, float(rew))) if 0 <= rew <= 1 else (1.0 if rew > 0 else 0.0)
    return None


def success_of(row: dict) -> bool | None:
    """True/False when the unit's outcome (or, failing that, thumbs) says so; None when unknown."""
    o = row.get("outcome")
    if o == "success":
        return True
    if o == "failure":
        return False
    t = row.get("feedback_thumbs")
    if t == "up":
        return True
    if t == "down":
        return False
    return None


def col_or_null(df: pl.DataFrame, name: str, dtype: pl.DataType = pl.Utf8) -> pl.DataFrame:
    if name not in df.columns:
        return df.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return df


def prepare(curated: pl.DataFrame) -> pl.DataFrame:
    """Add the optional curation columns as nulls when absent so downstream code can rely on them."""
    df = curated
    for name, dt in (("dup_cluster_id", pl.Utf8), ("kept", pl.Boolean), ("filter_reason", pl.Utf8),
                     ("task_type", pl.Utf8), ("domain", pl.Utf8), ("language", pl.Utf8),
                     ("complexity_bucket", pl.Utf8), ("tools_used", pl.List(pl.Utf8)),
                     ("feedback_thumbs", pl.Utf8), ("feedback_rating", pl.Float64), ("edited_response", pl.Utf8),
                     ("outcome", pl.Utf8), ("reward", pl.Float64), ("model", pl.Utf8), ("event_date", pl.Date),
                     ("attributes", pl.Utf8), ("messages", pl.Utf8), ("tools", pl.Utf8), ("session_id", pl.Utf8),
                     ("n_errors", pl.Int64)):
        df = col_or_null(df, name, dt)
    df = df.with_columns(pl.Series("_rating01", ratings01(df["feedback_rating"].to_list()), dtype=pl.Float64))
    if "complexity_bucket" in df.columns and df.schema["complexity_bucket"] != pl.Utf8:
        df = df.with_columns(pl.col("complexity_bucket").cast(pl.Utf8))
    return df.sort("unit_id")
