import polars as pl

from flywheel_assets.curate.complexity import TAG_COLUMNS, complexity_tags
from flywheel_assets.curate.pipeline import CURATED_SCHEMA, curate_units
from flywheel_assets.schema import UNIT_SCHEMA

from .helpers import booking_trajectory, fast_cfg, frame, qa


def test_contract_columns_and_invariants():
    units = [qa(f"What gate does flight HAT{i} leave from this afternoon?", f"HAT{i} leaves from gate B{i}.", sid=f"u{i}") for i in range(6)]
    units += [booking_trajectory("t1"), qa("Is the lounge open?", "", sid="empty")]
    f = frame(*units)
    out = curate_units(f, complexity_tags(f), fast_cfg())
    assert out.schema == pl.Schema(CURATED_SCHEMA)
    assert set(UNIT_SCHEMA) | set(TAG_COLUMNS) <= set(out.columns)
    assert out.height == f.height and out["unit_id"].is_unique().all()
    assert out["dup_cluster_id"].null_count() == 0 and out["content_hash"].null_count() == 0
    assert (out["kept"] == out["filter_reason"].is_null()).all()
    assert out.filter(~pl.col("kept"))["sample_weight"].sum() == 0
    assert out.filter(pl.col("kept"))["sample_weight"].min() > 0
    assert out.filter(pl.col("kept"))["semantic_cluster"].null_count() == 0
    assert out.filter(pl.col("session_id") == "empty")["filter_reason"][0] == "empty_answer"
    # tags passed in or computed inside give the same result
    assert out.equals(curate_units(f, None, fast_cfg()))


def test_duplicate_unit_rows_and_missing_tags_are_handled():
    u = qa("What gate does flight HAT9 leave from?", "Gate B9.", sid="x")
    f = frame(u, u, qa("Can I bring a stroller on board the plane?", "Yes, it is checked at the gate.", sid="y"))
    partial_tags = complexity_tags(f).head(1)
    out = curate_units(f, partial_tags, fast_cfg())
    assert out.height == 2 and out["complexity_bucket"].null_count() == 0


def test_realdata_distributions(realdata, capsys):
    from .realdata_units import real_units

    units = real_units(realdata)
    out = curate_units(units, complexity_tags(units), fast_cfg())
    assert out.height == units.height
    dist = {c: dict(sorted(out.group_by(c).agg(pl.len()).iter_rows(), key=lambda kv: str(kv[0])))
            for c in ("complexity_bucket", "task_type", "domain", "language", "outcome", "filter_reason")}
    with capsys.disabled():
        print("\nreal-data curation distributions:", dist)
    assert dist["language"] == {"en": units.height}
    assert dist["task_type"].get("agentic", 0) >= 90  # tau-bench and ToolBench are tool-using agents
    assert dist["domain"].get("retail", 0) >= 30 and dist["domain"].get("travel", 0) >= 10  # tau retail / airline
    assert out["kept"].sum() >= 0.9 * units.height


def test_extra_redaction_columns_pass_through_and_missing_columns_do_not_crash():
    f = frame(qa("What gate does flight HAT9 leave from?", "Gate B9.", sid="x"),
              qa("Can I bring a stroller on board the plane?", "Yes, it is checked at the gate.", sid="y"))
    red = f.with_columns(pl.lit(2, dtype=pl.Int64).alias("n_pii"), pl.lit(["PERSON"]).alias("pii_types"))
    out = curate_units(red, None, fast_cfg())
    assert out["n_pii"].to_list() == [2, 2] and out["pii_types"].to_list() == [["PERSON"], ["PERSON"]]
    assert out.columns.index("n_pii") < out.columns.index("turns")
    out2 = curate_units(f.drop("tools", "attributes"), None, fast_cfg())
    assert out2.height == 2 and out2["kept"].all()
