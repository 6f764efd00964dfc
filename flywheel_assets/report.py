"""A stage report: numbers for Dagster metadata, markdown for humans, tables, and PNG figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class Report:
    name: str
    summary: dict = field(default_factory=dict)  # JSON-able scalars / small dicts -> asset metadata
    markdown: str = ""
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)  # name -> PNG bytes


def png_bytes(fig) -> bytes:
    """Render a matplotlib figure to PNG bytes (Agg backend, deterministic metadata) and close it."""
    import io

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
