"""Shared plumbing for the SFT/DPO runners: offline env, data loading, model/tokenizer resolution."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flywheel_assets.train.config import TrainConfig

_TRAIN_COLS = {"sft": ("messages", "tools"), "dpo": ("prompt", "chosen", "rejected", "tools")}


def offline_env() -> None:
    for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(k, "1")
    os.environ.setdefault("WANDB_DISABLED", "true")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_rows(data_dir: str | Path, task: str, split: str = "train") -> list[dict]:
    """Rows of ``DIR/<task>/<split>.jsonl`` reduced to the columns TRL trains on."""
    p = Path(data_dir) / task / f"{split}.jsonl"
    if not p.exists():
        raise FileNotFoundError(f"{p} not found: run the export first")
    rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{k: r[k] for k in _TRAIN_COLS[task]} for r in rows]


def to_dataset(rows: list[dict]):
    import datasets

    datasets.disable_progress_bars()
    return datasets.Dataset.from_list(rows)


def resolve_model(model: str | Path | None, rows: list[dict], cfg: TrainConfig):
    """(model, tokenizer): a local checkpoint (``local_files_only``) or the tiny Qwen2 built on these rows."""
    if model is None:
        from flywheel_assets.train.tiny_model import tiny_model_for_rows

        return tiny_model_for_rows(rows, vocab_size=cfg.tiny_vocab_size, seed=cfg.seed)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from flywheel_assets.export.chat_template import chatml_template, has_generation_markers

    tok = AutoTokenizer.from_pretrained(str(model), local_files_only=True)
    if not has_generation_markers(getattr(tok, "chat_template", None)):
        tok.chat_template = chatml_template()
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    mdl = AutoModelForCausalLM.from_pretrained(str(model), local_files_only=True)
    return mdl, tok


def lora_config(cfg: TrainConfig):
    from peft import LoraConfig

    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")


def common_args(cfg: TrainConfig, max_steps: int, out_dir: str | Path) -> dict:
    return dict(
        output_dir=str(out_dir), max_steps=max_steps, per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate, logging_steps=1, save_strategy="no", report_to=[], bf16=False, fp16=False,
        use_cpu=True, seed=cfg.seed, data_seed=cfg.seed, max_length=cfg.max_length, dataloader_num_workers=0,
        disable_tqdm=True,
    )


def metrics_from(trainer, result, task: str, n_rows: int, model_label: str, out_dir: Path) -> dict:
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    out = {
        "task": task, "model": model_label, "n_train_rows": n_rows, "steps": int(trainer.state.global_step),
        "train_loss": float(result.training_loss), "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None, "out_dir": str(out_dir),
        "trainable_params": int(sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)),
    }
    for k in ("rewards/accuracies", "rewards/margins"):
        vals = [h[k] for h in trainer.state.log_history if k in h]
        if vals:
            out[k.replace("/", "_")] = float(vals[-1])
    return out
