"""Policy gate (consent, purpose, retention) and the blocking checks of the privacy stage.

``apply_policy`` runs before any export: records without consent, outside the allowed purposes or older than the
retention window are excluded (with a reason code and counts), never silently dropped. ``as_of`` is the run's
reference date (the partition date); without it the newest record date in the frame is used, so the result never
depends on the wall clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from .config import PrivacyConfig


@dataclass
class PolicyResult:
    kept: pl.DataFrame
    excluded: pl.DataFrame  # same columns + policy_reason
    counts: dict  # reason -> n, plus n_in / n_kept


def _purposes(row: dict) -> list[str] | None:
    p = row.get("purposes")
    if p is None and row.get("attributes"):
        try:
            attrs = json.loads(row["attributes"])
        except (ValueError, TypeError):
            attrs = {}
        if isinstance(attrs, dict):
            p = attrs.get("purposes") or attrs.get("consent_purposes")
    if p is None:
        return None
    if isinstance(p, str):
        p = [p]
    return [str(x).strip().lower() for x in p]


def _row_date(row: dict) -> date | None:
    for k in ("event_date", "ended_at", "started_at", "timestamp"):
        v = row.get(k)
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
    return None


def policy_reason(row: dict, cfg: PrivacyConfig, as_of: date | None) -> str | None:
    consent = row.get("consent_training")
    if cfg.require_consent and (consent is False or (consent is None and not cfg.consent_unknown_allowed)):
        return "no_consent"
    purposes = _purposes(row)
    allowed = {p.lower() for p in cfg.allowed_purposes}
    if purposes is not None and not (set(purposes) & allowed):
        return "purpose_not_allowed"
    if cfg.retention_days is not None and as_of is not None:
        d = _row_date(row)
        if d is not None and d < as_of - timedelta(days=cfg.retention_days):
            return "retention_expired"
    return None


def apply_policy(frame: pl.DataFrame, cfg: PrivacyConfig | None = None, as_of: date | None = None) -> PolicyResult:
    """Split units/events into kept and excluded (+ ``policy_reason``: no_consent | purpose_not_allowed |
    retention_expired)."""
    cfg = cfg or PrivacyConfig()
    rows = frame.to_dicts()
    if as_of is None:
        ds = [d for d in (_row_date(r) for r in rows) if d is not None]
        as_of = max(ds) if ds else None
    reasons = [policy_reason(r, cfg, as_of) for r in rows]
    mask = pl.Series([r is None for r in reasons], dtype=pl.Boolean)
    kept = frame.filter(mask) if rows else frame
    excluded = frame.with_columns(pl.Series("policy_reason", reasons, dtype=pl.Utf8)).filter(~mask) if rows else \
        frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("policy_reason"))
    counts = {"n_in": len(rows), "n_kept": int(kept.height), "as_of": None if as_of is None else as_of.isoformat()}
    for r in ("no_consent", "purpose_not_allowed", "retention_expired"):
        counts[r] = sum(1 for x in reasons if x == r)
    return PolicyResult(kept, excluded, counts)


def check_policy(summary: dict, residual: dict | None, canary_hits: list | dict | None,
                 cfg: PrivacyConfig | None = None, consistency: list | None = None) -> list[dict]:
    """The privacy stage's blocking checks as plain dicts ``{name, passed, severity, description, metadata}``:
    zero canaries leaked, second-detector residual rate under the threshold, placeholder consistency."""
    cfg = cfg or PrivacyConfig()
    if isinstance(canary_hits, dict):  # a canary_probe() result
        leaks = canary_hits.get("leaks", [])
        probe = canary_hits
    else:
        leaks = list(canary_hits or [])
        probe = {}
    viol = consistency if consistency is not None else summary.get("consistency_violations_list", [])
    rate = None if residual is None else float(residual.get("residual_rate", 0.0))
    hits = (residual or {}).get("hits_by_type")
    n_hits = None if hits is None else sum(hits.values())  # unknown count: the rate alone decides
    scanned, suspect = (residual or {}).get("chars_scanned"), (residual or {}).get("suspect_chars")
    # a small partition is judged as if it had residual_min_chars chars (the rate of a few sessions is noise)
    judged_rate = rate if scanned is None or suspect is None else suspect / max(int(scanned), cfg.residual_min_chars, 1)
    small = scanned is not None and int(scanned) < cfg.residual_min_chars
    return [
        {"name": "pii_zero_canaries_leaked", "passed": len(leaks) == 0, "severity": "ERROR",
         "description": "No seeded canary value survives redaction.",
         "metadata": {"n_leaked": len(leaks), "n_canaries": probe.get("n_canaries"),
                      "leak_rate_upper95": probe.get("leak_rate_upper95"),
                      "leaked_kinds": sorted({x["kind"] for x in leaks})}},
        {"name": "pii_residual_rate_under_threshold",
         "passed": rate is not None and (judged_rate <= cfg.residual_threshold
                                         or (n_hits is not None and n_hits < cfg.residual_min_hits)),
         "severity": "ERROR",
         "description": "An independent detector finds at most residual_threshold suspected-PII chars / total "
                        "(blocking from residual_min_hits hits on; a partition under residual_min_chars scanned "
                        "chars is judged as if it had that many)." + (
                            f" Small partition ({scanned} chars): own rate {rate:.3%}, judged on "
                            f"{cfg.residual_min_chars} chars: {judged_rate:.3%}." if small and rate is not None
                            and judged_rate is not None else ""),
         "metadata": {"residual_rate": rate, "judged_rate": None if judged_rate is None else round(judged_rate, 6),
                      "threshold": cfg.residual_threshold, "hits": n_hits,
                      "min_hits": cfg.residual_min_hits, "min_chars": cfg.residual_min_chars,
                      "hits_by_type": hits or {},
                      "chars_scanned": scanned, "suspect_chars": suspect,
                      "examples": (residual or {}).get("examples_redacted_context", [])[:3]}},
        {"name": "pii_placeholder_consistency", "passed": len(viol) == 0, "severity": "ERROR",
         "description": "Placeholders are numbered per session in order of first appearance, without gaps.",
         "metadata": {"n_violations": len(viol), "examples": viol[:5]}},
    ]
