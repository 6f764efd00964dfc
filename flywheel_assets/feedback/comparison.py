"""Preference pairs from in-product A/B comparisons (``pair_source = "comparison"``).

The comparison parser (:mod:`flywheel_assets.ingest.comparisons`) writes each answer of a comparison as its own
session whose unit carries ``attributes.comparison = {id, choice: chosen | rejected | tie, label, n}``. Here the
chosen unit of every comparison is paired with each rejected unit of the same comparison: the prompt is the turns the
two conversations share (extended over identical leading turns, so the continuations start at the first assistant
turn where they differ), chosen / rejected are the diverging continuations. When redaction made the shared turns
differ, each side is split at its last user turn and the chosen side's prompt is used.

The user's pick is explicit and relative, so a unit curation marked as a (near-)duplicate of another still counts
(the chosen and the rejected answer to one prompt are often near-duplicates of each other), a chosen answer curation
flagged as an unexpected refusal still counts (the user preferred the refusal), any other unit curation filtered
because its answer is bad (``reject_only_reasons``) may only be the rejected side, and any other filtered unit
(off-topic, broken messages, ...) is left out. Ties and comparisons whose sides did not both survive give no pair.

Pure function of its inputs; the pair rows are built by the caller's ``make_pair`` (the pair miner's row builder),
so this module does not depend on the miner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import polars as pl

from flywheel_assets.jsontext import json_or
from flywheel_assets.schema import stable_id

SOURCE = "comparison"
DUP_REASONS = ("duplicate", "near_duplicate")
# filter reasons a *chosen* unit may carry: the pick is relative, and a refusal the user preferred over the other
# answer is exactly the signal DPO needs (the curation filter judges the unit alone)
CHOSEN_OK_REASONS = DUP_REASONS + ("unexpected_refusal",)


@dataclass
class ComparisonUnit:
    """The fields of a unit the pair builder reads (``row``, ``date``, ``first``)."""

    row: dict
    msgs: list
    first: str
    date: Any


def _attrs(row: dict) -> dict:
    return json_or(row.get("attributes"), {}, expect=dict)


def _msgs(row: dict) -> list[dict]:
    v = json_or(row.get("messages"), [], expect=list)
    return [m for m in v if isinstance(m, dict) and isinstance(m.get("role"), str)]


def _key(m: dict) -> str:
    calls = [[(c.get("function") or {}).get("name"), (c.get("function") or {}).get("arguments")]
             for c in m.get("tool_calls") or [] if isinstance(c, dict)]
    content = m.get("content") if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
    return json.dumps([m["role"], " ".join((content or "").split()), calls, m.get("name")])


def _split_last_user(msgs: list[dict]) -> tuple[list, list]:
    i = max((k for k, m in enumerate(msgs) if m["role"] == "user"), default=-1)
    return (msgs[: i + 1], msgs[i + 1:]) if i >= 0 else ([], [])


def split_pair(chosen: list[dict], rejected: list[dict]) -> tuple[list, list, list, str]:
    """(prompt, chosen continuation, rejected continuation, how) for two conversations of one comparison."""
    n = 0
    for a, b in zip(chosen, rejected):
        if _key(a) != _key(b):
            break
        n += 1
    while n > 0 and not (n < len(chosen) and n < len(rejected)
                         and chosen[n]["role"] == "assistant" and rejected[n]["role"] == "assistant"):
        n -= 1
    if n > 0 and any(m["role"] == "user" for m in chosen[:n]):
        return chosen[:n], chosen[n:], rejected[n:], "shared_prefix"
    prompt, c_cont = _split_last_user(chosen)
    _, r_cont = _split_last_user(rejected)
    return prompt, c_cont, r_cont, "last_user"


def comparison_pairs(curated: pl.DataFrame, make_pair: Callable[..., dict], group_of: Callable[[Any], str],
                     reject_only_reasons: list[str] | tuple = (), stats: dict | None = None) -> list[dict]:
    """Pair rows (built by ``make_pair(source, signal, prompt, chosen, rejected, cu, ru, group_id, weight,
    prompt_match=...)``) for every comparison in ``curated`` (all curated units, kept or not)."""
    stats = stats if stats is not None else {}
    if curated.is_empty() or "attributes" not in curated.columns:
        return []
    by_cmp: dict[str, dict[str, list[ComparisonUnit]]] = {}
    cols = [c for c in ("unit_id", "attributes", "messages", "kept", "filter_reason", "is_synthetic", "event_date",
                        "session_id", "tools") if c in curated.columns]
    for row in curated.select(cols).sort("unit_id").iter_rows(named=True):
        if row.get("is_synthetic"):
            continue
        cmp = _attrs(row).get("comparison")
        if not isinstance(cmp, dict) or cmp.get("choice") not in ("chosen", "rejected") or not cmp.get("id"):
            continue
        reason = row.get("filter_reason")
        usable = row.get("kept") is not False or reason in CHOSEN_OK_REASONS
        if not usable and not (cmp["choice"] == "rejected" and reason in reject_only_reasons):
            stats["comparison_units_filtered"] = stats.get("comparison_units_filtered", 0) + 1
            continue
        msgs = _msgs(row)
        first = next((m.get("content") or "" for m in msgs if m["role"] == "user"), "")
        unit = ComparisonUnit(row=row, msgs=msgs, first=first if isinstance(first, str) else "",
                              date=row.get("event_date"))
        by_cmp.setdefault(str(cmp["id"]), {}).setdefault(cmp["choice"], []).append(unit)
    out = []
    for cid in sorted(by_cmp):
        sides = by_cmp[cid]
        if not sides.get("chosen") or not sides.get("rejected"):
            stats["comparison_incomplete"] = stats.get("comparison_incomplete", 0) + 1
            continue
        cu = sides["chosen"][0]
        for ru in sides["rejected"]:
            prompt, chosen, rejected, how = split_pair(cu.msgs, ru.msgs)
            if not prompt or not chosen or [_key(m) for m in chosen] == [_key(m) for m in rejected]:
                stats["comparison_skipped"] = stats.get("comparison_skipped", 0) + 1
                continue
            group = group_of(cu)
            if group.endswith(":none"):  # neither side reached the miner's intent index (both filtered as dups)
                group = "intent:" + stable_id("comparison-intent", " ".join(cu.first.lower().split()), length=16)
            out.append(make_pair(SOURCE, SOURCE, prompt, chosen, rejected, cu, ru, group, 1.0,
                                 prompt_match="exact" if how == "shared_prefix" else "paraphrase"))
    stats["comparison_pairs"] = len(out)
    return out
