"""One training process (the only one, or one torchrun worker): model, data stream, Trainer,
resume from the newest complete checkpoint, final model in `output_dir/final/`."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PrinterCallback,
    TrainingArguments,
    default_data_collator,
    set_seed,
)

from tandem.common.typed_config import ConfigError, resolved_config_path, save_resolved
from tandem.contracts.child_protocol import StatusReporter
from tandem.contracts.exit_codes import EXIT_OK
from tandem.fileio.disk_errors import NoSpaceLeft, full_disk_path
from tandem.train.callbacks import DataTracker, EvalCallback, ProgressCallback, fixed_fields, trim_metrics
from tandem.train.checkpointing_trainer import CheckpointingTrainer
from tandem.train.checkpoints import (
    STAGING,
    checkpoint_step,
    discard_staged,
    newest_complete,
    publish_folder,
    read_data_state,
)
from tandem.train.eval_split import EvalSplit
from tandem.train.evaluation import Evaluator, held_out_blocks
from tandem.train.final_model import FINAL_DIR, mark_final
from tandem.train.memory import ModelShape, RunShape, available_memory, estimate, fit_line
from tandem.train.model import (
    apply_adapter,
    build_model,
    choose_attention,
    init_config,
    load_dtype,
    load_quantized,
    load_tokenizer,
    locate_model,
    resolve_precision,
)
from tandem.train.packing import DataPosition, Encode, PackedBlocks
from tandem.train.prepare import TOKENIZER_DIR
from tandem.train.shard_source import ShardSource, TrainingStopped
from tandem.train.shuffled_source import WindowSettings
from tandem.train.signals import StopFlag
from tandem.train.text_eval import TextScore, read_texts, score_texts
from tandem.train.train_config import TrainConfig

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"
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
    attention = choose_attention(config.model.attention, not use_cpu)
    checkpoint = newest_complete(output_dir)
    tokenizer_source = str(output_dir / TOKENIZER_DIR) if config.model.init else config.model.name_or_path
    assert tokenizer_source is not None
    tokenizer = load_tokenizer(tokenizer_source, config.model.trust_remote_code)
    if rank == 0:
        log.info("%s", memory_line(config, tokenizer, precision, use_cpu))
    set_seed(training.seed)
    model = apply_adapter(load_base(config, tokenizer, precision, use_cpu, attention, rank), config)

    saved = read_data_state(checkpoint) if checkpoint else None
    start = DataPosition.from_json(saved["position"], first_source=next(iter(config.data.sources()))) if saved \
        else DataPosition()
    base_step = (checkpoint_step(checkpoint) or 0) if checkpoint else 0
    eos = tokenizer.eos_token_id

    def encode(text: str) -> list[int]:
        return [*tokenizer(text, add_special_tokens=False)["input_ids"], eos]

    split = EvalSplit.load(output_dir, config.eval.holdout_share) if config.eval.holdout_share > 0 else None
    data = config.data
    dataset = PackedBlocks(
        {name: (ShardSource(paths, data.follow, data.text_field, select=split.training if split else None), weight)
         for name, (paths, weight) in data.sources().items()},
        encode, training.seq_len, start=start, seed=training.seed,
        settings=WindowSettings(shuffle_window=data.shuffle_window, max_per_host=data.max_per_host_per_window,
                                max_passes=data.max_passes, poll_interval_s=data.poll_interval_s,
                                idle_timeout_s=data.follow_idle_timeout_s),
        should_stop=stop, document_mask=training.document_mask, raise_when_exhausted=False)
    evaluator = make_evaluator(config, split, encode, tokenizer)
    evaluator.restore(saved.get("eval") if saved else None)
    blocks_per_step = training.batch_size * training.gradient_accumulation_steps * world_size
    tracker = DataTracker(dataset, base_step, blocks_per_step)
    metrics_file = output_dir / METRICS_FILE
    progress = ProgressCallback(reporter, tracker, metrics_file, output_dir,
                                tokens_per_step=blocks_per_step * training.seq_len, should_stop=stop,
                                checkpoint=checkpoint, evaluator=evaluator)
    dataset.on_wait = progress.waiting  # "waiting for data" goes to the status file
    if rank == 0:
        trim_metrics(metrics_file, base_step)
        save_resolved(config, resolved_config_path(output_dir, "train_config"))

    for name, value in reporting_environment(training.report_to, output_dir).items():
        os.environ.setdefault(name, value)  # what the user exported wins
    args = training_arguments(config, precision, use_cpu, world_size)
    if rank == 0:
        announce_reporting(config.training.report_to)

    def data_state(step: int) -> dict[str, object]:
        evaluator.checkpoint_saved(step)
        return {"step": step, "position": tracker.position_at(step).to_json(),
                "blocks_per_step": blocks_per_step, "eval": evaluator.to_json()}

    def best_checkpoint() -> Path | None:
        saved_best = evaluator.best_checkpoint
        return output_dir / f"checkpoint-{saved_best[1]}" if saved_best else None

    trainer = CheckpointingTrainer(
        model=model, args=args, train_dataset=dataset, data_collator=default_data_collator,
        processing_class=tokenizer, callbacks=[progress, EvalCallback(evaluator, training.eval_steps or
                                                                      training.save_steps)],
        data_state=data_state, keep=training.save_total_limit, keep_also=best_checkpoint,
        extra_logs=lambda step: eval_logs(evaluator, step))
    trainer.remove_callback(PrinterCallback)  # the progress callback prints its own lines
    same_checkpoint_everywhere(checkpoint, world_size)
    log.info("training %s (%s%s, adapter %s, %s attention) for %d steps, %d process(es), %s; output %s",
             config.model.name_or_path or "a new Qwen2 from model.init", precision,
             f", {config.model.quantization.bits}-bit base" if config.model.quantization else "", config.adapter,
             attention, training.max_steps, world_size, "CPU" if use_cpu else "GPU", output_dir)
    if stop():  # a signal while the model was being built: nothing trained, nothing to save
        return stop.exit_code()
    try:
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    except TrainingStopped:
        log.warning("stopped while waiting for data; the newest checkpoint is %s", newest_complete(output_dir))
    if dataset.exhausted is not None and stop.signum is None:
        log.warning("data: %s: training ends at step %d of %d (data.max_passes %s)", dataset.exhausted,
                    trainer.state.global_step, training.max_steps, config.data.max_passes)
    if stop.signum is not None:
        return stop.exit_code()
    save_final(trainer, output_dir, rank)
    reporter.update(trainer.state.global_step, total=training.max_steps, force=True, message="finished",
                    metrics=progress.metrics(trainer.state))
    return EXIT_OK


def eval_logs(evaluator: Evaluator, step: int) -> dict[str, float]:
    """This step's evaluation, logged beside the loss (TensorBoard shows them as eval/…)."""
    latest = evaluator.latest
    if latest is None or latest.step != step:
        return {}
    logs = {name: float(value) for name, value in fixed_fields(latest).items()}
    if latest.blocks:
        logs["eval_loss"] = latest.loss
    return logs


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
def load_base(config: TrainConfig, tokenizer: PreTrainedTokenizerBase, precision: str, use_cpu: bool,
              attention: str, rank: int) -> PreTrainedModel:
    """The base model: built or loaded; a quantised one is loaded from a folder (model.init's
    base is saved to output_dir/base_model first, where the adapter's base pointer leads)."""
    training, folder = config.training, config.output_dir / BASE_MODEL_DIR
    if config.model.quantization is None:
        base = build_model(config.model, tokenizer, training, load_dtype(precision, config.adapter), attention)
        if config.model.init is not None and config.adapter != "none":
            keep_base_model(base, folder, rank)
        return base
    source = config.model.name_or_path
    if config.model.init is not None:
        keep_base_model(build_model(config.model, tokenizer, training, torch.float32, attention), folder, rank)
        wait_for_folder(folder)
        source = str(folder.resolve())
    assert source is not None
    return load_quantized(source, config.model, precision, use_cpu, attention)


