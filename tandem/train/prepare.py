"""What happens once per start, before any training process exists (so also before torchrun
starts its workers): fresh start or resume, clean-up of half-written checkpoints, waiting for
the first data, and training the tokenizer for a `model.init` model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.child_protocol import StatusReporter
from tandem.fileio.atomic_files import atomic_write_json, read_json
from tandem.fileio.folders import move_contents_aside
from tandem.train.checkpoints import newest_complete, remove_incomplete
from tandem.train.model import locate_model, save_tokenizer_atomically, train_tokenizer
from tandem.train.shard_source import ShardSource, wait_for_samples
from tandem.train.train_config import TrainConfig

log = logging.getLogger(__name__)

TOKENIZER_DIR = "tokenizer"
FRESH_START_MARKER = "fresh_start.json"


def prepare(config: TrainConfig, auto_resume: bool, reporter: StatusReporter,
            should_stop: Callable[[], bool], run_id: str | None = None) -> Path | None:
    """Get `output_dir` ready; returns the checkpoint the run will resume from (or None).

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
            log.info("--no-auto-resume: moved the earlier run's files to %s", moved)
        atomic_write_json(output_dir / FRESH_START_MARKER, {"run_id": run_id})
    output_dir.mkdir(parents=True, exist_ok=True)
    remove_incomplete(output_dir)
    checkpoint = newest_complete(output_dir)
    if checkpoint is not None:
        log.info("resuming from %s", checkpoint)
    source = ShardSource(config.data.paths, config.data.follow, config.data.text_field)
    data = config.data

    def waiting(message: str) -> None:
        reporter.update(0, total=config.training.max_steps, message=message)

    if checkpoint is None:
        wanted = data.min_samples if data.follow else 1
        found = wait_for_samples(source, wanted, data.poll_interval_s, waiting, should_stop,
                                 timeout_s=data.start_timeout_s)
        log.info("data: %d usable samples in %s", found, ", ".join(data.paths))
    tokenizer_dir = output_dir / TOKENIZER_DIR
    if config.model.init is not None and not tokenizer_dir.is_dir():
        count = data.tokenizer_samples or data.min_samples
        texts = source.first_texts(count)
        tokenizer = train_tokenizer(texts, config.model.init.vocab_size)
        save_tokenizer_atomically(tokenizer, tokenizer_dir)
        log.info("trained a %d-token BPE on the first %d samples -> %s", len(tokenizer), len(texts),
                 tokenizer_dir)
    return checkpoint
