"""Training dry-run configuration (composed into ``FlywheelConfig.train`` by the lead)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TrainConfig(BaseModel):
    """LoRA SFT/DPO dry runs on CPU. Defaults are sized for a smoke test, not a real run."""

    max_steps: int = Field(10, description="Optimizer steps.")
    learning_rate: float = Field(5e-4, description="LoRA learning rate.")
    batch_size: int = Field(2, description="Per-device batch size.")
    max_length: int = Field(1024, description="Token cap per rendered conversation (TRL truncates beyond it).")
    lora_r: int = Field(8, description="LoRA rank.")
    lora_alpha: int = Field(16, description="LoRA alpha.")
    lora_dropout: float = Field(0.0, description="LoRA dropout.")
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="Modules LoRA adapts (Qwen/Llama naming).",
    )
    beta: float = Field(0.1, description="DPO beta.")
    seed: int = Field(0, description="Seed for the tiny model, data order and trainer.")
    tiny_vocab_size: int = Field(600, description="BPE vocabulary of the locally trained tiny tokenizer.")
