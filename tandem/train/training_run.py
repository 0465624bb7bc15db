"""One training process (the only one, or one torchrun worker): model, data stream, Trainer,
resume from the newest complete checkpoint, final model in `output_dir/final/`."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import PreTrainedModel, PrinterCallback, TrainingArguments, default_data_collator, set_seed

from tandem.common.typed_config import ConfigError, save_resolved
from tandem.contracts.child_protocol import StatusReporter
from tandem.contracts.exit_codes import EXIT_OK
from tandem.fileio.disk_errors import NoSpaceLeft, full_disk_path
from tandem.train.callbacks import DataTracker, ProgressCallback, trim_metrics
from tandem.train.checkpointing_trainer import CheckpointingTrainer
from tandem.train.checkpoints import (
    STAGING,
    checkpoint_step,
    discard_staged,
    newest_complete,
    publish_folder,
    read_data_state,
)
from tandem.train.final_model import FINAL_DIR, mark_final
from tandem.train.model import apply_adapter, build_model, load_dtype, load_tokenizer, resolve_precision
from tandem.train.packing import DataPosition, FollowTiming, PackedBlocks
from tandem.train.prepare import TOKENIZER_DIR
from tandem.train.shard_source import ShardSource, TrainingStopped
from tandem.train.signals import StopFlag
from tandem.train.train_config import TrainConfig

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"
RESOLVED_CONFIG = "resolved_config.yaml"
BASE_MODEL_DIR = "base_model"
TENSORBOARD_DIR = "tensorboard"
WANDB_DIR = "wandb"


def world() -> tuple[int, int]:
    """(rank, world size) as torchrun/accelerate set them; (0, 1) for a single process."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def train(config: TrainConfig, reporter: StatusReporter, stop: StopFlag) -> int:
    rank, world_size = world()
    if rank != 0:
        reporter = StatusReporter(None, unit="steps")
    output_dir = config.output_dir
    training = config.training
    precision, use_cpu = resolve_precision(training)
    checkpoint = newest_complete(output_dir)
    tokenizer_source = str(output_dir / TOKENIZER_DIR) if config.model.init else config.model.name_or_path
    assert tokenizer_source is not None
    tokenizer = load_tokenizer(tokenizer_source, config.model.trust_remote_code)
    set_seed(training.seed)
    base = build_model(config.model, tokenizer, training, load_dtype(precision, config.adapter))
    if config.model.init is not None and config.adapter != "none":
        keep_base_model(base, output_dir / BASE_MODEL_DIR, rank)
    model = apply_adapter(base, config)

    saved = read_data_state(checkpoint) if checkpoint else None
    start = DataPosition.from_json(saved["position"]) if saved else DataPosition()
    base_step = (checkpoint_step(checkpoint) or 0) if checkpoint else 0
    eos = tokenizer.eos_token_id

    def encode(text: str) -> list[int]:
        return [*tokenizer(text, add_special_tokens=False)["input_ids"], eos]

    dataset = PackedBlocks(
        ShardSource(config.data.paths, config.data.follow, config.data.text_field), encode, training.seq_len,
        start=start, timing=FollowTiming(config.data.poll_interval_s, config.data.follow_idle_timeout_s),
        should_stop=stop)
    blocks_per_step = training.batch_size * training.gradient_accumulation_steps * world_size
    tracker = DataTracker(dataset, base_step, blocks_per_step)
    metrics_file = output_dir / METRICS_FILE
    progress = ProgressCallback(reporter, tracker, metrics_file, output_dir,
                                tokens_per_step=blocks_per_step * training.seq_len, should_stop=stop,
                                checkpoint=checkpoint)
    dataset.on_wait = progress.waiting  # "waiting for data" goes to the status file
    if rank == 0:
        trim_metrics(metrics_file, base_step)
        save_resolved(config, output_dir / RESOLVED_CONFIG)

    for name, value in reporting_environment(training.report_to, output_dir).items():
        os.environ.setdefault(name, value)  # what the user exported wins
    args = training_arguments(config, precision, use_cpu, world_size)
    if rank == 0:
        announce_reporting(config.training.report_to)

    def data_state(step: int) -> dict[str, object]:
        return {"step": step, "position": tracker.position_at(step).to_json(),
                "blocks_per_step": blocks_per_step}

    trainer = CheckpointingTrainer(
        model=model, args=args, train_dataset=dataset, data_collator=default_data_collator,
        processing_class=tokenizer, callbacks=[progress], data_state=data_state,
        keep=training.save_total_limit)
    trainer.remove_callback(PrinterCallback)  # the progress callback prints its own lines
    same_checkpoint_everywhere(checkpoint, world_size)
    log.info("training %s (%s, adapter %s) for %d steps, %d process(es), %s; output %s",
             config.model.name_or_path or "a new Qwen2 from model.init", precision, config.adapter,
             training.max_steps, world_size, "CPU" if use_cpu else "GPU", output_dir)
    if stop():  # a signal while the model was being built: nothing trained, nothing to save
        return stop.exit_code()
    try:
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    except TrainingStopped:
        log.warning("stopped while waiting for data; the newest checkpoint is %s", newest_complete(output_dir))
    if stop.signum is not None:
        return stop.exit_code()
    save_final(trainer, output_dir, rank)
    reporter.update(trainer.state.global_step, total=training.max_steps, force=True, message="finished",
                    metrics=progress.metrics(trainer.state))
    return EXIT_OK


