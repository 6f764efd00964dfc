"""Triage: turn failure clusters into ranked, budgeted interventions.

Per cluster: urgency from volume, severity (by error type), cost signals (refund amounts and escalations found in
tool calls, tool results and attributes) and trend; other models seen on the same intents (A/B arms; a rollback
candidate when one succeeds clearly more often); effort against the configured budget; and a recommended
intervention with a rationale. Effort is counted once per (error type, intervention): further sub-clusters of
a type already in the plan cost 0 extra days (the same fix covers them).

| error type | intervention | effort |
|---|---|---|
| json_format, refusal, tool_error, other | ``prompt`` (instructions, format examples, error handling) | ~1 day |
| outdated_knowledge | ``rag`` (fresh retrieval index) | ~3 days |
| unseen_topic | ``sft`` (collect + train on the new topic) | ~5 days |
| verbosity, sycophancy (preference shift) | ``dpo`` (RL on preference pairs) | ~4 days |
| wrong_tool_or_args, hallucination at volume (all clusters of the type together) | ``sft_rl`` (capability gap) | ~1 week |
| wrong_tool_or_args below volume | ``prompt`` (tool descriptions / examples) | ~1 day |
| hallucination below volume | ``rag`` (grounding) | ~3 days |
"""

from __future__ import annotations

import math

import polars as pl

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import scores as sc
from flywheel_assets.feedback import signals as ts
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.report import Report
from flywheel_assets.schema import to_json

SEVERITY = {"hallucination": 0.9, "wrong_tool_or_args": 0.8, "outdated_knowledge": 0.6, "tool_error": 0.6,
            "unseen_topic": 0.5, "json_format": 0.5, "sycophancy": 0.5, "refusal": 0.4, "verbosity": 0.3,
            "other": 0.3}
EFFORT_DAYS = {"prompt": 1.0, "rag": 3.0, "sft": 5.0, "dpo": 4.0, "sft_rl": 7.0}
RATIONALE = {
    "json_format": "small consistency issue: tighten the format instructions, add a schema and a few-shot example "
                   "(or constrained decoding)",
    "refusal": "small consistency issue: over-refusal on legitimate requests; clarify policy in the system prompt",
    "tool_error": "the tools themselves fail: check the tool/infra first, then teach retry/error handling in the "
                  "prompt",
    "other": "no dominant signal: inspect the examples; start with the cheapest lever",
    "outdated_knowledge": "users report stale facts: refresh knowledge through retrieval rather than re-training",
    "unseen_topic": "requests outside what the model knows / fallback answers: collect and fine-tune on the topic",
    "verbosity": "preference shift towards shorter answers: train DPO on concise-vs-verbose pairs",
    "sycophancy": "preference issue: train DPO on pairs that prefer honest answers",
    "wrong_tool_or_args": "capability gap in tool use (wrong tool / invalid or missing arguments)",
    "hallucination": "capability gap: fabricated content contradicted by users or heavily rewritten",
}

TRIAGE_SCHEMA: dict[str, pl.DataType] = {
    "priority": pl.Int64,
    "cluster_id": pl.Utf8,
    "error_type": pl.Utf8,
    "size": pl.Int64,
    "severity": pl.Float64,
    "refund_total": pl.Float64,
    "n_escalations": pl.Int64,
    "trend_slope": pl.Float64,
    "urgency": pl.Float64,
    "intervention": pl.Utf8,  # prompt | rag | sft | dpo | sft_rl
    "effort_days": pl.Float64,
    "cumulative_days": pl.Float64,
    "within_budget": pl.Boolean,
    "current_model": pl.Utf8,
    "current_success_rate": pl.Float64,
    "models_seen": pl.Utf8,  # JSON {model: {"n": .., "success_rate": ..}} on the cluster's intents
    "rollback_candidate": pl.Utf8,
    "rollback_success_rate": pl.Float64,
    "rationale": pl.Utf8,
}


def intervention_for(error_type: str, size: int, volume_at_scale: int) -> str:
    if error_type in ("json_format", "refusal", "tool_error", "other"):
        return "prompt"
    if error_type == "outdated_knowledge":
        return "rag"
    if error_type == "unseen_topic":
        return "sft"
    if error_type in ("verbosity", "sycophancy"):
        return "dpo"
    if error_type in ("wrong_tool_or_args", "hallucination"):
        if size >= volume_at_scale:
            return "sft_rl"
        return "prompt" if error_type == "wrong_tool_or_args" else "rag"
    return "prompt"


