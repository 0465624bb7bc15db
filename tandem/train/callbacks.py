"""What the training loop tells the outside: the status file (docs/child-protocol.md), `metrics.jsonl`,
one log line per logging step for humans; and it stops the loop when a signal asked to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from tandem.contracts.child_protocol import StatusReporter
from tandem.contracts.metrics import TrainLogLine, TrainMetrics
from tandem.fileio.atomic_files import atomic_write_text
from tandem.fileio.jsonl import append_jsonl, json_line, read_jsonl
from tandem.train.evaluation import EvalResult, Evaluator
from tandem.train.packing import DataPosition, PackedBlocks

log = logging.getLogger(__name__)


@dataclass
class DataTracker:
    """Which data the optimizer has used by a step: the reader runs ahead, so count blocks."""

    dataset: PackedBlocks
    base_step: int  # the step the stream's start position belongs to
    blocks_per_step: int  # batch × accumulation × processes

    def position_at(self, step: int) -> DataPosition:
        blocks = self.dataset.start.blocks + (step - self.base_step) * self.blocks_per_step
        return self.dataset.position_after(blocks)


@dataclass
class ProgressCallback(TrainerCallback):
    reporter: StatusReporter
    tracker: DataTracker
    metrics_file: Path
    output_dir: Path
    tokens_per_step: int
    should_stop: Callable[[], bool]
    checkpoint: Path | None  # the newest complete one; updated as saves publish new ones
    evaluator: Evaluator | None = None
    clock: Callable[[], float] = time.monotonic
    _last: tuple[int, float, float] | None = None  # step, time, seconds waited for data by then
    _tokens_per_s: float = 0.0
    _latest: dict[str, Any] = field(default_factory=dict)
    _state: TrainerState | None = None

    def waiting(self, message: str) -> None:
        """The data stream is waiting for the crawl: say so in the status file."""
        if self._state is not None:
            self._report(self._state, message)

    def _idle_s(self) -> float:
        """Seconds not spent training: waiting for the crawl's next shard, and evaluating."""
        return self.tracker.dataset.waited_s + (self.evaluator.spent_s if self.evaluator else 0.0)

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        self._last = (state.global_step, self.clock(), self._idle_s())
        self._report(state, self.training_message(), force=True)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: Any) -> None:
        if state.is_world_process_zero:  # with several processes, rank 0 reads for all of them
            position = self.tracker.position_at(state.global_step)
            self.tracker.dataset.forget_before(position.blocks)
        # Data exhausted (every source has used data.max_passes): rank 0, which reads, knows it.
        if stop_everywhere(self.should_stop() or self.tracker.dataset.exhausted is not None, args.device):
            control.should_save = True
            control.should_training_stop = True
        self._report(state, self.training_message())

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if not logs or "loss" not in logs or not state.is_world_process_zero:
            return
        now, waited, idle = self.clock(), self.tracker.dataset.waited_s, self._idle_s()
        if self._last is not None and state.global_step > self._last[0]:
            # Training speed: time spent waiting for the crawl's next shard or evaluating is left out.
            busy = (now - self._last[1]) - (idle - self._last[2])
            if busy > 0:
                self._tokens_per_s = (state.global_step - self._last[0]) * self.tokens_per_step / busy
        self._last = (state.global_step, now, idle)
        position = self.tracker.position_at(state.global_step)
        record = TrainLogLine(
            step=state.global_step, loss=logs["loss"], learning_rate=logs.get("learning_rate"),
            grad_norm=logs.get("grad_norm"), tokens_per_s=round(self._tokens_per_s, 1),
            samples_seen=position.samples, data_pass=position.epoch, waited_for_data_s=round(waited, 1),
            time=time.strftime("%Y-%m-%dT%H:%M:%S%z"), **self._eval_fields(state.global_step),
            **data_fields(position)).to_json()
        self._latest = record
        append_jsonl(self.metrics_file, record)
        lr = record["learning_rate"] or 0.0
        log.info("step %d/%d | loss %.4f | lr %.2e | %.0f tok/s | %d samples | pass %d",
                 state.global_step, state.max_steps, record["loss"], lr, self._tokens_per_s,
                 position.samples, position.epoch)
        self._report(state, self.training_message())

    def _eval_fields(self, step: int) -> dict[str, Any]:
        """The evaluation of this step, for its metrics.jsonl line."""
        result = self.evaluator.latest if self.evaluator else None
        if result is None or result.step != step:
            return {}
        measured = result.blocks > 0
        return {"eval_loss": round(result.loss, 6) if measured else None,
                "eval_perplexity": round(result.perplexity, 4) if measured else None,
                "eval_tokens": result.tokens if measured else None, "generations": result.generations,
                **fixed_fields(result)}

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                **kwargs: Any) -> None:
        self.checkpoint = self.output_dir / f"checkpoint-{state.global_step}"  # published by now
        self._report(state, f"saved checkpoint-{state.global_step}", force=True)

    def training_message(self) -> str:
        """The status line while training: `loss 2.345 | 1,234 tok/s | 480 samples | pass 0`."""
        latest = self._latest
        if latest.get("loss") is None:
            return "training"
        return (f"loss {latest['loss']:.3f} | {self._tokens_per_s:,.0f} tok/s | "
                f"{latest.get('samples_seen', 0):,} samples | pass {latest.get('data_pass', 0)}")

    def _report(self, state: TrainerState, message: str, force: bool = False) -> None:
        self._state = state
        if not state.is_world_process_zero:
            return
        self.reporter.update(state.global_step, total=state.max_steps or None, force=force, message=message,
                             metrics=self.metrics(state))

    def metrics(self, state: TrainerState) -> dict[str, Any]:
        position = self.tracker.dataset.newest
        return TrainMetrics(
            step=state.global_step, max_steps=state.max_steps, loss=self._latest.get("loss"),
            learning_rate=self._latest.get("learning_rate"), tokens_per_s=round(self._tokens_per_s, 1),
            samples_seen=self._latest.get("samples_seen", position.samples), data_pass=position.epoch,
            skipped_lines=position.skipped, checkpoint=str(self.checkpoint) if self.checkpoint else None,
            metrics_file=str(self.metrics_file), output_dir=str(self.output_dir), **self._eval_status(),
            **data_fields(position)).to_json()

    def _eval_status(self) -> dict[str, Any]:
        evaluator = self.evaluator
        if evaluator is None:
            return {}
        latest, best, saved = evaluator.latest, evaluator.best, evaluator.best_checkpoint
        measured = latest is not None and latest.blocks > 0
        return {"eval_loss": round(latest.loss, 6) if latest and measured else None,
                "eval_perplexity": round(latest.perplexity, 4) if latest and measured else None,
                "eval_step": latest.step if latest and measured else None,
                "best_eval_loss": round(best[0], 6) if best else None, "best_eval_step": best[1] if best else None,
                "best_checkpoint": str(self.output_dir / f"checkpoint-{saved[1]}") if saved else None,
                "generations": latest.generations if latest else None, **(fixed_fields(latest) if latest else {})}


