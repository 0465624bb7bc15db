"""What happens once per start, before any training process exists (so also before torchrun
starts its workers; on node 0 only when training spans nodes): one trainer per `output_dir`,
fresh start or resume, setting aside what cannot be resumed from, stopping at once when the
training is already finished, waiting for the first data, and training the tokenizer for a
`model.init` model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.common.typed_config import ConfigError
from tandem.contracts.child_protocol import StatusReporter
from tandem.fileio.atomic_files import atomic_write_json, read_json
from tandem.fileio.file_lock import AlreadyLocked, FileLock
from tandem.fileio.folders import describe_set_aside, move_contents_aside
from tandem.train.checkpoint_check import is_stock
from tandem.train.checkpoints import (
    checkpoint_step,
    newest_complete,
    newest_verified,
    read_data_state,
    set_aside_incomplete,
)
from tandem.train.final_model import FINAL_DIR, final_from_checkpoint, final_step
from tandem.train.model import locate_model, save_tokenizer_atomically, train_tokenizer
from tandem.train.shard_source import ShardSource, wait_for_samples
from tandem.train.train_config import TrainConfig

log = logging.getLogger(__name__)

TOKENIZER_DIR = "tokenizer"
FRESH_START_MARKER = "fresh_start.json"


@dataclass(frozen=True)
class Preparation:
    checkpoint: Path | None  # the one the run resumes from
    finished_step: int | None = None  # set when max_steps is already reached: nothing to train


def lock_output_dir(output_dir: Path) -> FileLock:
    """One trainer per `output_dir`: a second one is refused (exit 2) naming the holder. The lock
    file is a sibling, so that `--no-auto-resume` moving the folder's contents leaves it alone."""
    output_dir = output_dir.resolve()
    lock = FileLock(output_dir.with_name(output_dir.name + ".lock"))
    try:
        lock.acquire(f"training into {output_dir}")
    except AlreadyLocked as exc:
        raise ConfigError(f"output_dir: {output_dir} is in use by another training ({exc.holder}); "
                          "wait for it to end or choose another --output-dir") from None
    except OSError as exc:
        raise ConfigError(f"output_dir: cannot write {exc.filename or lock.path}: {exc.strerror}") from None
    if output_dir.exists() and not output_dir.is_dir():
        lock.release()
        raise ConfigError(f"output_dir: {output_dir} is a file, not a folder")
    return lock


def finished_at(output_dir: Path, max_steps: int) -> int | None:
    """The step of the newest complete checkpoint when it has reached `max_steps` and `final/`
    was saved there; read-only."""
    checkpoint = newest_complete(output_dir)
    step = checkpoint_step(checkpoint) if checkpoint is not None else None
    done = step is not None and step >= max_steps and (final_step(output_dir) or -1) >= step
    return step if done else None


def prepare(config: TrainConfig, auto_resume: bool, reporter: StatusReporter,
            should_stop: Callable[[], bool], run_id: str | None = None) -> Preparation:
    """Get `output_dir` ready (the caller holds its lock); says which checkpoint the run will
    resume from, or that the training is already finished.

    Without auto-resume the earlier run's files are moved aside once per supervised run
    (`run_id`): a restart of the same run, started with the same flags, resumes."""
    output_dir = config.output_dir
    if config.model.name_or_path is not None:
        locate_model(config.model.name_or_path)  # a missing folder is exit 2 now, not after the wait
    fresh_for = read_json(output_dir / FRESH_START_MARKER)
    if not auto_resume and run_id is not None and isinstance(fresh_for, dict) and fresh_for.get("run_id") == run_id:
        # The supervisor restarting this run's crashed trainer: its own progress is not "earlier".
        log.info("--no-auto-resume already applied for run %s: resuming this run's progress", run_id)
    elif not auto_resume:
        moved = move_contents_aside(output_dir)
        if moved:
            log.info("--no-auto-resume: moved the earlier run's files to %s", describe_set_aside(moved))
        atomic_write_json(output_dir / FRESH_START_MARKER, {"run_id": run_id})
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output_dir: cannot create {exc.filename or output_dir}: {exc.strerror}") from None
    set_aside_incomplete(output_dir)
    checkpoint = newest_verified(output_dir)
    step = checkpoint_step(checkpoint) if checkpoint is not None else None
    if checkpoint is not None and step is not None and step >= config.training.max_steps:
        if (final_step(output_dir) or -1) < step:  # stopped between the last checkpoint and final/
            final = final_from_checkpoint(checkpoint, output_dir)
            log.info("%s was not saved at %s: made it from that checkpoint", final, checkpoint.name)
        log.info("training already finished: %s reached max_steps %d, the final model is in %s; nothing to "
                 "do (give a larger --max-steps to train on)", checkpoint.name, config.training.max_steps,
                 output_dir / FINAL_DIR)
        return Preparation(checkpoint, finished_step=step)
    if checkpoint is not None:
        log.info("resuming from %s", checkpoint)
        if is_stock(checkpoint) and read_data_state(checkpoint) is None:
            log.warning("%s is a plain Hugging Face checkpoint without tandem's data position: its weights, "
                        "optimizer, scheduler and step are resumed, and the data is read from the beginning",
                        checkpoint.name)
    source = ShardSource(config.data.all_paths(), config.data.follow, config.data.text_field)
    data = config.data

    def waiting(message: str) -> None:
        reporter.update(0, total=config.training.max_steps, message=message)

    if checkpoint is None:
        wanted = data.min_samples if data.follow else 1
        found = wait_for_samples(source, wanted, data.poll_interval_s, waiting, should_stop,
                                 timeout_s=data.start_timeout_s)
        log.info("data: %d usable samples in %s", found, ", ".join(data.all_paths()))
    tokenizer_dir = output_dir / TOKENIZER_DIR
    if config.model.init is not None and not tokenizer_dir.is_dir():
        count = data.tokenizer_samples or data.min_samples
        texts = source.first_texts(count)
        tokenizer = train_tokenizer(texts, config.model.init.vocab_size)
        save_tokenizer_atomically(tokenizer, tokenizer_dir)
        log.info("trained a %d-token BPE on the first %d samples -> %s", len(tokenizer), len(texts),
                 tokenizer_dir)
    return Preparation(checkpoint)