def _money(v) -> float:
    try:
        return abs(float(str(v).replace(",", "").replace("$", "").strip()))
    except (TypeError, ValueError):
        return 0.0


def cost_signals(row: dict) -> tuple[float, int]:
    """(refund amount, escalations) found in a unit's tool calls, tool results, assistant turns and attributes."""
    refund, esc = 0.0, 0
    msgs = c.messages_of(row)
    for m in msgs:
        for call in m.get("tool_calls") or []:
            fn = (call or {}).get("function") or {}
            name = str(fn.get("name") or "")
            args = c.load_json(fn.get("arguments"), {})
            if "refund" in name.lower():
                for k in ("amount", "refund_amount", "value", "total"):
                    if k in args:
                        refund += _money(args[k])
                        break
            if ts.ESCALATION_RE.search(name.replace("_", " ")):
                esc += 1
        if m["role"] in ("tool", "assistant"):
            text = c.content(m)
            if m["role"] == "tool":
                for mm in ts.MONEY_RE.finditer(text):
                    refund += _money(mm.group(1) or mm.group(2))
            if ts.ESCALATION_RE.search(text):
                esc += 1
    attrs = c.attrs_of(row)
    for k in ("refund_amount", "refund", "refunds"):
        if isinstance(attrs.get(k), (int, float, str)):
            refund += _money(attrs[k])
    if attrs.get("escalated") is True or attrs.get("escalation"):
        esc += 1
    return refund, esc


