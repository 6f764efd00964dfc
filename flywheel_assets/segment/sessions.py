"""Session stitching: every event gets a session id.

Events that carry a session/trace/conversation id keep it. Events without one are stitched per (source format,
user hash) in time order: a gap longer than ``gap_minutes`` starts a new session. Events with neither a session
nor a user are stitched per source file the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from flywheel_assets.schema import stable_id


def stitch_sessions(events: pl.DataFrame, gap_minutes: float = 30.0) -> pl.DataFrame:
    if events.is_empty() or events["session_id"].null_count() == 0:
        return events
    missing = events.filter(pl.col("session_id").is_null())
    have = events.filter(pl.col("session_id").is_not_null())
    gap = timedelta(minutes=gap_minutes)
    missing = missing.with_columns(
        pl.when(pl.col("user_hash").is_not_null())
        .then(pl.concat_str([pl.lit("u:"), pl.col("source_format"), pl.lit(":"), pl.col("user_hash")]))
        .otherwise(pl.concat_str([pl.lit("f:"), pl.col("source_file")]))
        .alias("_stitch_key")
    ).sort(["_stitch_key", "timestamp", "source_file", "source_line", "seq"], nulls_last=False)
    new_ids: list[str] = []
    cur_key: str | None = None
    cur_id: str | None = None
    last_ts: datetime | None = None
    for key, ts, eid in zip(missing["_stitch_key"], missing["timestamp"], missing["event_id"]):
        if key != cur_key or (ts is not None and last_ts is not None and ts - last_ts > gap):
            cur_key, cur_id = key, "stitched-" + stable_id(key, eid, length=16)
        if ts is not None:
            last_ts = ts
        new_ids.append(cur_id)
    missing = missing.with_columns(pl.Series("session_id", new_ids, dtype=pl.Utf8)).drop("_stitch_key")
    return pl.concat([have, missing.select(have.columns)], how="vertical")
