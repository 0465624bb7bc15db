"""Trainer benchmark, one run, side by side (`make bench`).

1. Tokens/s of scripts/train.py's training path (`runner.train`: Trainer, the shard stream with
   its tokenisation, status/metrics callbacks) against a plain PyTorch loop (AdamW, clipping,
   the same schedule) on the same tiny Qwen2, tokenizer and packed blocks. Both run in this
   process, alternating round by round, so that load from other processes on the shared cores
   hits both alike; a round's figure is the median per-step rate after warm-up, the ratio the
   median of the paired rounds; by wall clock and by process CPU time (steadier when others
   load the cores).
2. Time and size of one complete checkpoint save (staging, fsync, marker, rename) for the full
   model, LoRA and SO(8).

    .venv/bin/python bench/bench_train.py [--steps 12] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch
import yaml
from transformers.utils import logging as hf_logging

from tandem.contracts.child_protocol import StatusReporter
from tandem.train import training_run as runner
from tandem.train.callbacks import ProgressCallback
from tandem.train.checkpointing_trainer import CheckpointingTrainer
from tandem.train.model import (
    init_config,
    load_tokenizer,
    save_tokenizer_atomically,
    train_tokenizer,
)
from tandem.train.signals import StopFlag
from tandem.train.train_config import load_train_config

REPO = Path(__file__).resolve().parent.parent
# The size measured in the field notes: hidden 256, 4 layers, vocab 8k, seq 256, batch 8.
MODEL = {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "vocab_size": 8000}
SEQ_LEN, BATCH, LR, SEED = 256, 8, 3e-4, 7
WARMUP_STEPS = 3
WORDS = ["東京", "大阪", "京都", "天気", "晴れ", "雨", "今日", "明日", "学校", "先生", "学生", "電車", "駅", "本",
         "図書館", "お茶", "和菓子", "季節", "桜", "紅葉", "山", "川", "海", "空", "猫", "犬", "朝", "夜", "仕事",
         "休み", "料理", "友達", "家族", "旅行", "写真", "音楽", "映画", "新聞", "会議", "研究"]


def write_shards(folder: Path, shards: int = 8, per_shard: int = 60) -> None:
    rng = random.Random(SEED)
    folder.mkdir(parents=True)
    for index in range(shards):
        lines = []
        for _ in range(per_shard):
            sentences = ["".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + "。" for _ in range(40)]
            lines.append(json.dumps({"text": "".join(sentences)}, ensure_ascii=False))
        (folder / f"shard-{index:06d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(root: Path, name: str, steps: int, **extra: object) -> Path:
    config = {"model": {"init": MODEL}, "data": {"paths": [str(root / "shards" / "*.jsonl")], "min_samples": 200},
              "training": {"max_steps": steps, "save_steps": 10**6, "seq_len": SEQ_LEN, "batch_size": BATCH,
                           "learning_rate": LR, "logging_steps": 1, "seed": SEED, "warmup_steps": 0,
                           "lr_scheduler_type": "linear"},
              "output_dir": str(root / name), **extra}
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


Rates = tuple[float, float]  # median per-step tokens/s by wall clock and by process CPU time


def step_rates(marks: list[tuple[float, float]]) -> Rates:
    """Per-step tokens/s from (wall, cpu) time marks taken at each step's end, after warm-up.
    CPU time (all threads of this process) hardly moves when other processes load the cores, so
    its ratio is the steadier one on a shared machine."""
    tokens = BATCH * SEQ_LEN
    pairs = list(itertools.pairwise(marks))[WARMUP_STEPS:]
    wall = statistics.median(tokens / (b[0] - a[0]) for a, b in pairs)
    cpu = statistics.median(tokens / (b[1] - a[1]) for a, b in pairs)
    return wall, cpu


def mark() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def trainer_run(root: Path, name: str, steps: int, adapter: str = "none") -> tuple[Rates, Path, list[float]]:
    """scripts/train.py's training path (runner.train: Trainer, shard stream, callbacks), in this
    process so that it alternates closely with the plain loop: its per-step rates, its output
    folder and the seconds each checkpoint save took (both measured by wrapping its methods)."""
    timings: list[float] = []
    marks: list[tuple[float, float]] = []
    save, step_end = CheckpointingTrainer._save_checkpoint, ProgressCallback.on_step_end

    def timed_save(self: CheckpointingTrainer, model: object, trial: object) -> None:
        started = time.perf_counter()
        save(self, model, trial)
        timings.append(time.perf_counter() - started)

    def marked_step_end(self: ProgressCallback, *args: object, **kwargs: object) -> None:
        step_end(self, *args, **kwargs)  # type: ignore[arg-type]
        marks.append(mark())

    config = load_train_config(write_config(root, name, steps, adapter=adapter))
    (root / name).mkdir()
    (root / name / "tokenizer").symlink_to(root / "tokenizer")
    CheckpointingTrainer._save_checkpoint = timed_save  # type: ignore[method-assign]
    ProgressCallback.on_step_end = marked_step_end  # type: ignore[method-assign]
    try:
        runner.train(config, StatusReporter(None, unit="steps"), StopFlag())
    finally:
        CheckpointingTrainer._save_checkpoint = save  # type: ignore[method-assign]
        ProgressCallback.on_step_end = step_end  # type: ignore[method-assign]
    return (step_rates(marks) if steps > WARMUP_STEPS + 1 else (0.0, 0.0)), root / name, timings


def packed_blocks(shards: Path, tokenizer_dir: Path) -> torch.Tensor:
    tokenizer = load_tokenizer(str(tokenizer_dir))
    ids: list[int] = []
    for shard in sorted(shards.glob("*.jsonl")):
        for line in shard.read_text(encoding="utf-8").splitlines():
            ids += [*tokenizer(json.loads(line)["text"], add_special_tokens=False)["input_ids"],
                    tokenizer.eos_token_id]
    usable = len(ids) // SEQ_LEN * SEQ_LEN
    return torch.tensor(ids[:usable]).view(-1, SEQ_LEN)


def plain_rates(blocks: torch.Tensor, tokenizer_dir: Path, steps: int) -> Rates:
    """The same model and optimisation in a bare loop, set up as well as Trainer sets it up:
    per-step rates."""
    from transformers import Qwen2ForCausalLM

    from tandem.train.train_config import ModelInit

    torch.manual_seed(SEED)
    model = Qwen2ForCausalLM(init_config(ModelInit(**MODEL), load_tokenizer(str(tokenizer_dir)), SEQ_LEN))
    model.config.use_cache = False  # as Trainer sets it: no KV cache while training
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0, fused=True)  # Trainer's default
    schedule = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=steps)
    marks = [mark()]
    for step in range(steps):
        batch = blocks[(step * BATCH) % (len(blocks) - BATCH):][:BATCH]
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        loss.item()
        marks.append(mark())
    return step_rates(marks)


def main() -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as temp:
        root = Path(temp)
        write_shards(root / "shards")
        texts = [json.loads(line)["text"] for shard in sorted((root / "shards").glob("*.jsonl"))
                 for line in shard.read_text(encoding="utf-8").splitlines()][:200]
        save_tokenizer_atomically(train_tokenizer(texts, MODEL["vocab_size"]), root / "tokenizer")
        blocks = packed_blocks(root / "shards", root / "tokenizer")
        script: list[Rates] = []
        plain: list[Rates] = []
        for round_index in range(args.rounds):
            plain.append(plain_rates(blocks, root / "tokenizer", args.steps))
            script.append(trainer_run(root, f"round-{round_index}", args.steps)[0])
        print(f"tiny Qwen2 {MODEL}, seq {SEQ_LEN}, batch {BATCH}; {args.rounds} alternating rounds of "
              f"{args.steps} steps; a round's figure is its median step after {WARMUP_STEPS} warm-up steps")
        for index, clock in ((0, "wall clock"), (1, "CPU time")):
            ours = [r[index] for r in script]
            base = [r[index] for r in plain]
            ratios = [o / b for o, b in zip(ours, base, strict=True)]
            print(f"  by {clock}:")
            print(f"    plain PyTorch loop      {statistics.median(base):8.0f} tok/s   rounds: "
                  + ", ".join(f"{r:.0f}" for r in base))
            print(f"    scripts/train.py path   {statistics.median(ours):8.0f} tok/s   rounds: "
                  + ", ".join(f"{r:.0f}" for r in ours))
            print(f"    ratio train.py/plain    {statistics.median(ratios):8.2f}   (median of paired rounds: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)}; goal >= 0.90)")
        print("one complete checkpoint save (weights, optimizer, RNG, data position; fsynced, renamed):")
        for adapter, label in (("none", "full model"), ("lora", "LoRA r16"), ("so8", "SO(8) OFT")):
            _, out, timings = trainer_run(root, f"save-{adapter}", 2, adapter)
            size = sum(p.stat().st_size for p in (out / "checkpoint-2").rglob("*") if p.is_file())
            print(f"  {label:<12} {timings[0]:6.2f} s {size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
