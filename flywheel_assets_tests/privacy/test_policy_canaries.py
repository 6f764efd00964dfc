"""Policy gate (consent, purpose, retention) and the blocking checks: canaries, residual, consistency."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from flywheel_assets.privacy.canaries import (canary_leaks, canary_probe, make_canaries, seed_canaries,
                                              wilson_upper)
from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.policy import apply_policy, check_policy
from flywheel_assets.privacy.redact import redact_units

from ._helpers import support_session


def _units_for_policy():
    base = support_session()
    rows = []
    for i, (consent, d, attrs) in enumerate([
        (True, date(2025, 3, 1), "{}"),
        (False, date(2025, 3, 1), "{}"),  # no consent
        (None, date(2025, 3, 1), '{"purposes": ["analytics"]}'),  # purpose not allowed
        (True, date(2023, 1, 1), "{}"),  # older than the retention window
        (None, date(2025, 2, 1), '{"purposes": ["training", "analytics"]}'),
    ]):
        r = base.row(0, named=True)
        r.update(unit_id=f"u{i}", consent_training=consent, event_date=d, attributes=attrs)
        rows.append(r)
    return pl.DataFrame(rows, schema=base.schema)


def test_policy_gate_excludes_with_reasons_and_counts():
    res = apply_policy(_units_for_policy(), PrivacyConfig(retention_days=365), as_of=date(2025, 3, 2))
    assert res.kept["unit_id"].to_list() == ["u0", "u4"]
    assert dict(zip(res.excluded["unit_id"], res.excluded["policy_reason"])) == {
        "u1": "no_consent", "u2": "purpose_not_allowed", "u3": "retention_expired"}
    assert res.counts["n_in"] == 5 and res.counts["n_kept"] == 2 and res.counts["no_consent"] == 1
    # opt-in only: unknown consent is excluded too; no retention limit keeps the old record
    strict = apply_policy(_units_for_policy(), PrivacyConfig(consent_unknown_allowed=False, retention_days=None),
                          as_of=date(2025, 3, 2))
    assert strict.kept["unit_id"].to_list() == ["u0", "u3"]


def test_policy_as_of_defaults_to_newest_record_not_wall_clock():
    res = apply_policy(_units_for_policy(), PrivacyConfig(retention_days=20))
    assert res.counts["as_of"] == "2025-03-01"
    assert set(res.excluded.filter(pl.col("policy_reason") == "retention_expired")["unit_id"]) == {"u3", "u4"}


def test_wilson_upper_bound():
    assert wilson_upper(0, 20) == pytest.approx(0.1611, abs=1e-3)  # textbook value for 0/20
    assert wilson_upper(5, 10) == pytest.approx(0.7634, abs=1e-3)
    assert wilson_upper(0, 0) == 1.0


def test_canaries_seeded_in_prose_and_json_are_removed(pii_key):
    units = support_session()
    canaries = make_canaries(14, seed=3)
    assert {c.where for c in canaries} == {"prose", "json"}
    seeded = seed_canaries(units, canaries)
    assert len(canary_leaks(seeded, canaries)) == 14  # all present before redaction
    assert len(canary_leaks(units, canaries)) == 0  # the original frame is untouched
    probe = canary_probe(units, PrivacyConfig(), pii_key, n=14, seed=3)
    assert probe["n_leaked"] == 0, probe["leaks"]
    assert probe["leak_rate_upper95"] == pytest.approx(wilson_upper(0, 14))


def test_hidden_canaries_are_planted_and_still_count_as_leaks(pii_key):
    canaries = make_canaries(14, seed=3)
    hidden = [c for c in canaries if c.hidden]
    assert len(hidden) == 2 and all("\u200b" in c.planted and c.planted.replace("\u200b", "") == c.value
                                    for c in hidden)
    seeded = seed_canaries(support_session(), canaries)
    assert "\u200b" in "".join(seeded["messages"].to_list()) or "\\u200b" in "".join(seeded["messages"].to_list())
    # a survivor is a leak with or without its hidden character, in prose or as a JSON escape
    for c in hidden:
        assert canary_leaks([f"left: {c.planted}"], [c]) and canary_leaks([f"left: {c.value}"], [c])
        assert canary_leaks([json.dumps({"v": c.planted})], [c])


def test_blocking_checks_fail_on_planted_canary(pii_key):
    units = support_session()
    weak = PrivacyConfig(presidio_ner=False, rules=False)  # nothing detects free-text PII
    probe = canary_probe(units, weak, pii_key, n=7, seed=1)
    assert probe["n_leaked"] > 0
    red = redact_units(units, PrivacyConfig(), pii_key, cascade=Cascade(PrivacyConfig()))
    checks = {c["name"]: c for c in check_policy(red.summary, {"residual_rate": 0.0}, probe, PrivacyConfig())}
    assert checks["pii_zero_canaries_leaked"]["passed"] is False
    assert checks["pii_zero_canaries_leaked"]["metadata"]["n_leaked"] == probe["n_leaked"]
    assert checks["pii_residual_rate_under_threshold"]["passed"] is True
    assert checks["pii_placeholder_consistency"]["passed"] is True
    high = check_policy(red.summary, {"residual_rate": 0.5}, [], PrivacyConfig())
    assert [c["passed"] for c in high] == [True, False, True]
    # one second-detector hit in a small partition is reported, not blocking; two are (residual_min_hits=2)
    one = check_policy(red.summary, {"residual_rate": 0.015, "hits_by_type": {"PERSON": 1}}, [], PrivacyConfig())
    two = check_policy(red.summary, {"residual_rate": 0.015, "hits_by_type": {"PERSON": 2}}, [], PrivacyConfig())
    assert one[1]["passed"] is True and one[1]["metadata"]["hits"] == 1 and two[1]["passed"] is False
    bad = check_policy(red.summary, {"residual_rate": 0.0}, [], PrivacyConfig(),
                       consistency=[{"reason": "gap"}])
    assert bad[2]["passed"] is False



def test_residual_check_judges_small_partitions_on_min_chars(realdata):
    """A partition of a few sessions cannot estimate a 0.5% rate: it is judged as if it had residual_min_chars
    scanned chars. Real chat (Open Assistant) with invented leaked names: two names in a small partition are
    reported with their own rate and do not block; many names do; a large partition keeps its own rate."""
    from flywheel_assets.privacy.residual import residual_scan

    from ._helpers import oasst_texts

    cfg = PrivacyConfig()
    texts = [t for t in oasst_texts(realdata, 400) if 200 <= len(t) <= 600]
    small, used = [], 0
    for t in texts:  # about 3,000 chars of real chat the second detector finds nothing in: a day of a few sessions
        if used > 3000:
            break
        if residual_scan([t], cfg)["suspect_chars"] == 0:
            small.append(t)
            used += len(t)
    assert residual_scan(small, cfg)["suspect_chars"] == 0
    names = ["Margarethe Vollbrecht", "Desmond Okonkwo-Hale", "Priyanka Venkataraman", "Leopold Szczepanski",
             "Anneliese Brandtmeier", "Thaddeus Whitcombe", "Oksana Hrytsenko", "Bartholomew Quayle"]
    two = small + [f"Please forward this to {n} before Friday." for n in names[:2]]
    many = small + [f"Please forward this to {n} before Friday." for n in names]
    r_two, r_many = residual_scan(two, cfg), residual_scan(many, cfg)
    assert r_two["chars_scanned"] < cfg.residual_min_chars and r_two["hits_by_type"].get("PERSON", 0) >= 2
    assert r_two["residual_rate"] > cfg.residual_threshold  # on its own rate this small day would block
    c_two = {c["name"]: c for c in check_policy({}, r_two, [], cfg)}["pii_residual_rate_under_threshold"]
    assert c_two["passed"] is True and "Small partition" in c_two["description"]
    assert c_two["metadata"]["judged_rate"] <= cfg.residual_threshold < c_two["metadata"]["residual_rate"]
    c_many = {c["name"]: c for c in check_policy({}, r_many, [], cfg)}["pii_residual_rate_under_threshold"]
    assert r_many["hits_by_type"].get("PERSON", 0) >= 4 and c_many["passed"] is False
    # a partition of at least residual_min_chars is judged on its own rate, as before
    big = {"residual_rate": 0.006, "suspect_chars": 120, "chars_scanned": 20_000, "hits_by_type": {"PERSON": 9}}
    c_big = {c["name"]: c for c in check_policy({}, big, [], cfg)}["pii_residual_rate_under_threshold"]
    assert c_big["passed"] is False and c_big["metadata"]["judged_rate"] == 0.006
    strict = PrivacyConfig(residual_min_chars=0)  # the old rule: the small day's own rate decides
    assert {c["name"]: c for c in check_policy({}, r_two, [], strict)}[
        "pii_residual_rate_under_threshold"]["passed"] is False

def test_residual_scan_on_redacted_vs_raw(pii_key):
    from flywheel_assets.privacy.residual import residual_scan

    cfg = PrivacyConfig()
    raw = residual_scan(support_session(), cfg)
    red = redact_units(support_session(), cfg, pii_key, cascade=Cascade(cfg))
    after = residual_scan(red.units, cfg)
    assert raw["residual_rate"] > 0.02 and raw["hits_by_type"].get("CREDIT_CARD", 0) >= 1
    assert raw["hits_by_type"].get("PERSON", 0) >= 2
    assert after["residual_rate"] < raw["residual_rate"] / 5
    assert after["hits_by_type"].get("CREDIT_CARD", 0) == 0 and after["hits_by_type"].get("PERSON", 0) == 0


def test_residual_scan_batched_equals_per_text_pipeline(realdata, monkeypatch):
    """The residual scan runs the stock spaCy pipeline over its sample in ``nlp.pipe`` batches, the lemma components
    only on texts with a hit, and hands each text's NlpArtifacts to the stock ``analyze()``: its hits equal the
    per-text stock path (one full ``nlp(text)`` per text inside ``analyze``) on real chat (Open Assistant) and the
    presidio-research texts, names, numbers and context-scored hits (phone, card, SSN) included."""
    from flywheel_assets.privacy.detectors.dictionary import cached_allow_list
    from flywheel_assets.privacy.detectors.presidio_ner import vanilla_analyzer
    from flywheel_assets.privacy.residual import clear_residual_cache, residual_hits, residual_hits_many, residual_scan

    from ._helpers import oasst_texts

    data = json.loads((realdata / "presidio_dev" / "generated_large.json").read_text(encoding="utf-8"))
    texts = oasst_texts(realdata, 120) + [s["full_text"] for s in data[:150]]
    cfg = PrivacyConfig(residual_max_chars=10**9)
    analyzer = vanilla_analyzer(cfg.spacy_model)
    allow = cached_allow_list(tuple(cfg.allow_list), cfg.use_default_allow_list)
    many = residual_hits_many(texts, analyzer, allow, cfg)
    assert many == [residual_hits(t, analyzer, allow, cfg) for t in texts]
    clear_residual_cache()
    batched = residual_scan(texts, cfg)
    assert residual_scan(texts, cfg) == batched  # the second scan reads the per-process cache
    clear_residual_cache()
    engine = analyzer.nlp_engine
    monkeypatch.setattr(engine, "process_batch", lambda xs, language, **_: ((t, engine.process_text(t, language))
                                                                              for t in xs))
    per_text = residual_scan(texts, cfg)
    clear_residual_cache()
    assert batched == per_text
    types = {s.entity_type for hits in many for s in hits}
    assert {"PHONE_NUMBER", "CREDIT_CARD"} <= types
    assert batched["hits_by_type"].get("PERSON", 0) >= 20 and batched["suspect_chars"] > 1000
