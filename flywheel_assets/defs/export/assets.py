"""Exports: leakage-free splits, TRL SFT/DPO datasets, scheduling shards and the files a trainer reads."""

import dagster as dg
import polars as pl

from flywheel_assets import warehouse
from flywheel_assets.defs.metadata import report_metadata, table_md
from flywheel_assets.defs.partitions import WAREHOUSE_POOL
from flywheel_assets.defs.resources import FlywheelResource
from flywheel_assets.export.chat_template import render_and_mask
from flywheel_assets.export.dpo import REJECT_SCHEMA as DPO_REJECT_SCHEMA, build_dpo
from flywheel_assets.export.sft import REJECT_SCHEMA as SFT_REJECT_SCHEMA, build_sft, reject_rate
from flywheel_assets.export.shards import load_pass_rates, training_shards as build_shards
from flywheel_assets.export.splits import assign_splits, mirror_report
from flywheel_assets.export.validation import validate_exports
from flywheel_assets.export.writer import write_exports


def _gx_check(check_name: str, rows_by_task: dict, table: str) -> dg.AssetCheckResult:
    """Great Expectations over the kept rows (row-level failures were already rejected, so what can fail here is
    residual raw PII or a schema / id problem of the whole table)."""
    results = validate_exports(rows_by_task) if any(rows_by_task.values()) else []
    failed = [r for r in results if not r["success"]]
    details = {"expectations": len(results), "failed": [
        {k: r[k] for k in ("dataset", "check", "unexpected_count", "unexpected_ids")} for r in failed]}
    md: dict = {"details": dg.MetadataValue.json(details)}
    if failed:
        f = failed[0]
        md.update({"expectation": f"{f['dataset']}.{f['check']} ({f['expectation']})",
                   "failed_rows": int(f["unexpected_count"]), "row_ids": dg.MetadataValue.json(f["unexpected_ids"][:5]),
                   "rows_table": table})
    desc = (f"{len(failed)} of {len(results)} expectations failed on the rows in table {table}" if failed
            else f"{len(results)} expectations passed")
    return dg.AssetCheckResult(check_name=check_name, passed=not failed, description=desc, metadata=md)


def _reject_rate_check(check_name: str, kept: int, rejects: pl.DataFrame, id_col: str, table: str,
                       max_rate: float, min_rows: int) -> dg.AssetCheckResult:
    """Blocking on the share of rows a row-level expectation rejected (the rejected rows are left out)."""
    n, rate = reject_rate(kept, rejects)
    md: dict = {"rejected_rows": n, "kept_rows": kept, "reject_rate": round(rate, 4), "max_reject_rate": max_rate,
                "rejects_table": table}
    if n:
        bad = rejects.filter(pl.col("expectation").is_not_null())
        by = bad.group_by("expectation").len().sort(["len", "expectation"], descending=[True, False])
        top = by["expectation"][0]
        md.update({"expectation": top, "failed_rows": n,
                   "row_ids": dg.MetadataValue.json(bad.filter(pl.col("expectation") == top)[id_col].head(5).to_list()),
                   "by_expectation": dg.MetadataValue.json(dict(zip(by["expectation"], by["len"])))})
    ok = rate <= max_rate or n < min_rows
    desc = (f"{n} rows rejected by row-level expectations ({rate:.1%}) "
            f"{'<=' if rate <= max_rate else '>'} export.max_reject_rate {max_rate:.1%}"
            + (f" (blocks from export.reject_rate_min_rows={min_rows} rows)" if n and n < min_rows else ""))
    return dg.AssetCheckResult(check_name=check_name, passed=ok, description=desc, metadata=md)


def _mask_stats(rows: list[dict], max_context: int) -> dict:
    from flywheel_assets.train.tiny_model import build_tokenizer, corpus_from_rows

    if not rows:
        return {"n_rows": 0, "zero_mask_ids": [], "over_context_ids": [], "render_errors": []}
    tok = build_tokenizer(corpus_from_rows(rows))
    return render_and_mask(rows, tok, max_context=max_context, strict=False, id_key="unit_id")


