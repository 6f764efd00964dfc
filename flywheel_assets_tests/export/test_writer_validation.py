from __future__ import annotations

import json
import stat

import pytest

from flywheel_assets.export.dpo import dpo_rows
from flywheel_assets.export.sft import sft_rows
from flywheel_assets.export.shards import training_shards
from flywheel_assets.export.splits import assign_splits
from flywheel_assets.export.validation import validate_exports
from flywheel_assets.export.writer import write_exports
from flywheel_assets_tests.export._data import curated_frame, pairs_frame


@pytest.fixture(scope="module")
def frames():
    cur = curated_frame()
    units, pairs = assign_splits(cur, pairs_frame(cur))
    sft, dpo = sft_rows(units), dpo_rows(pairs)
    return sft, dpo, training_shards(sft)


def test_byte_identical_reexport_and_owner_only(tmp_path, frames):
    sft, dpo, shards = frames
    a = write_exports(tmp_path / "a", sft, dpo, shards, {"dataset_name": "t"})
    b = write_exports(tmp_path / "b", sft.reverse(), dpo.reverse(), shards, {"dataset_name": "t"})
    assert a["files"] == b["files"]
    for rel in ("sft/train.jsonl", "dpo/train.jsonl", "README.md", "shards/staged.json", "hf/sft/dataset_dict.json"):
        assert rel in a["files"]
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    assert sum(a["counts"]["sft"].values()) == sft.height
    for p in (tmp_path / "a").rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), p
    card = (tmp_path / "a" / "README.md").read_text()
    assert card.startswith("---\n") and "config_name: sft" in card and "PII handling" in card
    import datasets

    ds = datasets.load_from_disk(str(tmp_path / "a" / "hf" / "sft"))
    assert ds["train"].num_rows == a["counts"]["sft"]["train"]
    assert ds["train"][0]["messages"][0]["role"] == "system"


def test_clean_export_passes_all_gx_checks(tmp_path, frames):
    sft, dpo, shards = frames
    write_exports(tmp_path, sft, dpo, shards, hf=False)
    results = validate_exports(tmp_path)
    assert {r["check"] for r in results} >= {"schema", "role_order", "tool_calls", "no_raw_pii", "placeholders"}
    assert all(r["success"] for r in results), [r for r in results if not r["success"]]


def _plant(rows, i, fn):
    r = json.loads(json.dumps(rows[i], default=str))
    fn(r)
    rows[i] = r
    return r["unit_id"]


def test_gx_catches_planted_violations(frames):
    sft, _, _ = frames
    rows = sft.to_dicts()
    agent = [i for i, r in enumerate(rows) if r["tool_mix"] != "none"]
    qa = [i for i, r in enumerate(rows) if r["tool_mix"] == "none"]
    email = _plant(rows, qa[0], lambda r: r["messages"][1].update(content="mail me at jane.doe@example.com"))
    broken = _plant(rows, qa[1], lambda r: r["messages"][1].update(content="I am <PERSON_> hi"))
    bad_json = _plant(rows, agent[0], lambda r: r["messages"][2]["tool_calls"][0]["function"].update(arguments="{order_id: A1"))
    bad_schema = _plant(rows, agent[1], lambda r: r["messages"][2]["tool_calls"][0]["function"].update(arguments='{"oid":"A1"}'))
    order = _plant(rows, qa[2], lambda r: r["messages"].insert(2, dict(r["messages"][2])))
    res = {r["check"]: r for r in validate_exports({"sft": rows}) if r["dataset"] == "sft"}
    assert res["no_raw_pii"]["unexpected_ids"] == [email]
    assert res["placeholders"]["unexpected_ids"] == [broken]
    assert sorted(res["tool_calls"]["unexpected_ids"]) == sorted([bad_json, bad_schema])
    assert res["role_order"]["unexpected_ids"] == [order]
    assert res["schema"]["success"] and res["message_keys"]["success"]
    for r in res.values():  # results never carry the offending text
        assert "jane.doe" not in json.dumps(r)