def fixed_fields(result: EvalResult) -> dict[str, Any]:
    """The scores on eval.paths, when there are any."""
    fixed = result.fixed
    if fixed is None or not fixed.tokens:
        return {}
    return {"eval_text_loss": round(fixed.loss, 6), "eval_bits_per_byte": round(fixed.bits_per_byte, 6)}


def data_fields(position: DataPosition) -> dict[str, Any]:
    """How often the samples read have been read, and the tokens drawn from each source."""
    return {"times_read": {str(times): count for times, count in position.times_read().items()},
            "source_tokens": position.tokens_by_source()}


@dataclass
class EvalCallback(TrainerCallback):
    """Evaluates every `every` steps and after the last one (not when a signal stops the run);
    the step's metrics.jsonl line then carries the results."""

    evaluator: Evaluator
    every: int

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    model: torch.nn.Module | None = None, **kwargs: Any) -> None:
        step = state.global_step
        stopped_early = control.should_training_stop and step < state.max_steps  # a signal, on every rank
        if stopped_early or not (step % self.every == 0 or step >= state.max_steps):
            return
        control.should_log = True  # on every rank: logging gathers the loss from all of them
        if state.is_world_process_zero and model is not None:
            self.evaluator.run(model, step)


def stop_everywhere(local: bool, device: torch.device) -> bool:
    """Whether any process was asked to stop. Ranks get a signal at slightly different steps;
    one saving (collectives) while another trains on (other collectives) would deadlock."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return local
    flag = torch.tensor([1 if local else 0], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def trim_metrics(metrics_file: Path, last_step: int) -> None:
    """On resume, drop lines past the checkpoint's step: those steps are about to be redone."""
    if not metrics_file.is_file():
        return
    kept = [line for line in read_jsonl(metrics_file)  # a line cut short by a kill is left out
            if isinstance(line.get("step"), int) and line["step"] <= last_step]
    atomic_write_text(metrics_file, "".join(json_line(line) for line in kept))
