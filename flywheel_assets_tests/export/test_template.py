from __future__ import annotations

import pytest

from flywheel_assets.export.chat_template import chatml_template, render_and_mask
from flywheel_assets.export.dpo import dpo_rows
from flywheel_assets.export.sft import sft_rows
from flywheel_assets.export.splits import assign_splits
from flywheel_assets.train.tiny_model import build_tokenizer, corpus_from_rows
from flywheel_assets_tests.export._data import curated_frame, pairs_frame


@pytest.fixture(scope="module")
def exported():
    cur = curated_frame()
    units, pairs = assign_splits(cur, pairs_frame(cur))
    sft, dpo = sft_rows(units).to_dicts(), dpo_rows(pairs).to_dicts()
    return sft, dpo, build_tokenizer(corpus_from_rows(sft + dpo))


def test_every_row_renders_with_nonzero_assistant_mask(exported):
    sft, dpo, tok = exported
    stats = render_and_mask(sft, tok)
    assert stats["n_rendered"] == len(sft) and not stats["zero_mask_ids"] and not stats["render_errors"]
    assert 0 < stats["assistant_token_share"] < 1
    dstats = render_and_mask(dpo, tok)
    assert dstats["n_rendered"] == len(dpo) and not dstats["zero_mask_ids"]
    # over-context rows are flagged, not dropped
    small = render_and_mask(sft, tok, max_context=stats["token_lengths"]["p50"])
    assert 0 < len(small["over_context_ids"]) < len(sft)


def test_template_text_and_mask_boundaries(exported):
    sft, _, tok = exported
    row = next(r for r in sft if r["tool_mix"] == "get_order")
    text = tok.apply_chat_template(row["messages"], tools=None, chat_template=chatml_template(), tokenize=False)
    oid = row["messages"][2]["tool_calls"][0]["function"]["arguments"]
    assert f'<|im_start|>assistant\n<tool_call>{{"name": "get_order", "arguments": {oid}}}</tool_call><|im_end|>' in text
    assert "<|im_start|>tool\n<tool_response name=\"get_order\">" in text
    out = tok.apply_chat_template(row["messages"], chat_template=chatml_template(), tokenize=True, return_dict=True,
                                  return_assistant_tokens_mask=True)
    masked = tok.decode([t for t, m in zip(out["input_ids"], out["assistant_masks"]) if m])
    assert "<tool_call>" in masked and masked.endswith("<|im_end|>\n")
    assert "<|im_start|>user" not in masked and "Acme support" not in masked  # prompt tokens never trained on


def test_empty_mask_is_an_error(exported):
    _, _, tok = exported
    row = {"unit_id": "u", "messages": [{"role": "user", "content": "hi", "name": None, "tool_calls": None,
                                         "tool_call_id": None}], "tools": "[]"}
    with pytest.raises(ValueError):
        render_and_mask([row], tok)
    assert render_and_mask([row], tok, strict=False)["zero_mask_ids"] == ["u:messages"]
