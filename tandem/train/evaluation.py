"""Evaluation on the held-out shards: loss and perplexity over a fixed set of packed blocks;
on the user's own held-out texts (`eval.paths`, see `text_eval`): loss and bits per UTF-8 byte;
the model's greedy answers to the configured prompts; and the best evaluated checkpoint.

Nothing here draws random numbers (no dropout in eval mode, greedy decoding), so evaluating
between steps leaves training, and an exact resume, as it would be without it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from tandem.train.packing import DataExhausted, Encode, PackedBlocks
from tandem.train.shard_source import ShardSource
from tandem.train.shuffled_source import WindowSettings
from tandem.train.text_eval import TextScore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalResult:
    step: int
    loss: float
    perplexity: float
    tokens: int
    blocks: int
    generations: list[dict[str, str]]
    fixed: TextScore | None = None  # on eval.paths


def held_out_blocks(source: ShardSource, encode: Encode, seq_len: int, max_blocks: int,
                    document_mask: bool) -> list[dict[str, torch.Tensor]]:
    """The first `max_blocks` blocks of one pass over the held-out shards (fewer if they are short)."""
    if not source.list_shards():
        return []
    dataset = PackedBlocks(source, encode, seq_len, settings=WindowSettings(max_passes=1),  # no block twice
                           document_mask=document_mask)
    blocks: list[dict[str, torch.Tensor]] = []
    try:
        for block in dataset:
            if len(blocks) >= max_blocks:
                break
            blocks.append(block)
    except DataExhausted:  # one pass read (or every held-out line is empty or malformed)
        pass
    return blocks


def mean_loss(model: torch.nn.Module, blocks: list[dict[str, torch.Tensor]], batch_size: int) -> float:
    """Token-weighted mean cross-entropy (all blocks have the same length)."""
    device = next(model.parameters()).device
    total = 0.0
    for start in range(0, len(blocks), batch_size):
        chunk = blocks[start:start + batch_size]
        batch = {key: torch.stack([b[key] for b in chunk]).to(device) for key in chunk[0]}
        total += float(model(**batch).loss) * len(chunk)
    return total / len(blocks)


def generate(model: Any, tokenizer: Any, prompts: list[str], max_new_tokens: int) -> list[dict[str, str]]:
    """Each prompt's greedy continuation (the new text only)."""
    device = next(model.parameters()).device
    answers = []
    for prompt in prompts:
        ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
        output = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                do_sample=False, num_beams=1, use_cache=True, pad_token_id=tokenizer.pad_token_id,
                                eos_token_id=tokenizer.eos_token_id)
        answers.append({"prompt": prompt, "text": whole_characters(tokenizer, output[0, ids.shape[1]:].tolist())})
    return answers


REPLACEMENT = "\ufffd"


def whole_characters(tokenizer: Any, ids: list[int]) -> str:
    """The decoded text up to its first incomplete or invalid character: a byte-level tokenizer's
    tokens can end (or, from a weak model, hold) part of a UTF-8 character, which `decode` shows
    as U+FFFD. Trailing tokens are dropped while the text ends in one (a character is at most 4
    bytes, so at most 3 tokens), then the text is cut at any left."""
    text = tokenizer.decode(ids, skip_special_tokens=True)
    for end in range(len(ids) - 1, max(len(ids) - 4, -1), -1):
        if not text.endswith(REPLACEMENT):
            break
        text = tokenizer.decode(ids[:end], skip_special_tokens=True)
    cut = text.find(REPLACEMENT)
    return text if cut < 0 else text[:cut]


@dataclass
class Evaluator:
    """Runs evaluations and remembers the latest, the best, and the best checkpoint."""

    load_blocks: Callable[[], list[dict[str, torch.Tensor]]]
    max_blocks: int
    batch_size: int
    tokenizer: Any
    prompts: list[str]
    max_new_tokens: int
    score_fixed: Callable[[Any], TextScore] | None = None  # the eval.paths texts under a model
    latest: EvalResult | None = None
    best: tuple[float, int] | None = None  # (eval loss, step)
    best_checkpoint: tuple[float, int] | None = None  # (eval loss, step) of the best saved step
    spent_s: float = 0.0  # seconds spent evaluating, left out of the training speed
    _blocks: list[dict[str, torch.Tensor]] = field(default_factory=list)

    def blocks(self) -> list[dict[str, torch.Tensor]]:
        """The fixed evaluation set; re-read while the held-out shards hold fewer than max_blocks."""
        if len(self._blocks) < self.max_blocks:
            self._blocks = self.load_blocks()
        return self._blocks

    def run(self, model: Any, step: int) -> EvalResult | None:
        blocks = self.blocks()
        if not blocks and not self.prompts and self.score_fixed is None:
            return None
        was_training, started = model.training, time.monotonic()
        model.eval()
        try:
            with torch.no_grad():
                loss = mean_loss(model, blocks, self.batch_size) if blocks else math.nan
                answers = generate(model, self.tokenizer, self.prompts, self.max_new_tokens)
                fixed = self.score_fixed(model) if self.score_fixed is not None else None
        finally:
            model.train(was_training)
            self.spent_s += time.monotonic() - started
        tokens = sum(int(b["input_ids"].numel()) for b in blocks)
        result = EvalResult(step=step, loss=loss, perplexity=math.exp(min(loss, 50.0)), tokens=tokens,
                            blocks=len(blocks), generations=answers, fixed=fixed)
        self.latest = result
        if blocks and (self.best is None or loss < self.best[0]):
            self.best = (loss, step)
        if blocks:
            log.info("eval at step %d | loss %.4f | perplexity %.2f | %d blocks", step, loss, result.perplexity,
                     len(blocks))
        if fixed is not None:
            log.info("eval at step %d on eval.paths | loss %.4f | %.4f bits/byte | %d tokens, %d bytes", step,
                     fixed.loss, fixed.bits_per_byte, fixed.tokens, fixed.utf8_bytes)
        for answer in answers:
            log.info("sample %r -> %r", answer["prompt"], answer["text"])
        return result

    def checkpoint_saved(self, step: int) -> None:
        """A checkpoint of `step` is being published: the best checkpoint if its evaluation was."""
        latest = self.latest
        if latest is None or latest.step != step or math.isnan(latest.loss):
            return
        if self.best_checkpoint is None or latest.loss < self.best_checkpoint[0]:
            self.best_checkpoint = (latest.loss, step)

    def to_json(self) -> dict[str, Any]:
        """What a checkpoint keeps, so that a resumed run knows its best so far."""
        return {"best": list(self.best) if self.best else None,
                "best_checkpoint": list(self.best_checkpoint) if self.best_checkpoint else None}

    def restore(self, saved: Any) -> None:
        if not isinstance(saved, dict):
            return
        for name in ("best", "best_checkpoint"):
            value = saved.get(name)
            if isinstance(value, list) and len(value) == 2:
                setattr(self, name, (float(value[0]), int(value[1])))
