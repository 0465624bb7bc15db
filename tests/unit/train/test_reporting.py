"""Where `training.report_to`'s integrations write, decided before the Trainer exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.common.typed_config import ConfigError, build
from tandem.train.train_config import TrainConfig
from tandem.train.training_run import reporting_environment

OUT = Path("outputs/x")


def test_wandb_runs_offline_in_the_output_folder():
    assert reporting_environment(["wandb"], OUT) == {"WANDB_MODE": "offline", "WANDB_DIR": str(OUT),
                                                     "WANDB_PROJECT": "tandem"}


def test_tensorboard_writes_in_the_output_folder():
    assert reporting_environment(["tensorboard"], OUT) == {"TENSORBOARD_LOGGING_DIR": str(OUT / "tensorboard")}


def test_none_sets_nothing_and_cannot_be_combined():
    assert reporting_environment(["none"], OUT) == {}
    model = {"init": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 400}}
    with pytest.raises(ConfigError, match="training.report_to: none cannot be combined"):
        build(TrainConfig, {"model": model, "training": {"report_to": ["none", "wandb"]}}, "train.yaml")