def triage(clusters: pl.DataFrame, curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> pl.DataFrame:
    """One row per cluster, ordered by priority (1 = most urgent)."""
    cfg = cfg or FeedbackConfig()
    tc = cfg.triage
    if clusters.height == 0:
        return pl.DataFrame(schema=TRIAGE_SCHEMA)
    df = sc.prepare(curated)
    by_id = {r["unit_id"]: r for r in df.iter_rows(named=True)}
    intents = _intent_groups(df, cfg)
    # outcomes per intent group per model
    stats: dict[str, dict[str, list[int]]] = {}
    for uid, row in by_id.items():
        ok = sc.success_of(row)
        if ok is None:
            continue
        g = intents.get(uid)
        s = stats.setdefault(g, {}).setdefault(row.get("model") or "unknown", [0, 0])
        s[0] += int(ok)
        s[1] += 1

    # "at volume" is judged on the error type's total: signal-first clustering may split one capability gap into
    # topical sub-clusters, and each of them is still part of a gap seen at volume
    type_volume: dict[str, int] = {}
    for et, n in clusters.select("error_type", "size").iter_rows():
        type_volume[et or "other"] = type_volume.get(et or "other", 0) + int(n)
    out = []
    for cl in clusters.iter_rows(named=True):
        ids = [u for u in cl["unit_ids"] if u in by_id]
        size = int(cl["size"])
        etype = cl["error_type"] or "other"
        refund, esc = 0.0, 0
        models: dict[str, int] = {}
        for u in ids:
            r, e = cost_signals(by_id[u])
            refund += r
            esc += e
            m = by_id[u].get("model") or "unknown"
            models[m] = models.get(m, 0) + 1
        current = min(models, key=lambda m: (-models[m], m)) if models else None
        groups = sorted({intents.get(u) for u in ids if intents.get(u)})
        seen: dict[str, list[int]] = {}
        for g in groups:
            for m, (k, n) in stats.get(g, {}).items():
                s = seen.setdefault(m, [0, 0])
                s[0] += k
                s[1] += n
        seen_rates = {m: {"n": n, "success_rate": round(k / n, 4)} for m, (k, n) in sorted(seen.items()) if n}
        cur_rate = seen_rates.get(current, {}).get("success_rate") if current else None
        rollback, rb_rate = None, None
        for m, v in sorted(seen_rates.items(), key=lambda kv: (-kv[1]["success_rate"], kv[0])):
            if m == current or v["n"] < tc.rollback_min_units:
                continue
            if cur_rate is None or v["success_rate"] >= cur_rate + tc.rollback_min_delta:
                rollback, rb_rate = m, v["success_rate"]
            break
        severity = SEVERITY.get(etype, 0.3) + (0.1 if esc else 0.0)
        slope = float(cl.get("trend_slope") or 0.0)
        volume = min(1.5, math.log1p(size) / math.log1p(max(tc.volume_at_scale, 1)))
        cost = min(1.0, math.log1p(refund) / math.log1p(1000.0)) + min(1.0, esc / max(size, 1))
        urgency = 100.0 * volume * severity * (1.0 + tc.cost_weight * cost) * (1.0 + min(max(slope, 0.0), 1.0)) / 4.0
        vol = max(size, type_volume.get(etype, size))
        action = intervention_for(etype, vol, tc.volume_at_scale)
        why = [RATIONALE.get(etype, RATIONALE["other"])]
        if etype in ("wrong_tool_or_args", "hallucination"):
            why.append(f"{'at' if action == 'sft_rl' else 'below'} volume ({vol} units of this type, threshold "
                       f"{tc.volume_at_scale})")
        if refund or esc:
            why.append(f"cost signals: refunds {refund:.2f}, escalations {esc}")
        if slope > 0.05:
            why.append(f"growing ({slope:+.2f}/day)")
        if rollback:
            why.append(f"{rollback} succeeds on the same intents ({rb_rate:.0%} vs "
                       f"{'n/a' if cur_rate is None else f'{cur_rate:.0%}'} for {current}): rollback candidate "
                       f"while the fix ships")
        out.append({
            "cluster_id": cl["cluster_id"], "error_type": etype, "size": size, "severity": round(severity, 4),
            "refund_total": round(refund, 2), "n_escalations": esc, "trend_slope": slope,
            "urgency": round(urgency, 4), "intervention": action, "effort_days": EFFORT_DAYS[action],
            "current_model": current, "current_success_rate": cur_rate, "models_seen": to_json(seen_rates),
            "rollback_candidate": rollback, "rollback_success_rate": rb_rate, "rationale": "; ".join(why),
        })
    out.sort(key=lambda r: (-r["urgency"], r["cluster_id"]))
    cum = 0.0
    first_of: dict[tuple, int] = {}
    for i, r in enumerate(out, 1):
        r["priority"] = i
        key = (r["error_type"], r["intervention"])
        if key in first_of:  # a sub-cluster of a type already being fixed: the same intervention covers it
            r["effort_days"] = 0.0
            r["rationale"] += f"; covered by the {r['intervention']} fix of priority {first_of[key]}"
        else:
            first_of[key] = i
        cum += r["effort_days"]
        r["cumulative_days"] = cum
        r["within_budget"] = cum <= tc.budget_days
    return pl.DataFrame(out, schema=TRIAGE_SCHEMA)


def _intent_groups(df: pl.DataFrame, cfg: FeedbackConfig) -> dict[str, str]:
    from flywheel_assets.feedback.intent_index import intent_index

    firsts = {r["unit_id"]: c.first_user(c.messages_of(r)) for r in df.select("unit_id", "messages").iter_rows(named=True)}
    idx = intent_index(list(firsts.values()), cfg.pairs.intent_threshold, cfg.pairs.intent_fuzzy_threshold,
                       backend=cfg.embedding_backend)
    return {u: idx.group_of_text.get(c.intent_text(t)) for u, t in firsts.items()}


def triage_report(triaged: pl.DataFrame, cfg: FeedbackConfig | None = None) -> Report:
    cfg = cfg or FeedbackConfig()
    md = ["# Triage", "", f"Budget: {cfg.triage.budget_days:g} engineering days.", "",
          "| # | cluster | error type | size | urgency | intervention | days | in budget | rollback | rationale |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for r in triaged.iter_rows(named=True):
        md.append(f"| {r['priority']} | {r['cluster_id']} | {r['error_type']} | {r['size']} | {r['urgency']:.1f} | "
                  f"**{r['intervention']}** | {r['effort_days']:g} | {'yes' if r['within_budget'] else 'no'} | "
                  f"{r['rollback_candidate'] or ''} | {r['rationale']} |")
    summary = {
        "n_clusters": triaged.height,
        "by_intervention": {k: int(v) for k, v in triaged.group_by("intervention").len().sort("intervention")
                            .iter_rows()} if triaged.height else {},
        "days_within_budget": float(triaged.filter(pl.col("within_budget"))["effort_days"].sum() or 0.0)
        if triaged.height else 0.0,
        "rollback_candidates": sorted({r for r in triaged["rollback_candidate"].to_list() if r})
        if triaged.height else [],
    }
    return Report("triage", summary, "\n".join(md) + "\n", {"triage": triaged})


__all__ = ["triage", "triage_report", "intervention_for", "cost_signals", "TRIAGE_SCHEMA"]
