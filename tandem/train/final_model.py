"""`output_dir/final/`: the trained model, and the step it was taken at.

`final/tandem_final.json` records that step, so a start can tell a finished training (nothing to
do, nothing touched) from one that was stopped between its last checkpoint and `final/`; in that
case `final/` is made from the checkpoint's files, without training a step more.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tandem.fileio.atomic_files import atomic_write_json, read_json
from tandem.train.checkpoints import STAGING, checkpoint_step, publish_folder

FINAL_DIR = "final"
FINAL_MARKER = "tandem_final.json"
# Training state in a checkpoint folder; everything else in it (weights, config, tokenizer,
# adapter config) is what `Trainer.save_model` puts into `final/`.
TRAINING_STATE = ("optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state*.pth", "trainer_state.json",
                  "data_state.json", "tandem_complete.json")


def final_step(output_dir: Path) -> int | None:
    """The step `final/` was saved at; None when there is no `final/` or it predates the marker."""
    marker = read_json(output_dir / FINAL_DIR / FINAL_MARKER)
    step = marker.get("step") if isinstance(marker, dict) else None
    return step if isinstance(step, int) else None


def mark_final(staged: Path, step: int) -> None:
    atomic_write_json(staged / FINAL_MARKER, {"step": step})


def final_from_checkpoint(checkpoint: Path, output_dir: Path) -> Path:
    """Publish `final/` from `checkpoint`'s model files (used when training ended at that
    checkpoint but `final/` was not written or is older)."""
    staged = output_dir / STAGING / FINAL_DIR
    shutil.rmtree(staged, ignore_errors=True)  # our own scratch copy, made just below
    shutil.copytree(checkpoint, staged, ignore=shutil.ignore_patterns(*TRAINING_STATE))
    mark_final(staged, checkpoint_step(checkpoint) or 0)
    target = output_dir / FINAL_DIR
    publish_folder(staged, target)
    return target
