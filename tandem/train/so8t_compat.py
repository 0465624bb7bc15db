"""Accept the original SO8T `configs/training_config.yaml` shape, so its users can bring their
config: `model.base_model_name`, `training.*`, `qlora.*`, `data.{train_data_path,max_length}`,
`output.{output_dir,seed,fp16,bf16}` become this kit's keys (LoRA for `qlora`; 4-bit loading is
not part of the kit). Epochs do not fit a stream that may still be growing, so `num_epochs`
needs `training.max_steps` (or `--max-steps`) beside it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tandem.common.typed_config import ConfigError

log = logging.getLogger(__name__)

TRAINING_KEYS = {"batch_size": "batch_size", "gradient_accumulation_steps": "gradient_accumulation_steps",
                 "learning_rate": "learning_rate", "weight_decay": "weight_decay",
                 "max_grad_norm": "max_grad_norm", "warmup_steps": "warmup_steps",
                 "lr_scheduler_type": "lr_scheduler_type", "save_steps": "save_steps",
                 "logging_steps": "logging_steps", "save_total_limit": "save_total_limit",
                 "max_steps": "max_steps", "eval_steps": "eval_steps"}
IGNORED_TRAINING_KEYS = {"num_epochs"}
SECTIONS = {"model": {"base_model_name"}, "training": set(TRAINING_KEYS) | IGNORED_TRAINING_KEYS,
            "qlora": {"r", "lora_alpha", "lora_dropout", "target_modules"},
            "data": {"train_data_path", "max_length"}, "output": {"output_dir", "seed", "fp16", "bf16"}}


def is_so8t_shape(data: dict[str, Any]) -> bool:
    model = data.get("model")
    return "qlora" in data or "output" in data or (isinstance(model, dict) and "base_model_name" in model)


def from_so8t(data: dict[str, Any], source: str, max_steps_flag: bool = False) -> dict[str, Any]:
    """The same settings in this kit's shape; unknown keys are errors as anywhere else."""
    for section, value in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{source}: unknown key '{section}' (SO8T config; known here: "
                              f"{', '.join(sorted(SECTIONS))})")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {section}: expected a mapping")
        unknown = set(value) - SECTIONS[section]
        if unknown:
            raise ConfigError(f"{source}: unknown key '{section}.{sorted(unknown)[0]}' (SO8T config)")
    model, training = data.get("model", {}), data.get("training", {})
    qlora, files, output = data.get("qlora", {}), data.get("data", {}), data.get("output", {})
    if "num_epochs" in training and "max_steps" not in training and not max_steps_flag:
        raise ConfigError(f"{source}: training.num_epochs: epochs over a growing stream are not supported; "
                          "give training.max_steps or --max-steps")
    converted: dict[str, Any] = {
        "model": {"name_or_path": model["base_model_name"]} if "base_model_name" in model else {},
        "training": {ours: training[theirs] for theirs, ours in TRAINING_KEYS.items() if theirs in training},
    }
    if qlora:
        converted["adapter"] = "lora"
        converted["lora"] = {key: qlora[name] for name, key in
                             (("r", "r"), ("lora_alpha", "alpha"), ("lora_dropout", "dropout"),
                              ("target_modules", "target_modules")) if name in qlora}
    if "train_data_path" in files:
        path = str(files["train_data_path"])
        converted["data"] = {"paths": [str(Path(path) / "*.jsonl") if Path(path).is_dir() else path]}
    if "max_length" in files:
        converted["training"]["seq_len"] = files["max_length"]
    if "seed" in output:
        converted["training"]["seed"] = output["seed"]
    if output.get("bf16") or output.get("fp16"):
        converted["training"]["precision"] = "bf16" if output.get("bf16") else "fp16"
    if "output_dir" in output:
        converted["output_dir"] = output["output_dir"]
    return converted
