"""Realistic curated units + preference pairs for the export/train tests (built with schema helpers)."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from flywheel_assets.schema import message, new_unit, to_json, tool_call

ORDER_TOOL = {"type": "function", "function": {
    "name": "get_order", "description": "Look up an order by id",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"],
                   "additionalProperties": False}}}
REFUND_TOOL = {"type": "function", "function": {
    "name": "refund", "description": "Refund an order",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
                   "required": ["order_id", "amount"]}}}
SYSTEM = "You are the Acme support assistant. Be concise."

QUESTIONS = [
    ("How do I reset my password?", "Open Settings > Security and choose 'Reset password'."),
    ("What are your opening hours?", "We are open 9:00-17:00 CET, Monday to Friday."),
    ("Can I change my delivery address?", "Yes, until the order ships: go to Orders > Edit address."),
    ("Do you ship to Norway?", "Yes, we ship to Norway; delivery takes 3-5 working days."),
    ("How do I cancel my subscription?", "Go to Account > Subscription and press Cancel."),
    ("Is there a student discount?", "Yes, 15% with a verified student e-mail."),
]


def qa_unit(i: int, *, dup: str | None = None, bucket: str = "simple", thumbs: str | None = "up") -> dict:
    q, a = QUESTIONS[i % len(QUESTIONS)]
    u = new_unit([message("system", SYSTEM), message("user", f"Hi, I'm <PERSON_{1 + i % 2}>. {q}"),
                  message("assistant", a)], session_id=f"qa-{i}", event_date=date(2026, 11, 1 + i % 20),
                 feedback_thumbs=thumbs, outcome="success")
    u.update(dup_cluster_id=dup or f"dc-qa-{i}", kept=True, complexity_bucket=bucket, complexity_score=0.1,
             tools_used="[]", task_type="faq", is_synthetic=False)
    return u


def agent_unit(i: int, *, bucket: str = "complex", with_refund: bool = False) -> dict:
    oid = f"A{1000 + i}"
    msgs = [message("system", SYSTEM),
            message("user", f"Where is my order {oid}? Email me at <EMAIL_ADDRESS_1>."),
            message("assistant", "", tool_calls=[tool_call(f"c{i}a", "get_order", {"order_id": oid})]),
            message("tool", json.dumps({"status": "delayed", "eta": "2026-11-30"}), name="get_order",
                    tool_call_id=f"c{i}a")]
    tools_used = ["get_order"]
    if with_refund:
        msgs += [message("assistant", "It is delayed. Shall I refund the shipping?"), message("user", "Yes please."),
                 message("assistant", "", tool_calls=[tool_call(f"c{i}b", "refund", {"order_id": oid, "amount": 4.99})]),
                 message("tool", '{"ok": true}', name="refund", tool_call_id=f"c{i}b")]
        tools_used.append("refund")
    msgs.append(message("assistant", f"Order {oid} is delayed, new ETA 2026-11-30."))
    u = new_unit(msgs, session_id=f"agent-{i}", tools=[ORDER_TOOL, REFUND_TOOL], event_date=date(2026, 11, 2),
                 outcome="success")
    u.update(dup_cluster_id=f"dc-agent-{i}", kept=True, complexity_bucket=bucket, complexity_score=0.8,
             tools_used=to_json(tools_used), task_type="order_support", is_synthetic=False)
    return u


def curated_frame(n_qa: int = 24, n_agent: int = 12) -> pl.DataFrame:
    rows = []
    for i in range(n_qa):
        # every 4th unit shares a near-duplicate cluster with its neighbour
        rows.append(qa_unit(i, dup=f"dc-shared-{i // 2}" if i % 4 < 2 else None,
                            bucket=("simple" if i % 3 else "moderate")))
    for i in range(n_agent):
        rows.append(agent_unit(i, bucket="complex" if i % 2 else "moderate", with_refund=bool(i % 3 == 0)))
    bad = qa_unit(max(99, n_qa))  # never one of the kept units above
    bad["kept"] = False
    rows.append(bad)
    return pl.DataFrame(rows, infer_schema_length=None)


def pairs_frame(curated: pl.DataFrame, n: int = 6) -> pl.DataFrame:
    """Preference pairs between QA units (chosen = a good answer, rejected = an unhelpful one)."""
    out = []
    units = curated.filter(pl.col("session_id").str.starts_with("qa-")).sort("session_id").to_dicts()
    for k in range(n):
        u = units[k * 3]
        msgs = json.loads(u["messages"])
        prompt, chosen = msgs[:-1], [msgs[-1]]
        rejected = [message("assistant", "I don't know, please contact support.")]
        out.append({
            "pair_id": f"pair-{k}", "pair_source": ["thumbs", "edit", "rank"][k % 3],
            "prompt": to_json(prompt), "chosen": to_json(chosen), "rejected": to_json(rejected),
            "tools": u["tools"], "chosen_session_id": u["session_id"], "rejected_session_id": f"neg-{k}",
            "chosen_unit_id": u["unit_id"], "rejected_unit_id": f"neg-unit-{k}", "group_id": f"pg-{k}",
            "weight": 1.0, "is_synthetic": False, "event_date": u["event_date"],
        })
    return pl.DataFrame(out, infer_schema_length=None)