@dg.asset(
    deps=["curated_units", "preference_pairs"], group_name="export", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="Group-level train/validation/test assignment: a near-duplicate cluster, session or intent group "
                "never straddles splits, and groups feeding DPO pairs stay out of SFT (docs/exports.md). Eval sets "
                "are stratified by complexity bucket and tool mix; the mirror report compares them to production.",
    check_specs=[dg.AssetCheckSpec("no_group_straddles_splits", asset="eval_splits", blocking=True)],
)
def eval_splits(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("export")
    wh = flywheel.warehouse_path
    curated = warehouse.read_table(wh, "curated_units", order_by="unit_id")
    pairs = warehouse.read_table(wh, "preference_pairs", order_by="pair_id")
    units, split_pairs = assign_splits(curated, pairs if pairs.height else None, cfg)
    warehouse.replace_table(wh, "eval_splits", units)
    warehouse.replace_table(wh, "eval_split_pairs", split_pairs)
    # the SFT eval sets vs production: units whose groups feed DPO pairs are split by pairs in their own pass
    sft_units = units.filter(pl.col("sft_eligible")) if "sft_eligible" in units.columns else units
    rep = mirror_report(sft_units)
    counts = units.group_by("split").len().sort("split") if units.height else pl.DataFrame()
    yield dg.MaterializeResult(metadata={"dagster/row_count": units.height, "pairs": split_pairs.height,
                                         "by_split": dg.MetadataValue.md(table_md(counts)),
                                         **report_metadata(rep, flywheel.out_path / "reports")})
    straddle = []
    if units.height:
        both = pl.concat([units.select("group_id", "split"),
                          split_pairs.select("group_id", "split") if split_pairs.height else units.head(0).select(
                              "group_id", "split")]).filter(pl.col("split") != "excluded")
        straddle = both.group_by("group_id").agg(pl.col("split").n_unique().alias("n")).filter(pl.col("n") > 1)[
            "group_id"].to_list()
    yield dg.AssetCheckResult(check_name="no_group_straddles_splits", passed=not straddle,
                              metadata={"groups_straddling": len(straddle)})


@dg.asset(
    deps=["eval_splits"], group_name="export", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="SFT rows in TRL's conversational format ({messages, tools}) with lineage, split, complexity "
                "bucket, phase and sampling weight; rejected units listed with a reason.",
    check_specs=[
        dg.AssetCheckSpec("sft_gx_validation", asset="sft_dataset", blocking=True,
                          description="Great Expectations over the kept rows: schema, role order, tool-call JSON vs "
                                      "tool schema, no raw-PII patterns, no malformed placeholders."),
        dg.AssetCheckSpec("sft_reject_rate", asset="sft_dataset", blocking=True,
                          description="Rows failing a row-level expectation go to sft_rejects; at most "
                                      "export.max_reject_rate of them."),
        dg.AssetCheckSpec("sft_assistant_mask_nonzero", asset="sft_dataset", blocking=True,
                          description="Every row rendered through the run's chat template has assistant tokens."),
    ],
)
def sft_dataset(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("export")
    wh = flywheel.warehouse_path
    units = warehouse.read_table(wh, "eval_splits", order_by="unit_id")
    sft, rejects = build_sft(units, cfg) if units.height else (pl.DataFrame(), pl.DataFrame(schema=SFT_REJECT_SCHEMA))
    warehouse.replace_table(wh, "sft_dataset", sft)
    warehouse.replace_table(wh, "sft_rejects", rejects)
    rows = sft.to_dicts()
    stats = _mask_stats(rows, cfg.student_context)
    by_split = sft.group_by("split").len().sort("split") if sft.height else pl.DataFrame()
    reasons = rejects.group_by("reason").len().sort("len", descending=True) if rejects.height else pl.DataFrame()
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": sft.height, "rejected": rejects.height,
        "by_split": dg.MetadataValue.md(table_md(by_split)), "reject_reasons": dg.MetadataValue.md(table_md(reasons)),
        "token_lengths": dg.MetadataValue.json(stats.get("token_lengths", {})),
        "over_student_context": len(stats.get("over_context_ids", []))})
    yield _gx_check("sft_gx_validation", {"sft": rows}, "sft_dataset")
    yield _reject_rate_check("sft_reject_rate", sft.height, rejects, "unit_id", "sft_rejects", cfg.max_reject_rate,
                             cfg.reject_rate_min_rows)
    zero = stats.get("zero_mask_ids", []) + stats.get("render_errors", [])
    md = {"rows": stats.get("n_rows", 0), "zero_or_error": len(zero)}
    if zero:
        md.update({"expectation": "assistant tokens > 0 after the chat template", "failed_rows": len(zero),
                   "row_ids": dg.MetadataValue.json([str(z) for z in zero[:5]]), "rows_table": "sft_dataset"})
    yield dg.AssetCheckResult(check_name="sft_assistant_mask_nonzero", passed=not zero, metadata=md,
                              description=f"{len(zero)} rows without assistant tokens" if zero else
                              "every row has assistant tokens")