def reporting_environment(report_to: list[str], output_dir: Path) -> dict[str, str]:
    """Where `report_to`'s integrations write: TensorBoard's event files and W&B's offline runs
    stay in the run's output folder, and W&B never needs the network while training."""
    env: dict[str, str] = {}
    if "tensorboard" in report_to:
        env["TENSORBOARD_LOGGING_DIR"] = str(output_dir / TENSORBOARD_DIR)
    if "wandb" in report_to:
        env.update(WANDB_MODE="offline", WANDB_DIR=str(output_dir), WANDB_PROJECT="tandem")
    return env


def announce_reporting(report_to: list[str]) -> None:
    if "tensorboard" in report_to:
        folder = os.environ["TENSORBOARD_LOGGING_DIR"]
        log.info("TensorBoard logs: %s (open them: tensorboard --logdir %s)", folder, folder)
    if "wandb" in report_to:
        log.info("W&B run (%s mode) under %s (upload an offline run later: wandb sync %s/offline-run-*)",
                 os.environ.get("WANDB_MODE", "online"), Path(os.environ["WANDB_DIR"]) / WANDB_DIR,
                 Path(os.environ["WANDB_DIR"]) / WANDB_DIR)


def training_arguments(config: TrainConfig, precision: str, use_cpu: bool, world_size: int) -> TrainingArguments:
    training, output_dir = config.training, config.output_dir
    report_to = [name for name in training.report_to if name != "none"]
    # Non-reentrant checkpointing also works under a frozen base (adapters) without extra hooks.
    # transformers < 5 takes TensorBoard's folder from here; 5 reads TENSORBOARD_LOGGING_DIR.
    legacy: dict[str, Any] = ({"logging_dir": os.environ.get("TENSORBOARD_LOGGING_DIR")}
                              if "logging_dir" in TrainingArguments.__dataclass_fields__ else {})
    checkpointing: dict[str, Any] = ({"gradient_checkpointing": True,
                                      "gradient_checkpointing_kwargs": {"use_reentrant": False}}
                                     if training.gradient_checkpointing else {})
    return TrainingArguments(
        output_dir=str(output_dir), max_steps=training.max_steps,
        per_device_train_batch_size=training.batch_size,
        gradient_accumulation_steps=training.gradient_accumulation_steps,
        learning_rate=training.learning_rate, weight_decay=training.weight_decay,
        max_grad_norm=training.max_grad_norm, warmup_steps=training.warmup_steps,
        lr_scheduler_type=training.lr_scheduler_type, logging_steps=training.logging_steps,
        save_strategy="steps", save_steps=training.save_steps, save_total_limit=None,
        seed=training.seed, bf16=precision == "bf16", fp16=precision == "fp16", use_cpu=use_cpu,
        **checkpointing, **legacy,
        report_to=report_to or "none", disable_tqdm=not sys.stdout.isatty(),
        # The stream resumes itself from the checkpoint's data position; skipping batches again
        # would lose data. Packed blocks have no columns to drop.
        ignore_data_skip=True, remove_unused_columns=False, dataloader_num_workers=0,
        ddp_backend="gloo" if use_cpu and world_size > 1 else None, ddp_find_unused_parameters=False,
    )


def keep_base_model(base: PreTrainedModel, folder: Path, rank: int) -> None:
    """An adapter is only usable with its base: keep the from-scratch base (the same on every
    start, built from the seed) and point the adapter's `base_model_name_or_path` at it."""
    base.config._name_or_path = str(folder.resolve())
    if rank == 0 and not folder.is_dir():
        staged = folder.parent / STAGING / folder.name
        shutil.rmtree(staged, ignore_errors=True)
        base.save_pretrained(staged)
        publish_folder(staged, folder)


def save_final(trainer: CheckpointingTrainer, output_dir: Path, rank: int) -> None:
    staged = output_dir / STAGING / FINAL_DIR
    if rank == 0:
        shutil.rmtree(staged, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    try:
        trainer.save_model(str(staged))
        trainer.accelerator.wait_for_everyone()
        if rank == 0:
            mark_final(staged, trainer.state.global_step)
            publish_folder(staged, output_dir / FINAL_DIR)
    except Exception as exc:
        full = full_disk_path(exc, output_dir) is not None  # asked before the clean-up frees space
        discard_staged(staged)  # this run's own half-written copy
        if full:
            raise NoSpaceLeft(output_dir, f"saving {FINAL_DIR}/; the newest complete checkpoint is "
                              f"{newest_complete(output_dir)}") from exc
        raise
    if rank == 0:
        log.info("final model saved to %s", output_dir / FINAL_DIR)


def same_checkpoint_everywhere(checkpoint: Path | None, world_size: int) -> None:
    """Every process must resume from the same checkpoint; on several machines they differ when
    output_dir is not one folder they all share, and training would hang or diverge."""
    if world_size == 1 or not torch.distributed.is_initialized():
        return
    seen: list[str | None] = [None] * world_size
    torch.distributed.all_gather_object(seen, checkpoint.name if checkpoint else "no checkpoint")
    if len(set(seen)) > 1:
        views = ", ".join(f"rank {rank}: {name}" for rank, name in enumerate(seen))
        raise ConfigError(f"output_dir: the processes see different checkpoints ({views}); on several "
                          "machines output_dir must be one folder that all of them share")

