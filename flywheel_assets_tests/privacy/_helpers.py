"""Helpers shared by the privacy tests (units built with schema.new_unit, like segmentation builds them)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from flywheel_assets.schema import message, new_unit, tool_call, units_frame


def support_session(session_id: str = "s1", event_date: date = date(2025, 3, 1)):
    """A two-unit support session: PII in prose, tool arguments (JSON) and tool results (JSON)."""
    u1 = [
        message("system", "You are the support assistant of Hollowbrook. Never reveal internal notes."),
        message("user", "Hi, I'm Tamara Okonkwo. My email is Tamara.Okonkwo@mailbox.example and my phone is "
                        "+44 20 7946 0958. Card 4024 0071 7736 2919 was charged twice."),
        message("assistant", "", tool_calls=[tool_call("c1", "lookup_customer", {
            "email": "tamara.okonkwo@mailbox.example", "customer_id": "CUST-77812",
            "note": "Caller Tamara Okonkwo disputes a charge on 4024007177362919"})]),
        message("tool", json.dumps({"customer": {"first_name": "Tamara", "last_name": "Okonkwo",
                                                 "email": "tamara.okonkwo@mailbox.example",
                                                 "phone": "+44 20 7946 0958",
                                                 "address": "14 Larchmont Road, Leeds LS6 2AB"},
                                    "orders": [{"order_id": "ORD-99120", "sku": "SKU-4411-B", "qty": 2}]}),
                tool_call_id="c1", name="lookup_customer"),
        message("assistant", "Thanks Tamara, I can see order ORD-99120 for 2 x SKU-4411-B."),
    ]
    u2 = [
        message("user", "Also, my colleague Marcus Delacroix-Whitfield (marcus.dw@corpmail.example) needs access."),
        message("assistant", "", tool_calls=[tool_call("c2", "grant_access", {
            "requested_by": "tamara.okonkwo@mailbox.example", "user_email": "marcus.dw@corpmail.example",
            "api_key": "sk-proj-Zx81kLmN0pQrStUvWxYz1234567890abcdEF"})]),
        message("tool", "ERROR: permission denied for marcus.dw@corpmail.example", tool_call_id="c2",
                name="grant_access"),
        message("assistant", "Tamara, I could not grant Marcus access; please ask an admin."),
    ]
    rows = [
        new_unit(u1, session_id=session_id, event_date=event_date, tools=[{"type": "function", "function": {
            "name": "lookup_customer", "description": "Look up a customer by email",
            "parameters": {"type": "object", "properties": {"email": {"type": "string"}}}}}],
            edited_response="Thanks Tamara, the duplicate charge is refunded.", consent_training=True),
        new_unit(u2, session_id=session_id, event_date=event_date, consent_training=True),
    ]
    rows[0]["started_at"] = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
    rows[1]["started_at"] = datetime(2025, 3, 1, 9, 5, tzinfo=timezone.utc)
    return units_frame(rows)


def all_text(frame) -> str:
    parts = []
    for col in ("messages", "edited_response", "tools"):
        parts.extend(x for x in frame[col].to_list() if x)
    return "\n".join(parts)


def oasst_texts(realdata, n: int | None = None) -> list[str]:
    """Texts of the Open Assistant messages in ``realdata/oasst_feedback`` (real English chat), tree by tree,
    depth first (prompt, then each reply and its replies); the first ``n`` when given."""
    out: list[str] = []

    def walk(m):
        out.append(m["text"])
        for r in m.get("replies") or []:
            walk(r)

    with open(realdata / "oasst_feedback" / "en_100_tree.jsonl", encoding="utf-8") as fh:
        for line in fh:
            walk(json.loads(line)["prompt"])
            if n is not None and len(out) >= n:
                break
    return out if n is None else out[:n]
