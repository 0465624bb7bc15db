"""The original SO8T training config shape is accepted and converted."""

from __future__ import annotations

import pytest

from tandem.common.typed_config import ConfigError
from tandem.train.train_config import load_train_config

SO8T_CONFIG = """
model:
  base_model_name: /models/Qwen2.5-7B-Instruct
training:
  num_epochs: 3
  batch_size: 2
  gradient_accumulation_steps: 8
  learning_rate: 2.0e-4
  weight_decay: 0.01
  max_grad_norm: 0.3
  warmup_steps: 100
  lr_scheduler_type: cosine
  save_steps: 500
  eval_steps: 500
  logging_steps: 10
  save_total_limit: 3
qlora:
  r: 64
  lora_alpha: 16
  lora_dropout: 0.1
  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
data:
  train_data_path: {data}
  max_length: 2048
output:
  output_dir: ./checkpoints/so8t_qwen
  seed: 42
  fp16: false
  bf16: true
"""


def test_an_so8t_config_becomes_this_kits_config(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "training_config.yaml"
    path.write_text(SO8T_CONFIG.format(data=tmp_path / "data"))
    config = load_train_config(path, {"training.max_steps": 1200})
    assert config.model.name_or_path == "/models/Qwen2.5-7B-Instruct" and config.model.init is None
    assert config.adapter == "lora"
    assert (config.lora.r, config.lora.alpha, config.lora.dropout) == (64, 16, 0.1)
    assert config.lora.target_modules[-1] == "down_proj"
    assert config.data.paths == [str(tmp_path / "data" / "*.jsonl")]
    training = config.training
    assert (training.max_steps, training.batch_size, training.gradient_accumulation_steps) == (1200, 2, 8)
    assert (training.seq_len, training.seed, training.precision, training.save_total_limit) == (2048, 42, "bf16", 3)
    assert str(config.output_dir) == "checkpoints/so8t_qwen"


def test_epochs_without_max_steps_and_unknown_keys_are_one_line_errors(tmp_path):
    path = tmp_path / "training_config.yaml"
    path.write_text(SO8T_CONFIG.format(data="x.jsonl"))
    with pytest.raises(ConfigError, match=r"training.num_epochs: .*give training.max_steps or --max-steps"):
        load_train_config(path)
    path.write_text(SO8T_CONFIG.format(data="x.jsonl").replace("  seed: 42", "  seed: 42\n  push_to_hub: true"))
    with pytest.raises(ConfigError, match=r"unknown key 'output.push_to_hub' \(SO8T config\)"):
        load_train_config(path, {"training.max_steps": 10})
