from __future__ import annotations

import os

import polars as pl
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from flywheel_assets.export.dpo import dpo_rows  # noqa: E402
from flywheel_assets.export.sft import sft_rows  # noqa: E402
from flywheel_assets.export.splits import assign_splits  # noqa: E402
from flywheel_assets.export.writer import write_exports  # noqa: E402
from flywheel_assets.train.config import TrainConfig  # noqa: E402
from flywheel_assets_tests.export._data import curated_frame, pairs_frame  # noqa: E402


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    cur = curated_frame()
    units, pairs = assign_splits(cur, pairs_frame(cur))
    sft, dpo = sft_rows(units), dpo_rows(pairs)
    write_exports(d, sft, dpo, hf=False)
    return d, sft


@pytest.mark.slow
def test_sft_dry_run_tiny_model(export_dir, tmp_path):
    from flywheel_assets.train.sft_runner import train_sft

    d, sft = export_dir
    m = train_sft(d, max_steps=3, out_dir=tmp_path / "sft", cfg=TrainConfig(batch_size=2))
    assert m["steps"] == 3 and m["n_train_rows"] == sft.filter(pl.col("split") == "train").height
    assert m["trainable_params"] > 0 and m["train_loss"] == m["train_loss"]  # finite, not NaN
    assert (tmp_path / "sft" / "adapter" / "adapter_config.json").exists()


@pytest.mark.slow
def test_dpo_dry_run_tiny_model_and_local_checkpoint(export_dir, tmp_path):
    from flywheel_assets.train.runner_support import load_rows
    from flywheel_assets.train.dpo_runner import train_dpo
    from flywheel_assets.train.tiny_model import tiny_model_for_rows

    d, _ = export_dir
    ckpt = tmp_path / "ckpt"
    tiny_model_for_rows(load_rows(d, "dpo"), ckpt)  # a local checkpoint for the --model path
    m = train_dpo(d, model=ckpt, max_steps=2, out_dir=tmp_path / "dpo")
    assert m["steps"] == 2 and m["model"] == str(ckpt)
    assert abs(m["first_loss"] - 0.6931) < 0.01  # DPO starts at log(2): policy == reference
    assert (tmp_path / "dpo" / "adapter" / "adapter_model.safetensors").exists()
