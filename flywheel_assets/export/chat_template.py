"""ONE chat template for every export: ChatML with tools and ``{% generation %}`` markers.

``templates/chatml_tools.jinja`` is the default (see its header for the exact rendering); a configured
tokenizer's own template is used instead when it already has generation markers, or any Jinja file via
``ExportConfig.chat_template_path``. :func:`render_and_mask` renders every exported row through the tokenizer,
checks that each SFT row has a non-empty assistant-token mask, and records token lengths.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Iterable

TEMPLATE_PATH = Path(__file__).with_name("templates") / "chatml_tools.jinja"
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def chatml_template(path: str | Path | None = None) -> str:
    """The Jinja source of the export template (built-in unless ``path`` is given)."""
    return Path(path or TEMPLATE_PATH).read_text(encoding="utf-8")


def has_generation_markers(template: str | None) -> bool:
    return bool(template) and "generation" in template and "endgeneration" in template


def template_for(tokenizer: Any, path: str | Path | None = None) -> str:
    """Template to render with: an explicit file, else the tokenizer's own if it marks generations, else ChatML."""
    if path:
        return chatml_template(path)
    own = getattr(tokenizer, "chat_template", None)
    if isinstance(own, str) and has_generation_markers(own):
        return own
    return chatml_template()


def _plain(messages: Any) -> list[dict]:
    if isinstance(messages, str):
        messages = json.loads(messages)
    return [dict(m) for m in messages]


def _tools(tools: Any) -> list | None:
    if isinstance(tools, str):
        tools = json.loads(tools) if tools else []
    return tools or None


def conversations(row: dict) -> list[tuple[str, list[dict]]]:
    """The full conversations a row trains on: SFT -> messages; DPO -> prompt+chosen and prompt+rejected."""
    if "messages" in row:
        return [("messages", _plain(row["messages"]))]
    prompt = _plain(row["prompt"])
    return [("chosen", prompt + _plain(row["chosen"])), ("rejected", prompt + _plain(row["rejected"]))]


def render_and_mask(
    rows: Iterable[dict],
    tokenizer: Any,
    *,
    max_context: int | None = 2048,
    template: str | None = None,
    strict: bool = True,
    id_key: str | None = None,
) -> dict:
    """Render every row with the template and the tokenizer's assistant mask.

    rows: SFT rows (``messages``) or DPO rows (``prompt``/``chosen``/``rejected``), each with ``tools``.
    Returns stats: n_rows, n_rendered, zero_mask_ids, over_context_ids, render_errors, token_lengths
    (min/mean/p50/p95/max), assistant_token_share. With ``strict`` a row with an empty assistant mask raises
    ``ValueError`` (an SFT row that trains on nothing is a bug upstream).
    """
    template = template or template_for(tokenizer)
    lengths: list[int] = []
    zero, over, errors = [], [], []
    n_rows = n_rendered = 0
    asst_tokens = total_tokens = 0
    for i, row in enumerate(rows):
        n_rows += 1
        rid = str(row.get(id_key or ("unit_id" if "messages" in row else "pair_id"), i))
        tools = _tools(row.get("tools"))
        try:
            for part, conv in conversations(row):
                out = tokenizer.apply_chat_template(
                    conv, tools=tools, chat_template=template, tokenize=True, return_dict=True,
                    return_assistant_tokens_mask=True,
                )
                ids, mask = out["input_ids"], out["assistant_masks"]
                lengths.append(len(ids))
                total_tokens += len(ids)
                asst_tokens += int(sum(mask))
                if sum(mask) == 0:
                    zero.append(f"{rid}:{part}")
                if max_context and len(ids) > max_context:
                    over.append(f"{rid}:{part}")
            n_rendered += 1
        except Exception as exc:  # a row the template cannot render is recorded, not fatal
            errors.append({"id": rid, "error": type(exc).__name__})
    if strict and zero:
        raise ValueError(f"{len(zero)} rendered rows have an empty assistant mask: {zero[:5]}")
    srt = sorted(lengths)
    pct = lambda q: srt[min(len(srt) - 1, int(q * len(srt)))] if srt else None  # noqa: E731
    return {
        "n_rows": n_rows,
        "n_rendered": n_rendered,
        "zero_mask_ids": zero,
        "over_context_ids": over,
        "max_context": max_context,
        "render_errors": errors,
        "token_lengths": {
            "min": srt[0] if srt else None,
            "mean": round(statistics.fmean(srt), 2) if srt else None,
            "p50": pct(0.5),
            "p95": pct(0.95),
            "max": srt[-1] if srt else None,
        },
        "assistant_token_share": round(asst_tokens / total_tokens, 4) if total_tokens else None,
    }
