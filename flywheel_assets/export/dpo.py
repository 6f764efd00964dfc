"""DPO rows in the TRL conversational preference format.

``{"prompt": [messages], "chosen": [messages], "rejected": [messages], "tools": "<JSON string>"}`` with the same
message encoding as SFT (see :mod:`flywheel_assets.export.sft`), plus pair_source and lineage columns.
A pair is rejected (with a reason and the expectation it failed) when the prompt does not end on a user/tool turn,
a completion does not start with an assistant turn, the completions are identical, any side is unparseable, or a
row-level expectation fails (:func:`flywheel_assets.export.sft.row_problem`: message keys, role order, tool-call
JSON, placeholder grammar).
"""

from __future__ import annotations

import polars as pl

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.export.sft import (MESSAGES_DTYPE, merge_consecutive, order_tool_results, parse_messages,
                                        parse_tools, reject, row_problem)
from flywheel_assets.schema import to_json

DPO_SCHEMA: dict[str, pl.DataType] = {
    "prompt": MESSAGES_DTYPE,
    "chosen": MESSAGES_DTYPE,
    "rejected": MESSAGES_DTYPE,
    "tools": pl.Utf8,
    "pair_id": pl.Utf8,
    "pair_source": pl.Utf8,
    "group_id": pl.Utf8,
    "split": pl.Utf8,
    "chosen_unit_id": pl.Utf8,
    "rejected_unit_id": pl.Utf8,
    "chosen_session_id": pl.Utf8,
    "rejected_session_id": pl.Utf8,
    "weight": pl.Float64,
    "is_synthetic": pl.Boolean,
    "event_date": pl.Date,
}
REJECT_SCHEMA = {"pair_id": pl.Utf8, "reason": pl.Utf8, "expectation": pl.Utf8}  # as sft.REJECT_SCHEMA


def _get(frame: pl.DataFrame, name: str) -> list:
    return frame[name].to_list() if name in frame.columns else [None] * frame.height


def build_dpo(pairs: pl.DataFrame, cfg: ExportConfig | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Preference pairs (with ``split``, optional) -> (dpo rows sorted by (split, pair_id), rejects)."""
    cfg = cfg or ExportConfig()
    c = {k: _get(pairs, k) for k in DPO_SCHEMA if k not in ("prompt", "chosen", "rejected")}
    raw = {k: _get(pairs, k) for k in ("prompt", "chosen", "rejected")}
    rows, rejects = [], []
    for i in range(pairs.height):
        pid = c["pair_id"][i]
        split = c["split"][i] if "split" in pairs.columns else "train"
        if split not in ("train", "validation", "test"):
            rejects.append(reject("pair_id", pid, "excluded_split"))
            continue
        prompt, chosen, rejected = (parse_messages(raw[k][i]) for k in ("prompt", "chosen", "rejected"))
        if prompt is None or chosen is None or rejected is None or not chosen or not rejected:
            rejects.append(reject("pair_id", pid, "bad_messages", "schema"))
            continue
        if not prompt or prompt[-1]["role"] not in ("user", "tool"):
            rejects.append(reject("pair_id", pid, "prompt_not_ending_on_user", "role_order"))
            continue
        if chosen[0]["role"] != "assistant" or rejected[0]["role"] != "assistant":
            rejects.append(reject("pair_id", pid, "completion_not_assistant", "role_order"))
            continue
        if chosen == rejected:
            rejects.append(reject("pair_id", pid, "identical_completions", "distinct_completions"))
            continue
        prompt, chosen, rejected = (merge_consecutive(order_tool_results(x)) for x in (prompt, chosen, rejected))
        tools_json = to_json(parse_tools(c["tools"][i]))
        problem = row_problem([prompt + chosen, prompt + rejected], tools_json, need_final_assistant=False)
        if problem:
            rejects.append(reject("pair_id", pid, *problem))
            continue
        w = c["weight"][i]
        synth = bool(c["is_synthetic"][i]) if c["is_synthetic"][i] is not None else False
        rows.append(
            {
                "prompt": prompt,
                "chosen": chosen,
                "rejected": rejected,
                "tools": tools_json,
                "pair_id": pid,
                "pair_source": c["pair_source"][i],
                "group_id": c["group_id"][i],
                "split": split,
                "chosen_unit_id": c["chosen_unit_id"][i],
                "rejected_unit_id": c["rejected_unit_id"][i],
                "chosen_session_id": c["chosen_session_id"][i],
                "rejected_session_id": c["rejected_session_id"][i],
                "weight": (1.0 if w is None else float(w)) * (cfg.synthetic_weight if synth else 1.0),
                "is_synthetic": synth,
                "event_date": c["event_date"][i],
            }
        )
    rows.sort(key=lambda r: (r["split"], r["pair_id"] or ""))
    rejects.sort(key=lambda r: (r["pair_id"] or "", r["reason"]))
    out = pl.DataFrame(rows, schema=DPO_SCHEMA) if rows else pl.DataFrame(schema=DPO_SCHEMA)
    return out, pl.DataFrame(rejects, schema=REJECT_SCHEMA) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)


def dpo_rows(pairs: pl.DataFrame, cfg: ExportConfig | None = None) -> pl.DataFrame:
    """Preference pairs -> DPO rows. See :func:`build_dpo` for the rejects."""
    return build_dpo(pairs, cfg)[0]
