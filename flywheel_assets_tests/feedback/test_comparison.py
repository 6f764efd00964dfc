"""A/B comparison records -> preference pairs with pair_source 'comparison' (miner, then the whole pipeline)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from flywheel_assets.feedback.comparison import split_pair
from flywheel_assets.feedback.pairs import mine_pairs
from flywheel_assets.ingest.pipeline import ingest_paths
from flywheel_assets.schema import message
from flywheel_assets.segment.units import segment_events

FIX = Path(__file__).parents[1] / "ingest" / "fixtures" / "comparisons_ab.jsonl"


def _units(ingest_ctx) -> pl.DataFrame:
    res = ingest_paths(FIX, ingest_ctx)
    return segment_events(res.events)


def _finals(p: dict) -> tuple[str, str]:
    return json.loads(p["chosen"])[-1]["content"], json.loads(p["rejected"])[-1]["content"]


def test_pairs_from_every_comparison_shape(ingest_ctx):
    res = mine_pairs(_units(ingest_ctx))
    pairs = res.pairs.filter(pl.col("pair_source") == "comparison")
    # router + bakery (chosen/rejected), egg (a/b), translation (1 chosen x 2 rejected); the tie gives none
    assert pairs.height == 5 and res.stats["by_source"]["comparison"] == 5
    finals = sorted(_finals(p) for p in pairs.iter_rows(named=True))
    assert ('"Crumb".', '"The Rise and Shine Artisan Bread Company".') in finals
    assert ("Danke.", "Merci.") in finals and ("Danke.", "Gracias.") in finals
    assert all(p["signal"] == "comparison" and p["prompt_match"] == "exact" for p in pairs.iter_rows(named=True))
    bakery = next(p for p in pairs.iter_rows(named=True) if _finals(p)[0] == '"Crumb".')
    # the shared turns are the prompt: the continuations start at the answer that differs
    assert [m["role"] for m in json.loads(bakery["prompt"])] == ["user", "assistant", "user"]
    egg = next(p for p in pairs.iter_rows(named=True) if p["chosen_session_id"] == "ab-17/a")
    assert egg["rejected_session_id"] == "ab-17/b"
    assert [m["role"] for m in json.loads(egg["prompt"])] == ["system", "user"]
    # the thumbs the parser sets do not add a second pair for the same two units
    assert res.pairs.filter(pl.col("chosen_session_id") == "ab-17/a").height == 1


def test_filtered_sides(ingest_ctx):
    """Dup-filtered sides and a preferred refusal still pair; a chosen side filtered for another reason does not."""
    units = _units(ingest_ctx)
    bakery = {s for s, m in zip(units["session_id"], units["messages"]) if "bakery" in m}
    router = {s for s, m in zip(units["session_id"], units["messages"]) if "router" in m}

    def reason(s: str) -> str | None:
        if s == "ab-17/b":
            return "near_duplicate"  # rejected side
        if s.endswith("/r0"):
            return "unexpected_refusal"  # chosen side: the user preferred it anyway
        if s in bakery and s.endswith("/chosen"):
            return "off_topic"
        if s in router and s.endswith("/chosen"):
            return "invalid_json"  # a bad answer may only be rejected
        return None

    reasons = [reason(s) for s in units["session_id"]]
    curated = units.with_columns(pl.Series("filter_reason", reasons, dtype=pl.Utf8),
                                 pl.Series("kept", [r is None for r in reasons], dtype=pl.Boolean))
    res = mine_pairs(curated)
    pairs = res.pairs.filter(pl.col("pair_source") == "comparison")
    sides = {(p["chosen_session_id"], p["rejected_session_id"]) for p in pairs.iter_rows(named=True)}
    assert ("ab-17/a", "ab-17/b") in sides
    assert sum(c.endswith("/r0") for c, _ in sides) == 2
    assert not any(c in bakery or c in router for c, _ in sides)
    assert pairs.height == 3 and res.stats["comparison_incomplete"] == 2
    # every pair keeps an intent group even when its units never reached the miner's intent index
    assert all(g.startswith("intent:") and not g.endswith(":none") for g in pairs["group_id"])


def test_split_pair_falls_back_when_prompts_differ():
    a = [message("user", "my name is <PERSON_1>"), message("assistant", "hi")]
    b = [message("user", "my name is <PERSON_2>"), message("assistant", "hello")]
    prompt, c, r, how = split_pair(a, b)
    assert how == "last_user" and prompt == a[:1] and c == a[1:] and r == b[1:]
    prompt, c, r, how = split_pair(a, [a[0], message("assistant", "hello")])
    assert how == "shared_prefix" and len(prompt) == 1


def test_comparison_rows_reach_the_dpo_export(tmp_path, monkeypatch):
    """End to end: a drop of A/B rows + ordinary chat rows -> run_pipeline -> comparison pairs in the DPO files."""
    from flywheel_assets.runner import run_pipeline

    day = tmp_path / "logs" / "2026-11-18"
    day.mkdir(parents=True)
    chats = []
    for i, (q, a) in enumerate([("how do i change my password?", "Open settings, then security, then password."),
                                ("where can i download last month's receipt?", "Open billing and pick receipts."),
                                ("can i pause my subscription?", "Yes, open billing and press pause.")]):
        chats.append({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
                      "metadata": {"session_id": f"chat-{i}", "timestamp": f"2026-11-18T10:0{i}:00Z"}})
    (day / "chat.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chats))
    ab = [("how do i export my invoices as a spreadsheet?", "Open billing, pick invoices, then export as csv.",
           "invoices list purchases."),
          ("can i change the email address on my account?", "Yes: open settings, then profile, and edit it there.",
           "that is a good question."),
          ("why was my card declined at checkout?", "Usually the bank blocked it or the address does not match.",
           "cards can be declined."),
          ("how do i add a second user to my plan?", "Open team, press invite and enter their address.",
           "plans have users.")]
    rows = []
    for i, (q, good, bad) in enumerate(ab):
        if i % 2:
            rows.append({"chosen": f"\n\nHuman: {q}\n\nAssistant: {good}",
                         "rejected": f"\n\nHuman: {q}\n\nAssistant: {bad}", "timestamp": "2026-11-18T09:00:00Z"})
        else:
            rows.append({"id": f"cmp-{i}", "prompt": q, "response_a": bad, "response_b": good, "choice": "b",
                         "timestamp": "2026-11-18T09:00:00Z"})
    # a multi-turn transcript pair that differs only in its last answer (the two units are near-duplicates)
    shared = ("\n\nHuman: my parcel tracking page has shown the same status for a week, what can i do?"
              "\n\nAssistant: Sorry about that. A status that does not change for several days usually means the "
              "carrier has not scanned the parcel again yet, which happens with long transfers between depots."
              "\n\nHuman: ok, and if it still does not move by friday?")
    last = ("If nothing changes by friday, open a claim from the orders page and we will send a replacement.",
            "Then wait longer.")
    rows.append({"chosen": shared + "\n\nAssistant: " + last[0], "rejected": shared + "\n\nAssistant: " + last[1],
                 "timestamp": "2026-11-18T09:30:00Z"})
    (day / "ab.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = tmp_path / "cfg" / "flywheel.yaml"
    cfg.parent.mkdir()
    cfg.write_text("privacy:\n  presidio_ner: false\n")
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "comparison-e2e-key-31")
    summary = run_pipeline(tmp_path / "logs", warehouse=tmp_path / "wh" / "w.duckdb", out_dir=tmp_path / "out",
                           config_path=cfg, echo=lambda *a, **k: None)
    assert not [c for c in summary.checks_failed if "pii" in c or "dpo" in c or "sft" in c], summary.checks_failed
    dpo = [json.loads(ln) for f in sorted((tmp_path / "out" / "dpo").glob("*.jsonl"))
           for ln in f.read_text().splitlines() if ln.strip()]
    got = sorted((r["prompt"][-1]["content"], r["chosen"][-1]["content"], r["rejected"][-1]["content"])
                 for r in dpo if r["pair_source"] == "comparison")
    want = [(q, good, bad) for q, good, bad in ab] + [("ok, and if it still does not move by friday?", *last)]
    assert got == sorted(want)
    assert os.path.getsize(tmp_path / "out" / "sft" / "train.jsonl") > 0  # the chat rows still make SFT rows


def test_long_vs_short_pick_is_downweighted_not_dropped(tmp_path, ingest_ctx):
    """A picked full answer beside a one-liner (8x longer) stays, down-weighted; past 12x it is dropped."""
    full = ("Open the billing page, choose the invoice you need, press download and pick the PDF format; "
            "older invoices sit under the archive tab.")
    rows = [{"prompt": "how do i get an old invoice?", "response_a": full, "response_b": "Billing page.",
             "choice": "a"},
            {"prompt": "how do i close my account?", "response_a": full + " " + full + " " + full,
             "response_b": "Settings.", "choice": "a"}]
    p = tmp_path / "ab.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = mine_pairs(segment_events(ingest_paths(p, ingest_ctx).events))
    kept = res.pairs.filter(pl.col("pair_source") == "comparison")
    assert kept.height == 1 and 6 < kept["length_ratio"][0] < 12 and kept["weight"][0] < 1.0
    assert res.dropped["drop_reason"].to_list() == ["extreme_length_ratio"]
