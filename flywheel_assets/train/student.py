"""The student path: pick the export subset a small model can learn (context, tools, complexity)."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from pydantic import BaseModel, Field

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.export.sft import bucket_phase


class StudentConfig(BaseModel):
    """What the student can handle. Rows outside it are excluded with a reason (never silently)."""

    context_length: int = Field(2048, description="Student context in tokens; longer rendered rows are excluded.")
    allowed_tools: list[str] | None = Field(None, description="Tool names the student may call (None = all).")
    max_complexity: str | None = Field(None, description="Highest complexity bucket kept (None = all).")
    phase_order: list[str] = Field(default_factory=lambda: list(ExportConfig().phase_order),
                                   description="Bucket order used to compare complexities.")
    chars_per_token: float = Field(3.5, description="Length estimate when no tokenizer is given.")


def _tool_names(messages: Any) -> set[str]:
    return {tc["function"]["name"] for m in (messages or []) for tc in (m.get("tool_calls") or [])}


def _length(row: dict, tokenizer: Any, cfg: StudentConfig) -> int:
    if tokenizer is not None:
        from flywheel_assets.export.chat_template import template_for

        tools = json.loads(row["tools"]) if isinstance(row.get("tools"), str) else row.get("tools")
        return len(tokenizer.apply_chat_template(row["messages"], tools=tools or None,
                                                 chat_template=template_for(tokenizer), tokenize=True))
    text = json.dumps(row["messages"], ensure_ascii=False) + (row.get("tools") or "")
    return int(len(text) / cfg.chars_per_token)


def select_student_rows(sft: pl.DataFrame, cfg: StudentConfig | None = None,
                        tokenizer: Any = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SFT rows -> (student rows, excluded ``unit_id, reason``): too_long, tool_not_allowed, too_complex."""
    cfg = cfg or StudentConfig()
    max_phase = bucket_phase(cfg.max_complexity, cfg.phase_order) if cfg.max_complexity else None
    allowed = set(cfg.allowed_tools) if cfg.allowed_tools is not None else None
    keep, excluded = [], []
    for i, row in enumerate(sft.to_dicts()):
        reason = None
        if allowed is not None and not _tool_names(row["messages"]) <= allowed:
            reason = "tool_not_allowed"
        elif max_phase is not None and (bucket_phase(row.get("complexity_bucket"), cfg.phase_order) or 1) > max_phase:
            reason = "too_complex"
        elif _length(row, tokenizer, cfg) > cfg.context_length:
            reason = "too_long"
        if reason:
            excluded.append({"unit_id": row.get("unit_id"), "reason": reason})
        else:
            keep.append(i)
    ex = pl.DataFrame(excluded, schema={"unit_id": pl.Utf8, "reason": pl.Utf8})
    return sft[keep] if keep else sft.head(0), ex