@dg.asset(
    deps=["eval_splits"], group_name="export", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="DPO rows ({prompt, chosen, rejected, tools}) with pair_source and lineage.",
    check_specs=[dg.AssetCheckSpec("dpo_gx_validation", asset="dpo_dataset", blocking=True),
                 dg.AssetCheckSpec("dpo_reject_rate", asset="dpo_dataset", blocking=True,
                                   description="Pairs failing a row-level expectation go to dpo_rejects; at most "
                                               "export.max_reject_rate of them.")],
)
def dpo_dataset(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg().stage("export")
    wh = flywheel.warehouse_path
    pairs = warehouse.read_table(wh, "eval_split_pairs", order_by="pair_id")
    dpo, rejects = build_dpo(pairs, cfg) if pairs.height else (pl.DataFrame(), pl.DataFrame(schema=DPO_REJECT_SCHEMA))
    warehouse.replace_table(wh, "dpo_dataset", dpo)
    warehouse.replace_table(wh, "dpo_rejects", rejects)
    by = dpo.group_by("split", "pair_source").len().sort("split", "pair_source") if dpo.height else pl.DataFrame()
    yield dg.MaterializeResult(metadata={"dagster/row_count": dpo.height, "rejected": rejects.height,
                                         "by_split_source": dg.MetadataValue.md(table_md(by))})
    yield _gx_check("dpo_gx_validation", {"dpo": dpo.to_dicts()}, "dpo_dataset")
    yield _reject_rate_check("dpo_reject_rate", dpo.height, rejects, "pair_id", "dpo_rejects", cfg.max_reject_rate,
                             cfg.reject_rate_min_rows)


@dg.asset(
    deps=["sft_dataset"], group_name="export", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
    description="Scheduling: every SFT row tagged with bucket, phase and weight; manifests for a flat mixture, "
                "staged curriculum phases and model-aware sampling (from a per-bucket pass-rate/loss file).",
)
def training_shards(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg()
    ecfg = cfg.stage("export")
    sft = warehouse.read_table(flywheel.warehouse_path, "sft_dataset", order_by="unit_id")
    pass_rates = load_pass_rates(cfg.export["pass_rates_file"]) if cfg.export.get("pass_rates_file") else None
    shards = build_shards(sft, ecfg, pass_rates) if sft.height else {"rows": pl.DataFrame(), "manifests": {}}
    rows = shards["rows"]
    warehouse.replace_table(flywheel.warehouse_path, "training_shards", rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": rows.height,
                                          "manifests": dg.MetadataValue.json(shards["manifests"])})


@dg.asset(
    deps=["sft_dataset", "dpo_dataset", "training_shards"], group_name="export", kinds={"file"}, pool=WAREHOUSE_POOL,
    description="The files a trainer reads: sft/ and dpo/ {train,validation,test}.jsonl, HF DatasetDicts, shard "
                "manifests, dataset card README.md, manifest.json with sha256 of every file (owner-only).",
    check_specs=[dg.AssetCheckSpec("export_files_valid", asset="export_files", blocking=True,
                                   description="Great Expectations over the written JSONL files.")],
)
def export_files(context: dg.AssetExecutionContext, flywheel: FlywheelResource):
    cfg = flywheel.cfg()
    ecfg = cfg.stage("export")
    wh = flywheel.warehouse_path
    sft = warehouse.read_table(wh, "sft_dataset", order_by="unit_id")
    dpo = warehouse.read_table(wh, "dpo_dataset", order_by="pair_id")
    shard_rows = warehouse.read_table(wh, "training_shards", order_by="unit_id")
    pass_rates = load_pass_rates(cfg.export["pass_rates_file"]) if cfg.export.get("pass_rates_file") else None
    shards = build_shards(sft, ecfg, pass_rates) if sft.height else None
    if shards is not None:
        shards["rows"] = shard_rows if shard_rows.height else shards["rows"]
    out = write_exports(flywheel.out_path, sft if sft.height else None, dpo if dpo.height else None, shards,
                        {"pii_handling": "placeholders <TYPE_N> per session, HMAC-keyed identities; raw text never "
                                         "leaves the warehouse's raw zone"})
    yield dg.MaterializeResult(metadata={"out_dir": dg.MetadataValue.path(out["out_dir"]),
                                         "counts": dg.MetadataValue.json(out["counts"]),
                                         "files": len(out["files"])})
    results = validate_exports(flywheel.out_path)
    failed = [r for r in results if not r["success"]]
    md: dict = {"expectations": len(results), "details": dg.MetadataValue.json({"failed": [
        {k: r[k] for k in ("dataset", "check", "expectation", "unexpected_count", "unexpected_ids")} for r in failed]})}
    yield dg.AssetCheckResult(check_name="export_files_valid", passed=not failed, metadata=md,
                              description=f"{len(failed)} expectations failed on the files in {out['out_dir']}"
                              if failed else f"{len(results)} expectations passed")
