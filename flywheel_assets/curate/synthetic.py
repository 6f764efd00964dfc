"""Governed synthetic expansion (off by default).

Template paraphrases of the user's first request in kept units from under-covered strata (complexity bucket x
domain with fewer than ``target_per_stratum`` kept units go first). Every synthetic row is flagged
``is_synthetic``, points at its parent (``synthetic_parent_id``), has its generated text PII-scanned
(``pii_scan(text) -> findings``, e.g. ``flywheel_assets.privacy.cascade.scan_text``; rows with findings are kept in
the table but rejected with reason ``synthetic_pii``), and the synthetic share is
capped at ``max_share`` of the kept real units. No model is called: assistant turns are copied from the parent, so
the expansion teaches robustness to phrasing, not new facts.
"""

from __future__ import annotations

import json
import random
import re
from typing import Callable

import polars as pl

from flywheel_assets.curate.config import SyntheticConfig
from flywheel_assets.curate.dedup import content_hash
from flywheel_assets.curate.parsed import ParsedUnit
from flywheel_assets.schema import stable_id, to_json

TEMPLATES = (
    "Could you help me with this? {q}",
    "{q} Thanks in advance.",
    "Quick question: {q}",
    "I need some help. {q}",
    "Please assist: {q}",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_CARD = re.compile(r"\b(?:\d[ -]?){13,16}\b")


def regex_pii_scan(text: str) -> list[str]:
    """Fallback scanner used when no privacy scanner is passed: entity types only, never the matched text."""
    found = []
    if _EMAIL.search(text):
        found.append("EMAIL_ADDRESS")
    if _PHONE.search(text):
        found.append("PHONE_NUMBER")
    if _CARD.search(text):
        found.append("CREDIT_CARD")
    return found


def _rewrite(messages: list[dict], rng: random.Random) -> list[dict] | None:
    out = [dict(m) for m in messages]
    for m in out:
        if m["role"] == "user" and m["content"].strip():
            q = m["content"].strip()
            m["content"] = rng.choice(TEMPLATES).format(q=q[0].lower() + q[1:] if q[:1].isupper() and q[1:2].islower() else q)
            m["event_ids"] = []
            return out
    return None


def expand(curated: pl.DataFrame, cfg: SyntheticConfig, pii_scan: Callable[[str], list] | None = None) -> pl.DataFrame:
    """Synthetic rows (same columns as ``curated``) derived from kept real units; empty frame when disabled."""
    if not cfg.enabled or curated.is_empty():
        return curated.clear()
    scan = pii_scan or regex_pii_scan
    kept = curated.filter(pl.col("kept") & ~pl.col("is_synthetic")).sort("unit_id")
    budget = int(cfg.max_share * kept.height)
    if budget <= 0:
        return curated.clear()
    strata = kept.group_by("complexity_bucket", "domain").agg(pl.len().alias("stratum_n"))
    seeds = (kept.join(strata, on=["complexity_bucket", "domain"], how="left")
             .filter(pl.col("stratum_n") < cfg.target_per_stratum)
             .sort("stratum_n", "unit_id"))
    if seeds.is_empty():
        seeds = kept
    rng = random.Random(cfg.seed)
    rows = []
    for row in seeds.iter_rows(named=True):
        for v in range(cfg.variants_per_seed):
            if len(rows) >= budget:
                break
            try:
                msgs = json.loads(row["messages"])
            except ValueError:
                continue
            new = _rewrite(msgs, rng)
            if new is None:
                continue
            # scan what the generator wrote (the parent was already redacted by the privacy stage; rescanning
            # its copied turns with a high-recall NER would reject rows for text that passed redaction)
            changed = [m["content"] for m, old in zip(new, msgs) if m["content"] != old.get("content")]
            findings = scan("\n".join(changed))
            r = dict(row)
            r["unit_id"] = stable_id("synthetic", row["unit_id"], v)
            r["messages"] = to_json(new)
            r["event_ids"] = []
            r["content_hash"] = content_hash(ParsedUnit.from_row(r).dialog_text)
            r["is_synthetic"] = True
            r["synthetic_parent_id"] = row["unit_id"]
            r["dup_cluster_id"] = r["unit_id"]
            r["is_representative"] = True
            r["kept"] = not findings
            r["filter_reason"] = "synthetic_pii" if findings else None
            r["sample_weight"] = row["sample_weight"] if not findings else 0.0
            rows.append(r)
        if len(rows) >= budget:
            break
    if not rows:
        return curated.clear()
    return pl.DataFrame(rows, schema=curated.schema)
