"""A tiny Qwen2 + a BPE tokenizer trained locally on the export text (nothing is downloaded).

Used by the training dry runs and tests when no ``--model`` is given. The tokenizer carries the export's ChatML
template (with ``{% generation %}`` markers) so ``assistant_only_loss=True`` works out of the box.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from flywheel_assets.export.chat_template import SPECIAL_TOKENS, chatml_template  # noqa: E402


def corpus_from_rows(rows: Iterable[dict]) -> list[str]:
    """Every text a row can render: contents, tool names, arguments, tool schemas."""
    out: list[str] = []
    for row in rows:
        for key in ("messages", "prompt", "chosen", "rejected"):
            for m in row.get(key) or []:
                out.append(m.get("content") or "")
                for tc in m.get("tool_calls") or []:
                    out.append(f'{tc["function"]["name"]} {tc["function"]["arguments"]}')
        if row.get("tools"):
            out.append(row["tools"] if isinstance(row["tools"], str) else json.dumps(row["tools"]))
    return out


def build_tokenizer(texts: Iterable[str], vocab_size: int = 600):
    """Byte-level BPE trained on ``texts`` with ChatML special tokens and the export chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS), show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    extra = ["<|im_start|>system\n", "<tool_call>{\"name\": \"", "\", \"arguments\": ", "}</tool_call>",
             "<tool_response>", "</tool_response>", "# Tools\n<tools>", "</tools>"]
    tok.train_from_iterator(sorted(set(list(texts) + extra)), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        unk_token=None, additional_special_tokens=["<|im_start|>"],
    )
    fast.chat_template = chatml_template()
    return fast


def build_tiny_model(tokenizer, *, hidden_size: int = 32, layers: int = 2, seed: int = 0, max_positions: int = 4096):
    """A randomly initialised Qwen2ForCausalLM sized to the tokenizer (a few hundred K parameters)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    cfg = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=max_positions, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None,
    )
    model = Qwen2ForCausalLM(cfg)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def tiny_model_for_rows(rows: list[dict], out_dir: str | Path | None = None, *, vocab_size: int = 600, seed: int = 0):
    """(model, tokenizer) for these rows; saved to ``out_dir`` when given (a local checkpoint for ``--model``)."""
    tok = build_tokenizer(corpus_from_rows(rows), vocab_size=vocab_size)
    model = build_tiny_model(tok, seed=seed)
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out_dir)
        tok.save_pretrained(out_dir)
    return model, tok
