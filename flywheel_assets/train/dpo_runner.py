"""LoRA DPO dry run with TRL 1.16 + PEFT on the exported ``DIR/dpo/train.jsonl`` (CPU)."""

from __future__ import annotations

from pathlib import Path

from flywheel_assets.train.config import TrainConfig
from flywheel_assets.train.runner_support import (common_args, load_rows, lora_config, metrics_from, offline_env,
                                                  resolve_model, to_dataset)


def train_dpo(data_dir: str | Path, model: str | Path | None = None, max_steps: int = 10,
              out_dir: str | Path | None = None, cfg: TrainConfig | None = None) -> dict:
    """Train LoRA adapters with DPO for ``max_steps`` on the DPO train split; returns a metrics dict
    (steps, train_loss, rewards_accuracies/margins when logged, out_dir). With PEFT the frozen base is the
    reference model. ``model=None`` builds the tiny local Qwen2."""
    offline_env()
    cfg = cfg or TrainConfig()
    from trl import DPOConfig, DPOTrainer

    rows = load_rows(data_dir, "dpo")
    if not rows:
        raise ValueError(f"no DPO train rows in {data_dir}")
    mdl, tok = resolve_model(model, rows, cfg)
    out = Path(out_dir or Path(data_dir) / "runs" / "dpo")
    args = DPOConfig(**common_args(cfg, max_steps, out), beta=cfg.beta)
    trainer = DPOTrainer(model=mdl, args=args, train_dataset=to_dataset(rows), processing_class=tok,
                         peft_config=lora_config(cfg))
    result = trainer.train()
    trainer.save_model(str(out / "adapter"))
    return metrics_from(trainer, result, "dpo", len(rows), str(model) if model else "tiny-qwen2", out)
