"""Feedback flywheel: analytics, failure clusters, triage and preference pairs (global, across days)."""

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.defs.metadata import report_metadata, table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.feedback.analytics import feedback_report as build_feedback_report
from flywheel_assets.feedback.clustering import cluster_failures
from flywheel_assets.feedback.length_balance import check_length_ratio, check_no_identical
from flywheel_assets.feedback.pairs import mine_pairs
from flywheel_assets.feedback.triage import triage as build_triage
from flywheel_assets.feedback.triage import triage_report


def _curated(flywheel: FlywheelResource) -> pl.DataFrame:
    return warehouse.read_table(flywheel.warehouse_path, "curated_units", order_by="unit_id")


def _stored_vectors(flywheel: FlywheelResource) -> dict[str, list[float]]:
    """unit id -> the MiniLM vector stored by the daily ``unit_features`` asset under the current feature key."""
    from flywheel_assets.curate.features import usable

    feats = usable(warehouse.read_table(flywheel.warehouse_path, "unit_features", order_by="unit_id"),
                   flywheel.cfg().stage("curate"))
    if feats is None:
        return {}
    feats = feats.filter(pl.col("embedding").is_not_null())
    return dict(zip(feats["unit_id"].to_list(), feats["embedding"].to_list()))


def _jsonable(df: pl.DataFrame) -> pl.DataFrame:
    """List/struct columns -> JSON text, so report tables store and render anywhere."""
    import json

    out = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
            out.append(pl.col(name).map_elements(lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v,
                                                                      default=str), return_dtype=pl.Utf8))
        else:
            out.append(pl.col(name))
    return df.select(out)


@dg.asset(deps=["curated_units"], group_name="feedback", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
          description="Thumbs / rating distributions, satisfaction over time, by model, task type, tool and "
                      "complexity bucket, with plots.")
def feedback_report(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("feedback")
    rep = build_feedback_report(_curated(flywheel), cfg)
    tables = [_jsonable(df).with_columns(pl.lit(name).alias("table")) for name, df in rep.tables.items()]
    table = pl.concat([t.select(pl.all().cast(pl.Utf8)) for t in tables], how="diagonal_relaxed") if tables \
        else pl.DataFrame({"table": []}, schema={"table": pl.Utf8})
    warehouse.replace_table(flywheel.warehouse_path, "feedback_report", table)
    return dg.MaterializeResult(metadata=report_metadata(rep, flywheel.out_path / "reports"))


@dg.multi_asset(
    specs=[
        dg.AssetSpec("failure_clusters", deps=["curated_units"], group_name="feedback", kinds={"duckdb"},
                     description="Failed / down-voted units clustered (k-means over embeddings, k chosen by "
                                 "silhouette), each cluster labelled with an error type, size, trend, examples."),
        dg.AssetSpec("triage", deps=["curated_units"], group_name="feedback", kinds={"duckdb"},
                     description="Per failure cluster: urgency, rollback candidate, budget, recommended "
                                 "intervention (prompt / rag / sft / dpo / sft_rl) and rationale."),
    ],
    pool=WAREHOUSE_POOL,
)
def failure_assets(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("feedback")
    curated = _curated(flywheel)
    # clustering on the vectors stored with each unit in its day: no model work here for them
    res = cluster_failures(curated, cfg, vectors=_stored_vectors(flywheel))
    wh = flywheel.warehouse_path
    warehouse.replace_table(wh, "failure_clusters", _jsonable(res.clusters))
    warehouse.replace_table(wh, "failure_assignments", _jsonable(res.assignments))
    tri = build_triage(res.clusters, curated, cfg)
    warehouse.replace_table(wh, "triage", _jsonable(tri))
    yield dg.MaterializeResult(asset_key="failure_clusters", metadata={
        "dagster/row_count": res.clusters.height, **report_metadata(res.report, flywheel.out_path / "reports")})
    yield dg.MaterializeResult(asset_key="triage", metadata={
        "dagster/row_count": tri.height, **report_metadata(triage_report(tri, cfg))})


@dg.asset(
    deps=["curated_units"], group_name="feedback", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="DPO preference pairs mined from thumbs, edits, success-vs-failure trajectories of the same intent "
                "(matched by content), concise-vs-verbose feedback and (off by default) governed synthetic "
                "negatives; length-balanced, with lineage (chosen/rejected session and unit ids).",
    check_specs=[
        dg.AssetCheckSpec("no_identical_chosen_rejected", asset="preference_pairs", blocking=True),
        dg.AssetCheckSpec("length_ratio_within_bounds", asset="preference_pairs", blocking=True),
    ],
)
def preference_pairs(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("feedback")
    res = mine_pairs(_curated(flywheel), cfg)
    wh = flywheel.warehouse_path
    warehouse.replace_table(wh, "preference_pairs", res.pairs)
    warehouse.replace_table(wh, "preference_pairs_dropped", res.dropped)
    by_source = res.pairs.group_by("pair_source").len().sort("pair_source") if res.pairs.height else pl.DataFrame()
    dropped_by_reason = ({str(k): int(v) for k, v in res.dropped.group_by("drop_reason").len()
                          .sort("drop_reason").iter_rows()} if res.dropped.height else {})
    outcome_skipped = {k: int(v) for k, v in sorted(res.stats.items()) if k.startswith("outcome_")}
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": res.pairs.height, "dropped": res.dropped.height,
        "dropped_by_reason": dg.MetadataValue.json(dropped_by_reason),
        "outcome_matching": dg.MetadataValue.json(outcome_skipped),
        "by_source": dg.MetadataValue.md(table_md(by_source)), **report_metadata(res.report)})
    ok, details = check_no_identical(res.pairs)
    yield dg.AssetCheckResult(check_name="no_identical_chosen_rejected", passed=bool(ok),
                              metadata={"details": dg.MetadataValue.json(details)})
    ok, details = check_length_ratio(res.pairs, cfg)
    yield dg.AssetCheckResult(check_name="length_ratio_within_bounds", passed=bool(ok),
                              metadata={"details": dg.MetadataValue.json(details)})
