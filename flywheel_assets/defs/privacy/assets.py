"""Privacy: one day's raw units -> redacted_trajectories (clean zone) + pii_audit, with blocking checks."""

from datetime import date

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.defs.metadata import table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL, daily_partitions
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.privacy.canaries import canary_probe
from flywheel_assets.privacy.policy import apply_policy, check_policy
from flywheel_assets.privacy.pseudonymize import consistency_violations
from flywheel_assets.privacy import reuse
from flywheel_assets.privacy.redact import unit_texts
from flywheel_assets.privacy.residual import residual_scan


def planted_canary_hits(texts: list[str], canaries: list[str]) -> list[str]:
    """Which planted canary values (by index, never the value) occur in the clean-zone texts."""
    hay = "\n".join(texts).casefold()
    return [f"canary#{i}" for i, c in enumerate(canaries) if c.casefold() in hay]


@dg.multi_asset(
    specs=[
        dg.AssetSpec("redacted_trajectories", deps=["training_units"], group_name="privacy", kinds={"duckdb"},
                     description="Training units with every text field redacted (consistent per-session "
                                 "placeholders, JSON kept valid). First clean-zone table."),
        dg.AssetSpec("pii_audit", deps=["training_units"], group_name="privacy", kinds={"duckdb"},
                     description="PII counts by entity type and source field, policy exclusions, review sample."),
    ],
    check_specs=[
        dg.AssetCheckSpec("pii_zero_canaries_leaked", asset="redacted_trajectories", blocking=True,
                          partitions_def=daily_partitions,
                          description="No seeded or planted canary survives redaction."),
        dg.AssetCheckSpec("pii_residual_rate_under_threshold", asset="redacted_trajectories", blocking=True,
                          partitions_def=daily_partitions,
                          description="An independent detector (stock Presidio) finds at most the configured "
                                      "share of suspected PII characters in the redacted text."),
        dg.AssetCheckSpec("pii_placeholder_consistency", asset="redacted_trajectories", blocking=True,
                          partitions_def=daily_partitions,
                          description="Placeholders numbered per session in order of first appearance, no gaps."),
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
)
def privacy_assets(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    cfg = flywheel.cfg()
    pcfg = cfg.stage("privacy")
    key = flywheel.key()
    wh = flywheel.warehouse_path
    units = warehouse.read_partition(wh, "training_units", day, order_by="unit_id")
    policy = apply_policy(units, pcfg, as_of=day) if units.height else None
    kept = policy.kept if policy else units
    # a re-run day (new events of an old date) redacts only the sessions that changed (privacy/reuse.py)
    fp = reuse.fingerprint(pcfg)
    # (residual-scan results are per text: a text any day already scanned, a repeated system prompt or tool schema,
    # is not scanned again)
    stored = reuse.load_state(warehouse.read_table(wh, reuse.TABLE, where="event_date = ? OR kind = 'residual'",
                                                   params=[day]), fp, day)
    red = reuse.redact_day(kept, pcfg, key, stored, lambda ids: warehouse.read_partition(
        wh, "redacted_trajectories", day), fp) if kept.height else None
    redacted = red.units if red else kept
    if red is not None and red.reused_sessions:
        context.log.info(f"privacy {day}: {red.redacted_sessions} sessions redacted, {red.reused_sessions} unchanged "
                         "sessions reused from the previous run")
    warehouse.replace_partition(wh, "redacted_trajectories", redacted, day)
    audit = (red.audit if red else pl.DataFrame()).with_columns(pl.lit(day).alias("event_date"))
    if policy is not None and policy.excluded.height:
        excl = policy.excluded.group_by("policy_reason").len().rename({"policy_reason": "entity_type", "len": "count"})
        audit = pl.concat([audit, excl.with_columns(pl.lit("policy_excluded").alias("source_field"),
                                                    pl.lit(day).alias("event_date"))], how="diagonal_relaxed")
    warehouse.replace_partition(wh, "pii_audit", audit, day)
    texts = unit_texts(redacted) if redacted.height else []  # parsed once for both clean-zone checks
    seen = reuse.UsedCache(stored["residual"])
    residual = residual_scan(texts, pcfg, cache=seen) if redacted.height else {"residual_rate": 0.0,
                                                                               "hits_by_type": {}}
    probe_units = kept.head(cfg.checks.canary_probe_units)
    probe_key = reuse.probe_digest(probe_units, key, fp, cfg.checks.canary_probe_units) if kept.height else ""
    probe = stored["probe"].get(probe_key) or (canary_probe(probe_units, pcfg, key) if kept.height else {"leaks": []})
    warehouse.replace_partition(wh, reuse.TABLE, reuse.state_frame(
        day, fp, red.sessions if red else {}, seen.kept_entries(), (probe_key, probe) if kept.height else None), day)
    planted = planted_canary_hits(texts, cfg.planted_canaries()) if redacted.height else []
    leaks = list(probe.get("leaks", [])) + [{"kind": "planted", "tag": p} for p in planted]
    checks = check_policy({}, residual, {**probe, "leaks": leaks}, pcfg,
                          consistency=consistency_violations(redacted) if redacted.height else [])
    by_type = red.by_type if red else {}
    yield dg.MaterializeResult(
        asset_key="redacted_trajectories",
        metadata={
            "dagster/row_count": redacted.height,
            "units_in": units.height,
            "policy_excluded": 0 if policy is None else policy.excluded.height,
            "entities_redacted": int(sum(by_type.values())) if by_type else 0,
            "entities_by_type": dg.MetadataValue.json(by_type),
            "residual_rate": float(residual.get("residual_rate", 0.0)),
            "sessions_redacted": red.redacted_sessions if red else 0,
            "sessions_reused": red.reused_sessions if red else 0,
        },
    )
    review = red.review_sample if red else pl.DataFrame()
    yield dg.MaterializeResult(
        asset_key="pii_audit",
        metadata={
            "dagster/row_count": audit.height,
            "audit": dg.MetadataValue.md(table_md(audit.drop("event_date", strict=False))),
            "review_sample": dg.MetadataValue.md(table_md(review, max_rows=40)),
            "residual_hits_by_type": dg.MetadataValue.json(residual.get("hits_by_type", {})),
        },
    )
    for c in checks:
        yield dg.AssetCheckResult(check_name=c["name"], asset_key="redacted_trajectories", passed=bool(c["passed"]),
                                  description=c.get("description"),
                                  metadata={k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v
                                            for k, v in c["metadata"].items() if v is not None})