@pytest.mark.realdata
def test_pii_net_on_presidio_gold_spans(realdata):
    """Real PII texts (Presidio's generated_large.json): the raw texts carrying e-mails, phones, cards or SSNs
    are flagged by the GX check; the same texts with their gold spans replaced by <TYPE_N> placeholders pass."""
    data = json.loads((realdata / "presidio_dev" / "generated_large.json").read_text())
    kinds = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN"}
    picked = [r for r in data if any(s["entity_type"] in kinds for s in r["spans"])][:300]
    assert len(picked) >= 200

    def row(i, text, tag):
        msgs = [{"role": "user", "content": text, "name": None, "tool_calls": None, "tool_call_id": None},
                {"role": "assistant", "content": "Noted.", "name": None, "tool_calls": None, "tool_call_id": None}]
        return {"messages": msgs, "tools": "[]", "unit_id": f"{tag}-{i}", "split": "train"}

    def redact(r):
        out, n = r["full_text"], {}
        for s in sorted(r["spans"], key=lambda s: -s["start_position"]):
            n[s["entity_type"]] = n.get(s["entity_type"], 0) + 1
            out = out[:s["start_position"]] + f"<{s['entity_type']}_{n[s['entity_type']]}>" + out[s["end_position"]:]
        return out

    raw = [row(i, r["full_text"], "raw") for i, r in enumerate(picked)]
    red = [row(i, redact(r), "red") for i, r in enumerate(picked)]
    res = {r["check"]: r for r in validate_exports({"sft": raw})}
    flagged = res["no_raw_pii"]["unexpected_count"]
    assert flagged >= 0.95 * len(raw), flagged  # >= 95 % of raw texts caught
    clean = {r["check"]: r for r in validate_exports({"sft": red})}
    assert clean["no_raw_pii"]["success"] and clean["placeholders"]["success"]  # no false positive


def test_raw_pii_net_needs_a_valid_card_number():
    """A 16-digit run counts as a card only standing alone and passing Luhn (as the redactor's card rule): the
    decimals of a float timing field or a letter-prefixed tracking id are not raw PII."""
    from flywheel_assets.export.validation import raw_pii_kinds
    from flywheel_assets.privacy.detectors.rules import luhn_check_digit

    body = [4, 1, 2, 7, 3, 0, 9, 8, 5, 5, 6, 1, 0, 2, 4]
    card = "".join(map(str, body)) + str(luhn_check_digit(body))
    not_luhn = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert raw_pii_kinds(f"paid with {card} today") == ["credit_card"]
    assert "credit_card" in raw_pii_kinds(f"paid with {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}")
    assert raw_pii_kinds(f"paid with {not_luhn} today") == []
    assert raw_pii_kinds(f"{{'ts': 1.{card}, 'device': None}}") == []
    assert raw_pii_kinds(f"tracking number ZX{card}") == []
    # a phone is 7-15 digits on one line; a price list is not one
    assert raw_pii_kinds("call (415) 555-0137 now") == ["phone"]
    assert raw_pii_kinds("Blue mug - $12.40\n3. Green mug - $18.25\n41. Red mug") == []


@pytest.mark.realdata
def test_raw_pii_prefilter_finds_what_the_full_scan_finds_on_real_texts(realdata):
    """raw_pii_kinds skips a pattern only when the text lacks a character every match needs ('@', a digit, a key
    prefix): on real PII texts the result equals running every pattern."""
    from flywheel_assets.export import validation as V

    texts = []
    for d in ("presidio_dev", "pii_real_dev", "oasst_feedback"):
        for p in sorted((realdata / d).rglob("*")):
            if p.suffix in (".jsonl", ".json", ".txt") and p.stat().st_size < 30_000_000:
                texts += p.read_text(errors="replace").splitlines()[:2000]

    def full(text):
        return sorted(k for k, rx in V._PII_RES.items()
                      if any(V.PII_VALIDATORS.get(k) is None or V.PII_VALIDATORS[k](m.group(0)) for m in rx.finditer(text)))

    got = [V.raw_pii_kinds(t) for t in texts]
    assert sum(bool(g) for g in got) >= 50  # the texts do carry raw PII of several kinds
    assert len({k for g in got for k in g}) >= 3
    assert got == [full(t) for t in texts]
