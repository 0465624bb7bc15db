"""`transformers.Trainer` with checkpoints that are complete or absent (see `checkpoints.py`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import Trainer

from tandem.fileio.disk_errors import NoSpaceLeft, full_disk_path
from tandem.train.checkpoints import STAGING, ChecksumsBeside, discard_staged, newest_complete, publish, rotate


class CheckpointingTrainer(Trainer):
    """Saves each checkpoint under `.staging/`, then (rank 0, after every rank has written its
    part) adds the data position and the completeness marker and renames it into place.
    `save_total_limit` is applied here, after the rename, never by `Trainer` itself; the best
    checkpoint by eval loss is never rotated away. A save that fails removes its own half-written
    folder (this run wrote it: on a full disk that gives the space back) and a full disk is raised
    as `NoSpaceLeft`. Each published checkpoint's files are hashed into its marker beside the
    training (`ChecksumsBeside`). A resumed run restores the checkpoint's random-number state just before its
    first step."""

    def __init__(self, *args: Any, data_state: Callable[[int], dict[str, Any]], keep: int | None,
                 keep_also: Callable[[], Path | None] = lambda: None,
                 extra_logs: Callable[[int], dict[str, float]] = lambda step: {}, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.args.save_total_limit is not None:
            raise ValueError("CheckpointingTrainer rotates checkpoints itself; leave save_total_limit None")
        self._data_state = data_state
        self._keep = keep
        self._keep_also = keep_also  # the best checkpoint by eval loss, never rotated away
        self._staging = False
        self._rng_checkpoint: str | None = None  # RNG state still to restore before the first step
        self._checksums = ChecksumsBeside()
        self._extra_logs = extra_logs  # this step's evaluation, for TensorBoard / W&B beside the loss

    def log(self, logs: dict[str, float], *args: Any, **kwargs: Any) -> None:
        if "loss" in logs:
            logs.update(self._extra_logs(self.state.global_step))
        super().log(logs, *args, **kwargs)

    def _load_rng_state(self, checkpoint: str | None) -> None:
        """`Trainer` restores the RNG state and only then creates the data iterator, and creating
        a `DataLoader` iterator draws its base seed from the global generator. The resumed run's
        dropout masks would then come one draw later than the uninterrupted run's (whose draw came
        before its first step). So the state is restored at the first step instead, where the
        checkpoint took it: between a save and the next forward nothing else draws."""
        self._rng_checkpoint = checkpoint

    def training_step(self, *args: Any, **kwargs: Any) -> Any:
        if self._rng_checkpoint is not None:
            checkpoint, self._rng_checkpoint = self._rng_checkpoint, None
            super()._load_rng_state(checkpoint)
        return super().training_step(*args, **kwargs)

    def _get_output_dir(self, trial: Any) -> str:
        base = super()._get_output_dir(trial)
        return os.path.join(base, STAGING) if self._staging else base

    def _save_checkpoint(self, model: Any, trial: Any, *args: Any, **kwargs: Any) -> None:
        """`Trainer` before 4.47 also passes `metrics`: handed on as given."""
        step = self.state.global_step
        output_dir = Path(super()._get_output_dir(trial))
        name = f"checkpoint-{step}"
        staged = output_dir / STAGING / name
        self._staging = True
        try:
            super()._save_checkpoint(model, trial, *args, **kwargs)
            self.accelerator.wait_for_everyone()  # every rank's RNG state is in the folder
            if self.args.should_save:
                publish(staged, output_dir / name, self._data_state(step))
                self._checksums.start(output_dir / name)
                best = self._keep_also()
                rotate(output_dir, self._keep, protected=(best,) if best else ())
        except Exception as exc:
            full = full_disk_path(exc, output_dir) is not None  # asked before the clean-up frees space
            discard_staged(staged)
            if not full:
                raise
            kept = newest_complete(output_dir)
            raise NoSpaceLeft(output_dir, f"saving {name}; the newest complete checkpoint is "
                              f"{kept.name if kept else 'none'}") from exc
        finally:
            self._staging = False
        self.accelerator.wait_for_everyone()  # nobody reads on while rank 0 renames

    def _issue_warnings_after_load(self, load_result: Any) -> None:
        """Resuming a model with tied embeddings, `Trainer` reports the tied `lm_head.weight` as
        missing although it is loaded through its twin; keep the warning for real gaps only."""
        twins: dict[int, list[str]] = {}
        assert self.model is not None
        for name, parameter in self.model.named_parameters(remove_duplicate=False):
            twins.setdefault(id(parameter), []).append(name)
        missing = set(load_result.missing_keys)
        loaded_through_twin = {name for names in twins.values() if len(names) > 1 and not set(names) <= missing
                               for name in names}
        super()._issue_warnings_after_load(load_result._replace(
            missing_keys=[key for key in load_result.missing_keys if key not in loaded_through_twin]))
