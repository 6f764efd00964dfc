"""Turning domain results into Dagster metadata (tables, markdown, PNG figures)."""

from __future__ import annotations

import base64
from pathlib import Path

import dagster as dg
import polars as pl

from flywheel_assets.report import Report


def scalar_metadata(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            out[key] = dg.MetadataValue.bool(v)
        elif isinstance(v, int):
            out[key] = dg.MetadataValue.int(v)
        elif isinstance(v, float):
            out[key] = dg.MetadataValue.float(v)
        elif isinstance(v, str):
            out[key] = dg.MetadataValue.text(v)
        elif v is None:
            continue
        else:
            out[key] = dg.MetadataValue.json(v)
    return out


def table_md(df: pl.DataFrame, max_rows: int = 30) -> str:
    if df.is_empty():
        return "_empty_"
    df = df.head(max_rows)
    cols = df.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|")[:80] for v in row) + " |")
    return "\n".join(lines)


def report_metadata(report: Report, save_dir: Path | None = None) -> dict:
    """Summary scalars + markdown + each figure inline (base64 PNG) and, when save_dir is given, saved as a file."""
    md = {**scalar_metadata(report.summary)}
    if report.markdown:
        md["report"] = dg.MetadataValue.md(report.markdown)
    for name, png in sorted(report.figures.items()):
        b64 = base64.b64encode(png).decode()
        md[f"plot_{name}"] = dg.MetadataValue.md(f"![{name}](data:image/png;base64,{b64})")
        if save_dir is not None:
            save_dir.mkdir(parents=True, exist_ok=True)
            p = save_dir / f"{report.name}_{name}.png"
            p.write_bytes(png)
    for name, df in sorted(report.tables.items()):
        md[f"table_{name}"] = dg.MetadataValue.md(table_md(df))
    return md
