"""Curation: complexity tags per day; dedup, filters, metadata, diversity and coverage/bias reports across days."""

from datetime import date

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.curate.bias import bias_report
from flywheel_assets.curate.complexity import complexity_tags as tag_units
from flywheel_assets.curate.coverage import coverage_report as coverage
from flywheel_assets.curate.features import DIGEST_COLUMN, FEATURE_SCHEMA
from flywheel_assets.curate.pipeline import curate_units, unit_features as compute_unit_features
from flywheel_assets.defs.metadata import report_metadata, table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL, daily_partitions
from flywheel_assets.defs.resources import FlywheelResource


@dg.asset(
    deps=["redacted_trajectories"], group_name="curate", kinds={"duckdb", "polars"}, partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    description="Per-unit compositional-complexity tags: turns, steps, tool calls, distinct tools, dependency depth, "
                "parallel calls, errors, retries, recoveries, context tokens, score and bucket.",
)
def complexity_tags(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    units = warehouse.read_partition(flywheel.warehouse_path, "redacted_trajectories", day, order_by="unit_id")
    thresholds = tuple(flywheel.cfg().stage("curate").complexity_thresholds)
    tags = tag_units(units, thresholds).with_columns(pl.lit(day).alias("event_date")) if units.height else \
        pl.DataFrame({"unit_id": [], "event_date": []}, schema={"unit_id": pl.Utf8, "event_date": pl.Date})
    warehouse.replace_partition(flywheel.warehouse_path, "complexity_tags", tags, day)
    buckets = tags.group_by("complexity_bucket").len().sort("complexity_bucket") if tags.height else pl.DataFrame()
    return dg.MaterializeResult(metadata={"dagster/row_count": tags.height,
                                          "buckets": dg.MetadataValue.md(table_md(buckets))})


@dg.asset(
    deps=["redacted_trajectories", "complexity_tags"], group_name="curate", kinds={"duckdb", "polars"},
    partitions_def=daily_partitions, pool=WAREHOUSE_POOL,
    description="Per-unit curation features computed once in the unit's day (issue 19): metadata (task type, "
                "domain, language id, outcome, tools, hops), row-local filter reason, normalised dedup text and "
                "the MiniLM vector of the embedding text, keyed by unit id + feature_key (version, config, model). "
                "curated_units reads them and does only the cross-day work.",
)
def unit_features(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    day = date.fromisoformat(context.partition_key)
    wh = flywheel.warehouse_path
    units = warehouse.read_partition(wh, "redacted_trajectories", day, order_by="unit_id")
    tags = warehouse.read_partition(wh, "complexity_tags", day, order_by="unit_id")
    tags = tags.drop("event_date", strict=False) if tags.height else None
    stored = warehouse.read_partition(wh, "unit_features", day)  # a re-run day keeps its unchanged units' rows
    feats = compute_unit_features(units, tags, flywheel.cfg().stage("curate"), stored=stored) if units.height else \
        pl.DataFrame(schema=FEATURE_SCHEMA)
    warehouse.replace_partition(wh, "unit_features", feats.with_columns(pl.lit(day).alias("event_date")), day)
    with_vec = int(feats["embedding"].is_not_null().sum()) if feats.height else 0
    reused = stored.join(feats, on=["unit_id", "feature_key", DIGEST_COLUMN], how="semi").height \
        if feats.height and DIGEST_COLUMN in stored.columns and DIGEST_COLUMN in feats.columns else 0
    return dg.MaterializeResult(metadata={"dagster/row_count": feats.height, "with_vectors": with_vec,
                                          "reused_rows": reused})


def _pii_scan(cfg):
    from flywheel_assets.privacy.cascade import scan_text

    pcfg = cfg.stage("privacy")
    return lambda text: scan_text(text, pcfg)


@dg.asset(
    deps=["redacted_trajectories", "complexity_tags", "unit_features"], group_name="curate",
    kinds={"duckdb", "polars"}, pool=WAREHOUSE_POOL,
    description="All redacted units across days with near-duplicate clusters (MinHash/LSH), quality-filter reasons "
                "(filtered units stay, with kept=false), metadata (task type, domain, language, outcome, tools, "
                "hops), semantic clusters and capped sampling weights.",
)
def curated_units(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg()
    wh = flywheel.warehouse_path
    units = warehouse.read_table(wh, "redacted_trajectories", order_by="unit_id")
    tags = warehouse.read_table(wh, "complexity_tags", order_by="unit_id")
    tags = tags.drop("event_date", strict=False) if tags.height else None
    feats = warehouse.read_table(wh, "unit_features", order_by="unit_id") if units.height else None
    curated = curate_units(units, tags, cfg.stage("curate"), pii_scan=_pii_scan(cfg),
                           features=feats if feats is not None and feats.height else None) if units.height else units
    warehouse.replace_table(wh, "curated_units", curated)
    md = {"dagster/row_count": curated.height}
    if curated.height:
        md["kept"] = int(curated["kept"].sum())
        md["near_dup_clusters"] = int(curated["dup_cluster_id"].n_unique())
        md["duplicates_removed"] = int((~curated["is_representative"]).sum())
        for col in ("filter_reason", "task_type", "domain", "language", "outcome", "complexity_bucket"):
            if col in curated.columns:
                md[f"by_{col}"] = dg.MetadataValue.md(table_md(curated.group_by(col).len().sort("len", descending=True)))
    return dg.MaterializeResult(metadata=md)


@dg.asset(
    deps=["curated_units"], group_name="curate", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="Coverage against configured targets (complexity buckets, tools, domains, languages) and the bias "
                "report (language, demographic terms, sensitive topics), with plots.",
    check_specs=[
        dg.AssetCheckSpec("coverage_targets_met", asset="coverage_report",
                          description="Every configured minimum (per bucket, tool, domain, language) is met."),
        dg.AssetCheckSpec("bias_thresholds_met", asset="coverage_report",
                          description="No sensitive dimension exceeds its configured threshold."),
    ],
)
def coverage_report(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg()
    ccfg = cfg.stage("curate")
    curated = warehouse.read_table(flywheel.warehouse_path, "curated_units", order_by="unit_id")
    cov = coverage(curated, ccfg)
    bias = bias_report(curated, ccfg)
    tables = [df.with_columns(pl.lit(f"coverage:{name}").alias("report")) for name, df in cov.tables.items()]
    tables += [df.with_columns(pl.lit(f"bias:{name}").alias("report")) for name, df in bias.tables.items()]
    table = pl.concat(tables, how="diagonal_relaxed") if tables else pl.DataFrame({"report": []})
    table = table.select(pl.all().cast(pl.Utf8))
    warehouse.replace_table(flywheel.warehouse_path, "coverage_report", table)
    figs = flywheel.out_path / "reports"
    yield dg.MaterializeResult(metadata={**report_metadata(cov, figs),
                                         **{f"bias_{k}": v for k, v in report_metadata(bias, figs).items()}})
    missed = cov.summary.get("targets_missed", [])
    # non-blocking: a drop from one product rarely meets every coverage target; WARN severity, never a failure
    yield dg.AssetCheckResult(check_name="coverage_targets_met", passed=not missed, severity=dg.AssetCheckSeverity.WARN,
                              description=f"{len(missed)} coverage target(s) missed" if missed else "all targets met",
                              metadata={"targets_missed": dg.MetadataValue.json(missed)})
    viol = bias.summary.get("violations", [])
    yield dg.AssetCheckResult(check_name="bias_thresholds_met", passed=not viol, severity=dg.AssetCheckSeverity.WARN,
                              description=f"{len(viol)} bias threshold(s) exceeded" if viol else "within thresholds",
                              metadata={"violations": dg.MetadataValue.json(viol)})
