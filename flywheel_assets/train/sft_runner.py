"""LoRA SFT dry run with TRL 1.16 + PEFT on the exported ``DIR/sft/train.jsonl`` (CPU, assistant-only loss)."""

from __future__ import annotations

from pathlib import Path

from flywheel_assets.train.config import TrainConfig
from flywheel_assets.train.runner_support import (common_args, load_rows, lora_config, metrics_from, offline_env,
                                                  resolve_model, to_dataset)


def train_sft(data_dir: str | Path, model: str | Path | None = None, max_steps: int = 10,
              out_dir: str | Path | None = None, cfg: TrainConfig | None = None) -> dict:
    """Train LoRA adapters for ``max_steps`` on the SFT train split; returns a metrics dict
    (steps, train_loss, first/last loss, trainable_params, out_dir). ``model=None`` builds the tiny local Qwen2."""
    offline_env()
    cfg = cfg or TrainConfig()
    from trl import SFTConfig, SFTTrainer

    rows = load_rows(data_dir, "sft")
    if not rows:
        raise ValueError(f"no SFT train rows in {data_dir}")
    mdl, tok = resolve_model(model, rows, cfg)
    out = Path(out_dir or Path(data_dir) / "runs" / "sft")
    args = SFTConfig(**common_args(cfg, max_steps, out), assistant_only_loss=True, packing=False)
    trainer = SFTTrainer(model=mdl, args=args, train_dataset=to_dataset(rows), processing_class=tok,
                         peft_config=lora_config(cfg))
    result = trainer.train()
    trainer.save_model(str(out / "adapter"))
    return metrics_from(trainer, result, "sft", len(rows), str(model) if model else "tiny-qwen2", out)
