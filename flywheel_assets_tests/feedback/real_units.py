"""Real units for the tests of the feedback contracts (messages, signals, scores): the OpenAssistant trees and the
ToolBench runs of ../shared/realdata through the project's own ingest and segmentation."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def real_units(realdata: Path, key: bytes) -> pl.DataFrame:
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.segment.units import segment_events

    frames = []
    for sub, pattern in (("oasst_feedback", "en_100_tree.jsonl"), ("toolbench_trees/answer", "*/*.json")):
        root = realdata / sub
        res = ingest_paths(root, IngestContext(key=key), files=sorted(root.glob(pattern)))
        frames.append(segment_events(res.events))
    return pl.concat(frames, how="diagonal_relaxed")
