"""`transformers.Trainer` with checkpoints that are complete or absent (see `checkpoints.py`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import Trainer

from tandem.train.checkpoints import STAGING, publish, rotate


class CheckpointingTrainer(Trainer):
    """Saves each checkpoint under `.staging/`, then (rank 0, after every rank has written its
    part) adds the data position and the completeness marker and renames it into place.
    `save_total_limit` is applied here, after the rename, never by `Trainer` itself."""

    def __init__(self, *args: Any, data_state: Callable[[int], dict[str, Any]], keep: int | None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.args.save_total_limit is not None:
            raise ValueError("CheckpointingTrainer rotates checkpoints itself; leave save_total_limit None")
        self._data_state = data_state
        self._keep = keep
        self._staging = False

    def _get_output_dir(self, trial: Any) -> str:
        base = super()._get_output_dir(trial)
        return os.path.join(base, STAGING) if self._staging else base

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        step = self.state.global_step
        output_dir = Path(super()._get_output_dir(trial))
        self._staging = True
        try:
            super()._save_checkpoint(model, trial)
        finally:
            self._staging = False
        self.accelerator.wait_for_everyone()  # every rank's RNG state is in the folder
        if self.args.should_save:
            name = f"checkpoint-{step}"
            publish(output_dir / STAGING / name, output_dir / name, self._data_state(step))
            rotate(output_dir, self._keep)
        self.accelerator.wait_for_everyone()  # nobody reads on while rank 0 renames
