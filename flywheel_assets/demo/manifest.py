"""The demo's ground-truth manifest: :class:`DemoManifest` (the summary of a generated drop, read back with
``DemoManifest.load``) and :func:`session_entry`, the per-session truth the generator streams into it (categories,
planted PII values and the message roles they appear in, feedback, outcome). See docs/demo.md for the format."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from flywheel_assets.demo.writers import fmt_ts

MANIFEST_FORMAT = "flywheel-demo-manifest/1"
PII_FIELDS = [("PERSON", "name"), ("EMAIL_ADDRESS", "email"), ("PHONE_NUMBER", "phone"), ("STREET_ADDRESS", "address"),
              ("ZIP_CODE", "zip"), ("US_SSN", "ssn"), ("CREDIT_CARD", "card"), ("IBAN_CODE", "iban"),
              ("IP_ADDRESS", "ip"), ("CUSTOMER_ID", "customer_id")]


@dataclass
class DemoManifest:
    """Summary of a generated drop; the per-session ground truth is streamed to ``path`` (read with ``sessions()``)."""

    path: Path
    drop_dir: Path
    seed: int
    n_sessions: int
    families: dict[str, int]
    files: list[dict]
    malformed: list[dict]
    canaries: list[dict]
    near_duplicate_groups: list[dict]
    pair_groups: list[dict]
    intents: dict[str, dict]
    error_types: dict[str, dict]
    categories: dict[str, int] = field(default_factory=dict)

    def sessions(self) -> Iterator[dict]:
        """Per-session ground truth (see docs/demo.md), read back from the manifest file."""
        with open(self.path, encoding="utf-8") as f:
            yield from json.load(f)["sessions"]

    @classmethod
    def load(cls, path: Path) -> "DemoManifest":
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        s = d["summary"]
        return cls(path=Path(path), drop_dir=Path(path).parent / d["drop_dir"], seed=d["seed"],
                   n_sessions=s["n_sessions"], families=s["families"], files=d["files"], malformed=d["malformed"],
                   canaries=d["canaries"], near_duplicate_groups=d["near_duplicate_groups"],
                   pair_groups=d["pair_groups"], intents=s["intents"], error_types=s["error_types"],
                   categories=s["categories"])


def session_entry(s: dict) -> dict:
    """The ground-truth entry of one generated session: categories, planted PII values with the roles they appear
    in, feedback and outcome (the generator adds ``file`` / ``line`` once the session is placed)."""
    msgs = s["messages"]
    gt = s["gt"]
    cats = set(gt["categories"])
    n_calls = sum(len(m.get("tool_calls") or []) for m in msgs)
    n_err = sum(1 for m in msgs if m["role"] == "tool" and m["content"].startswith("ERROR:"))
    n_user = sum(1 for m in msgs if m["role"] == "user")
    if n_user > 1:
        cats.add("multi_turn")
    if n_err:
        cats.add("tool_error")
    if s["feedback"]:
        cats.add(f"thumbs_{s['feedback']['thumbs']}")
    if s["api_errors"]:
        cats.add("api_retry")
    if s["late"]:
        cats.add("late_record")
    if s["naive"]:
        cats.add("naive_timestamp")
    if s["near_dup_group"]:
        cats.add("near_duplicate")
    if s["pair_group"]:
        cats.add("concise_verbose_pair")
    if s["canaries"]:
        cats.add("canary")
    p = s["persona"]
    cands = [(t, p[f]) for t, f in PII_FIELDS] + list(gt["extra_pii"])
    first = p["first"]
    pii = []
    seen = set()
    for t, v in cands:
        if (t, v) in seen:
            continue
        seen.add((t, v))
        locs = _locations(msgs, v)
        if locs:
            pii.append({"type": t, "value": v, "locations": locs})
    # first-name-only references (the same person recurring across turns)
    ref = sorted({_where(m) for m in msgs if re.search(rf"\b{re.escape(first)}\b", m.get("content") or "")
                  and p["name"] not in (m.get("content") or "")})
    if ref and any(e["type"] == "PERSON" for e in pii):
        pii.append({"type": "PERSON_FIRST_NAME", "value": first, "locations": ref})
    pii.sort(key=lambda e: (e["type"], e["value"]))
    fb = s["feedback"] or {}
    return {
        "session_id": s["session_id"], "family": s["family"], "date": s["file_day"].isoformat(),
        "timestamp": fmt_ts(s["start"], s["naive"]), "late": s["late"], "naive_timestamp": s["naive"],
        "user_id": s["user_id"], "assistant": s["assistant"], "model": s["model"], "scenario": s["scenario"],
        "intent_id": s["intent_id"], "categories": sorted(cats), "error_type": s["error_type"],
        "intended_intervention": s["intended_intervention"], "outcome": s["outcome"], "reward": s["reward"],
        "feedback_thumbs": fb.get("thumbs"), "feedback_rating": fb.get("rating"),
        "edited_response": fb.get("edited_response"), "consent_training": s["consent"],
        "n_messages": len(msgs), "n_user_turns": n_user, "n_tool_calls": n_calls, "n_tool_errors": n_err,
        "api_errors": [{"step": k, "status": v} for k, v in sorted(s["api_errors"].items())],
        "near_dup_group": s["near_dup_group"], "near_dup_of": s["near_dup_of"], "near_dup_edit": s["near_dup_edit"],
        "pair_group": s["pair_group"], "pair_role": s["pair_role"], "cost_usd": gt.get("cost_usd"),
        "escalated": bool(gt.get("escalated")), "otel_form": s["otel_form"] if s["family"] == "otlp" else None,
        "canaries": s["canaries"], "pii": pii,
    }


def _where(m: dict) -> str:
    return {"user": "user", "assistant": "assistant", "tool": "tool_result", "system": "system"}[m["role"]]


def _locations(msgs: list[dict], value: str) -> list[str]:
    locs = set()
    for m in msgs:
        if value in (m.get("content") or ""):
            locs.add(_where(m))
        for tc in m.get("tool_calls") or []:
            if value in tc["function"]["arguments"]:
                locs.add("tool_args")
    return sorted(locs)
