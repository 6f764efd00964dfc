import json

import polars as pl

from flywheel_assets.curate.pipeline import curate_units

from .helpers import fast_cfg, frame, qa


def _units(n=30):
    return [qa(f"What time does the lounge in terminal {i} open on weekends?", f"The terminal {i} lounge opens at {5 + i % 4}:00.", sid=f"s{i}")
            for i in range(n)]


def test_synthetic_off_by_default():
    out = curate_units(frame(*_units()), None, fast_cfg())
    assert not out["is_synthetic"].any()
    assert out["synthetic_parent_id"].is_null().all()


def test_synthetic_rows_flagged_capped_and_pii_scanned():
    cfg = fast_cfg()
    cfg.synthetic.enabled = True
    cfg.synthetic.max_share = 0.2
    out = curate_units(frame(*_units()), None, cfg)
    real = out.filter(~pl.col("is_synthetic"))
    syn = out.filter(pl.col("is_synthetic"))
    assert syn.height == int(0.2 * real.filter(pl.col("kept")).height) == 6
    assert set(syn["synthetic_parent_id"]) <= set(real["unit_id"])
    assert syn["unit_id"].is_unique().all() and not set(syn["unit_id"]) & set(real["unit_id"])
    for r in syn.iter_rows(named=True):
        parent = real.filter(pl.col("unit_id") == r["synthetic_parent_id"]).row(0, named=True)
        pu = [m for m in json.loads(r["messages"]) if m["role"] == "user"][0]["content"]
        pp = [m for m in json.loads(parent["messages"]) if m["role"] == "user"][0]["content"]
        assert pu != pp and pp.lower().rstrip("?") in pu.lower()
        assert r["content_hash"] != parent["content_hash"]
    # an injected scanner that finds PII rejects every row (kept in the table, reason synthetic_pii)
    seen = []

    def scanner(text):
        seen.append(text)
        return ["PERSON"]

    out2 = curate_units(frame(*_units()), None, cfg, pii_scan=scanner)
    syn2 = out2.filter(pl.col("is_synthetic"))
    assert len(seen) == syn2.height == 6
    assert (syn2["filter_reason"] == "synthetic_pii").all() and not syn2["kept"].any()
    assert (syn2["sample_weight"] == 0).all()


def test_default_regex_scanner_blocks_leaked_contact_details():
    cfg = fast_cfg()
    cfg.synthetic.enabled = True
    cfg.synthetic.max_share = 1.0
    units = [qa("Email me at jane.doe@example.com about the lounge hours", "Sure, the lounge opens at 6:00.", sid="leak"),
             qa("What time does the lounge open on Sunday mornings?", "The lounge opens at 6:00 on Sundays.", sid="clean")]
    out = curate_units(frame(*units), None, cfg)
    syn = {r["synthetic_parent_id"]: r for r in out.filter(pl.col("is_synthetic")).iter_rows(named=True)}
    real = out.filter(~pl.col("is_synthetic"))
    ids = dict(zip(real["session_id"], real["unit_id"]))
    assert syn[ids["leak"]]["filter_reason"] == "synthetic_pii"
    assert syn[ids["clean"]]["kept"]


def test_privacy_scanner_as_pii_scan():
    import pytest

    cascade = pytest.importorskip("flywheel_assets.privacy.cascade")
    cfg = fast_cfg()
    cfg.synthetic.enabled = True
    cfg.synthetic.max_share = 1.0
    units = [qa("Please rebook <PERSON_1>, reachable at <EMAIL_ADDRESS_1>, on the next flight", "Done, rebooked on HAT215.", sid="ph"),
             qa("Call me on +1 415 555 0100 about my lounge access please", "Sure, the lounge desk will call.", sid="tel")]
    out = curate_units(frame(*units), None, cfg, pii_scan=cascade.scan_text)
    real = out.filter(~pl.col("is_synthetic"))
    ids = dict(zip(real["session_id"], real["unit_id"]))
    syn = {r["synthetic_parent_id"]: r for r in out.filter(pl.col("is_synthetic")).iter_rows(named=True)}
    assert syn[ids["ph"]]["kept"]  # placeholders are not PII
    assert syn[ids["tel"]]["filter_reason"] == "synthetic_pii"
