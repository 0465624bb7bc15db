"""Trainer benchmark, one run, side by side (`make bench`).

1. Tokens/s of scripts/train.py (Trainer, streaming shards, status/metrics callbacks) against a
   plain PyTorch loop (AdamW, clipping, the same schedule) on the same tiny Qwen2, the same
   tokenizer and the same packed blocks. Runs alternate (plain, script, plain, script, …) so
   that load from other processes on the shared cores hits both alike; each figure is the median
   of per-step rates after warm-up.
2. Time and size of one complete checkpoint save (staging, fsync, marker, rename) for the full
   model, LoRA and SO(8).

    .venv/bin/python bench/bench_train.py [--steps 25] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
import yaml
from transformers.utils import logging as hf_logging

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tandem.child import StatusReporter  # noqa: E402
from tandem.train import runner  # noqa: E402
from tandem.train.model import init_config, load_tokenizer  # noqa: E402
from tandem.train.settings import load_train_config  # noqa: E402
from tandem.train.signals import StopFlag  # noqa: E402
from tandem.train.trainer import CheckpointingTrainer  # noqa: E402

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


def script_rate(config: Path, output_dir: Path) -> float:
    """Median per-step tokens/s that scripts/train.py itself reports in metrics.jsonl."""
    subprocess.run([sys.executable, str(REPO / "scripts" / "train.py"), "--config", str(config),
                    "--no-auto-resume"], check=True, capture_output=True, cwd=REPO)
    lines = [json.loads(line) for line in (output_dir / "metrics.jsonl").read_text().splitlines()]
    return statistics.median(m["tokens_per_s"] for m in lines[WARMUP_STEPS:])


def packed_blocks(shards: Path, tokenizer_dir: Path) -> torch.Tensor:
    tokenizer = load_tokenizer(str(tokenizer_dir))
    ids: list[int] = []
    for shard in sorted(shards.glob("*.jsonl")):
        for line in shard.read_text(encoding="utf-8").splitlines():
            ids += [*tokenizer(json.loads(line)["text"], add_special_tokens=False)["input_ids"],
                    tokenizer.eos_token_id]
    usable = len(ids) // SEQ_LEN * SEQ_LEN
    return torch.tensor(ids[:usable]).view(-1, SEQ_LEN)


def plain_rate(blocks: torch.Tensor, tokenizer_dir: Path, steps: int) -> float:
    """The same model and optimisation in a bare loop: median per-step tokens/s."""
    from transformers import Qwen2ForCausalLM

    from tandem.train.settings import ModelInit

    torch.manual_seed(SEED)
    model = Qwen2ForCausalLM(init_config(ModelInit(**MODEL), load_tokenizer(str(tokenizer_dir)), SEQ_LEN))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=steps)
    rates = []
    for step in range(steps):
        batch = blocks[(step * BATCH) % (len(blocks) - BATCH):][:BATCH]
        started = time.perf_counter()
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        loss.item()
        rates.append(BATCH * SEQ_LEN / (time.perf_counter() - started))
    return statistics.median(rates[WARMUP_STEPS:])


def checkpoint_save(root: Path, adapter: str) -> tuple[float, int]:
    """Seconds and bytes of one complete checkpoint, timed around CheckpointingTrainer's save."""
    timings: list[float] = []
    original = CheckpointingTrainer._save_checkpoint

    def timed(self: CheckpointingTrainer, model: object, trial: object) -> None:
        started = time.perf_counter()
        original(self, model, trial)
        timings.append(time.perf_counter() - started)

    name = f"save-{adapter}"
    config = load_train_config(write_config(root, name, steps=2, adapter=adapter))
    config.training.save_steps = 2
    (root / name).mkdir()
    tokenizer_dir = root / "script" / "tokenizer"
    (root / name / "tokenizer").symlink_to(tokenizer_dir)
    CheckpointingTrainer._save_checkpoint = timed  # type: ignore[method-assign]
    try:
        runner.train(config, StatusReporter(None, unit="steps"), StopFlag())
    finally:
        CheckpointingTrainer._save_checkpoint = original  # type: ignore[method-assign]
    checkpoint = root / name / "checkpoint-2"
    return timings[0], sum(p.stat().st_size for p in checkpoint.rglob("*") if p.is_file())


def main() -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    hf_logging.disable_progress_bar()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as temp:
        root = Path(temp)
        write_shards(root / "shards")
        config = write_config(root, "script", args.steps)
        script, plain = [], []
        blocks = None
        for _ in range(args.rounds):
            script.append(script_rate(config, root / "script"))
            blocks = packed_blocks(root / "shards", root / "script" / "tokenizer") if blocks is None else blocks
            plain.append(plain_rate(blocks, root / "script" / "tokenizer", args.steps))
        print(f"tiny Qwen2 {MODEL}, seq {SEQ_LEN}, batch {BATCH}, {args.steps} steps × {args.rounds} rounds "
              f"(median per-step rate after {WARMUP_STEPS} warm-up steps)")
        print(f"  plain PyTorch loop      {statistics.median(plain):8.0f} tok/s   rounds: "
              + ", ".join(f"{r:.0f}" for r in plain))
        print(f"  scripts/train.py        {statistics.median(script):8.0f} tok/s   rounds: "
              + ", ".join(f"{r:.0f}" for r in script))
        print(f"  ratio script/plain      {statistics.median(script) / statistics.median(plain):8.2f}   (goal ≥ 0.90)")
        print("one complete checkpoint save (weights + optimizer + RNG + data position, fsynced, renamed):")
        for adapter in ("none", "lora", "so8"):
            seconds, size = checkpoint_save(root, adapter)
            label = {"none": "full model", "lora": "LoRA r16", "so8": "SO(8) OFT"}[adapter]
            print(f"  {label:<12} {seconds:6.2f} s {size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
