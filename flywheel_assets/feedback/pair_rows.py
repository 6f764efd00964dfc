"""One preference pair as a row of ``pairs.PAIR_SCHEMA``, and the unit view every pair source builds on: the owner of
the pair-row contract for the mining modules (``pairs``, ``synthetic_pairs``)."""

from __future__ import annotations

from dataclasses import dataclass

from flywheel_assets.feedback import messages as c
from flywheel_assets.schema import stable_id, to_json


@dataclass
class PairUnit:
    row: dict
    msgs: list
    prompt: list
    cont: list
    pkey: str
    first: str
    score: float | None
    rank: int | None
    success: bool | None
    date: object


def pair_row(source: str, signal: str, prompt: list, chosen: list, rejected: list, cu: PairUnit, ru: PairUnit,
             group_id: str, weight: float, *, prompt_match: str, similarity: float = 1.0,
             synthetic: bool = False) -> dict:
    chosen = c.strip_lineage(chosen)
    rejected = c.strip_lineage(rejected)
    prompt = c.strip_lineage(prompt)
    cl, rl = c.text_len(chosen), c.text_len(rejected)
    dates = [d for d in (cu.date, ru.date) if d is not None]
    return {
        "pair_id": stable_id("pair", source, signal, cu.row["unit_id"], ru.row["unit_id"], to_json(prompt),
                             to_json(chosen), to_json(rejected)),
        "pair_source": source,
        "signal": signal,
        "prompt": to_json(prompt),
        "chosen": to_json(chosen),
        "rejected": to_json(rejected),
        "tools": cu.row.get("tools") or "[]",
        "chosen_session_id": cu.row.get("session_id"),
        "rejected_session_id": ru.row.get("session_id"),
        "chosen_unit_id": cu.row["unit_id"],
        "rejected_unit_id": ru.row["unit_id"],
        "group_id": group_id,
        "prompt_match": prompt_match,
        "similarity": float(round(similarity, 6)),
        "chosen_len": cl,
        "rejected_len": rl,
        "length_ratio": float(cl / rl) if rl else float(cl),
        "weight": float(round(weight, 6)),
        "is_synthetic": synthetic,
        "event_date": max(dates) if dates else None,
    }


def same_continuation(a: list, b: list) -> bool:
    return [c.msg_key(m) for m in a] == [c.msg_key(m) for m in b]
