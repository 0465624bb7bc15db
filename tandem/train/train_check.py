"""`train.py --check`: everything about a training run that can be known before it starts,
found in well under a second — no torch import, nothing created or written.

The supervisor runs it as the trainer's pre-flight command (docs/configuration.md, `preflight`), so
a mistake in a flag or the config stops the whole run with one line and exit 2 before any process
starts. What only the model can tell (a layer width for SO(8), a CUDA device) is still checked at
start by the trainer itself, also with one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

from tandem.common.overrides import Override, blame
from tandem.common.typed_config import ConfigError
from tandem.fileio.folders import unwritable_reason
from tandem.train.shard_source import ShardSource
from tandem.train.train_config import TrainConfig

LAUNCHER_MODULES = {"torchrun": "torch", "accelerate": "accelerate"}


def check_training(config: TrainConfig, *, source: str, overrides: Sequence[Override] = ()) -> str:
    """One line describing the training that would run; ConfigError for the first problem."""

    def problem(text: str) -> ConfigError:
        return ConfigError(blame(text, source, overrides))

    name = config.model.name_or_path
    if name is not None:
        # The same rule as model.locate_model, which imports torch: a path must exist, a hub id
        # (`Qwen/Qwen2.5-1.5B`) is left to transformers.
        path = Path(name).expanduser()
        if path.exists() and not path.is_dir():
            raise problem(f"model.name_or_path: '{name}' is a file, expected a model folder")
        looks_like_path = name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name
        if not path.exists() and looks_like_path:
            raise problem(f"model.name_or_path: folder '{name}' does not exist")
    data = config.data
    for source_name, (paths, _) in data.sources().items():
        key = f"data.mix.{source_name}.paths" if data.mix else "data.paths"
        if not data.follow and not ShardSource(paths, follow=False).list_shards():
            raise problem(f"{key}: no file matches {', '.join(paths)} (and data.follow is false, "
                          "so none will be waited for)")
    for pattern in config.eval.paths:
        if not ShardSource([pattern], follow=False).list_shards():
            raise problem(f"eval.paths: no file matches {pattern}")
    module = LAUNCHER_MODULES.get(config.launcher)
    if module is not None and find_spec(module) is None:
        raise problem(f"launcher: {config.launcher} needs the {module} package, which is not installed")
    for integration in config.training.report_to:
        if integration == "tensorboard" and not any(find_spec(m) for m in ("tensorboard", "tensorboardX")):
            raise problem("training.report_to: tensorboard is not installed (pip install tensorboard)")
    reason = unwritable_reason(config.output_dir)
    if reason is not None:
        raise problem(f"output_dir: {config.output_dir}: {reason}")
    model = name or "a new Qwen2 from model.init"
    waits = f", following {', '.join(data.all_paths())}" if data.follow else f" on {', '.join(data.all_paths())}"
    return f"train check passed: {model}, adapter {config.adapter}, {config.training.max_steps} steps{waits}"