def wait_for_folder(folder: Path, timeout_s: float = 600.0) -> None:
    """Other ranks load model.init's base once rank 0 has published it."""
    deadline = time.monotonic() + timeout_s
    while not (folder / "config.json").is_file():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{folder} did not appear within {timeout_s:.0f} s")
        time.sleep(0.2)


def make_evaluator(config: TrainConfig, split: EvalSplit | None, encode: Encode,
                   tokenizer: PreTrainedTokenizerBase) -> Evaluator:
    eval_source = ShardSource(config.data.all_paths(), False, config.data.text_field,
                              select=split.evaluation if split else lambda shards: [])
    settings, training = config.eval, config.training
    fixed_texts = read_texts(settings.paths, config.data.text_field, settings.max_texts) if settings.paths else []
    eos = tokenizer.eos_token_id

    def score_fixed(model: Any) -> TextScore:
        return score_texts(model, lambda text: tokenizer(text, add_special_tokens=False)["input_ids"],
                           fixed_texts, eos, training.seq_len, settings.batch_size or training.batch_size)

    return Evaluator(
        load_blocks=lambda: held_out_blocks(eval_source, encode, training.seq_len, settings.max_blocks,
                                            training.document_mask),
        max_blocks=settings.max_blocks, batch_size=settings.batch_size or training.batch_size,
        tokenizer=tokenizer, prompts=settings.prompts, max_new_tokens=settings.max_new_tokens,
        score_fixed=score_fixed if fixed_texts else None)


def memory_line(config: TrainConfig, tokenizer: PreTrainedTokenizerBase, precision: str, use_cpu: bool) -> str:
    """The estimate, from the model's config alone, and whether it fits here."""
    if config.model.init is not None:
        model_config: Any = init_config(config.model.init, tokenizer, config.training.seq_len)
    else:
        assert config.model.name_or_path is not None
        model_config = AutoConfig.from_pretrained(locate_model(config.model.name_or_path),
                                                  trust_remote_code=config.model.trust_remote_code)
    run = run_shape(config, precision)
    have, where = available_memory(use_cpu)
    return fit_line(estimate(ModelShape.of(model_config), run), have, where, run)


def run_shape(config: TrainConfig, precision: str) -> RunShape:
    quant, training = config.model.quantization, config.training
    targets = config.lora.target_modules if config.adapter == "lora" else config.so8.target_modules
    return RunShape(precision=precision, bits=quant.bits if quant else None,
                    double_quant=bool(quant and quant.double_quant), adapter=config.adapter,
                    adapter_targets=len(targets), lora_r=config.lora.r, batch_size=training.batch_size,
                    seq_len=training.seq_len, gradient_checkpointing=training.gradient_checkpointing)


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
        **checkpointing, **legacy, torch_compile=training.torch_compile,
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

