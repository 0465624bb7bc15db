"""GPU training throughput, one short run side by side (needs CUDA; exits 0 with a line without it).

On one GPU and one Qwen2 of ~0.5B parameters built from a config (nothing downloaded), bf16:
1. tokens/s of scripts/train.py's training path (`runner.train`: Trainer, packed shard stream with
   the document mask, callbacks) against a plain PyTorch loop (bf16 autocast, fused AdamW, the
   same batches), alternating; with SDPA and, where flash-attn is installed, flash_attention_2;
2. the same path with a 4-bit base + LoRA (QLoRA) and with torch.compile;
3. peak GPU memory of each, beside `tandem.train.memory.estimate`.

    python bench/bench_gpu.py [--steps 30] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

import torch

if not torch.cuda.is_available():
    print("bench_gpu: skipped, no CUDA GPU on this machine (torch.cuda.is_available() is False)")
    sys.exit(0)

import yaml
from transformers.utils import logging as hf_logging

from tandem.contracts.child_protocol import StatusReporter
from tandem.train import training_run as runner
from tandem.train.callbacks import ProgressCallback
from tandem.train.memory import ModelShape, estimate
from tandem.train.model import init_config, load_tokenizer, save_tokenizer_atomically, train_tokenizer
from tandem.train.signals import StopFlag
from tandem.train.train_config import ModelInit, load_train_config

MODEL = {"hidden_size": 1024, "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 4,
         "intermediate_size": 2816, "vocab_size": 32000}
SEQ, BATCH, WARMUP = 1024, 8, 5
WORDS = ["東京", "大阪", "京都", "天気", "晴れ", "雨", "今日", "明日", "学校", "先生", "学生", "電車", "駅", "本",
         "図書館", "お茶", "季節", "桜", "山", "川", "海", "空", "猫", "犬", "朝", "夜", "仕事", "料理", "旅行", "音楽"]


def write_shards(folder: Path) -> None:
    rng = random.Random(0)
    folder.mkdir(parents=True)
    for index in range(4):
        lines = ["".join(rng.choice(WORDS) for _ in range(rng.randint(200, 2000))) for _ in range(400)]
        (folder / f"shard-{index:06d}.jsonl").write_text(
            "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in lines), encoding="utf-8")


def tandem_run(root: Path, name: str, steps: int, **extra: object) -> tuple[float, int]:
    """Median tokens/s after warm-up, and peak allocated bytes, of runner.train."""
    marks: list[float] = []
    step_end = ProgressCallback.on_step_end

    def marked(self: ProgressCallback, *args: object, **kwargs: object) -> None:
        step_end(self, *args, **kwargs)  # type: ignore[arg-type]
        torch.cuda.synchronize()
        marks.append(time.perf_counter())

    model = {"init": MODEL, **extra.pop("model", {})}  # type: ignore[dict-item]
    config = {"model": model, "data": {"paths": [str(root / "shards" / "*.jsonl")], "min_samples": 10},
              "training": {"max_steps": steps, "save_steps": 10**6, "seq_len": SEQ, "batch_size": BATCH,
                           "logging_steps": 10**6, "precision": "bf16", **extra.pop("training", {})},  # type: ignore[dict-item]
              "eval": {"holdout_share": 0}, "output_dir": str(root / name), **extra}
    (root / f"{name}.yaml").write_text(yaml.safe_dump(config))
    (root / name).mkdir()
    (root / name / "tokenizer").symlink_to(root / "tokenizer")
    torch.cuda.reset_peak_memory_stats()
    ProgressCallback.on_step_end = marked  # type: ignore[method-assign]
    try:
        runner.train(load_train_config(root / f"{name}.yaml"), StatusReporter(None, unit="steps"), StopFlag())
    finally:
        ProgressCallback.on_step_end = step_end  # type: ignore[method-assign]
    gaps = [b - a for a, b in zip(marks[WARMUP:], marks[WARMUP + 1:], strict=False)]
    return BATCH * SEQ / statistics.median(gaps), torch.cuda.max_memory_allocated()


def plain_loop(root: Path, steps: int, attention: str) -> tuple[float, int]:
    from transformers import Qwen2ForCausalLM

    tokenizer = load_tokenizer(str(root / "tokenizer"))
    config = init_config(ModelInit(**MODEL), tokenizer, SEQ, attention)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config).cuda().train()
    model.config.use_cache = False
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, fused=True)
    batch = torch.randint(0, len(tokenizer), (BATCH, SEQ), device="cuda")
    torch.cuda.reset_peak_memory_stats()
    marks = []
    for _ in range(steps):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        marks.append(time.perf_counter())
    gaps = [b - a for a, b in zip(marks[WARMUP:], marks[WARMUP + 1:], strict=False)]
    del model, optimizer
    torch.cuda.empty_cache()
    return BATCH * SEQ / statistics.median(gaps), torch.cuda.max_memory_allocated()


def main() -> None:
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="SDPA and QLoRA only")
    args = parser.parse_args()
    gpu = torch.cuda.get_device_name(0)
    flash = find_spec("flash_attn") is not None
    print(f"bench_gpu on {gpu}, torch {torch.__version__}, flash-attn {'installed' if flash else 'not installed'}")
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as temp:
        root = Path(temp)
        write_shards(root / "shards")
        texts = [json.loads(line)["text"] for line in (root / "shards" / "shard-000000.jsonl").read_text().splitlines()]
        save_tokenizer_atomically(train_tokenizer(texts[:200], MODEL["vocab_size"]), root / "tokenizer")
        params = ModelShape.of(init_config(ModelInit(**MODEL), load_tokenizer(str(root / "tokenizer")), SEQ))
        print(f"Qwen2 {params.parameters / 1e6:.0f} M parameters, bf16, batch {BATCH} × seq {SEQ}, "
              f"{args.steps} steps, median step after {WARMUP} warm-up steps")
        attentions = ["sdpa"] + (["flash_attention_2"] if flash and not args.quick else [])
        for attention in attentions:
            base, base_peak = plain_loop(root, args.steps, attention)
            ours, peak = tandem_run(root, f"full-{attention}", args.steps, model={"attention": attention})
            print(f"  full fine-tune, {attention:<17} plain loop {base:9.0f} tok/s ({base_peak / 2**30:.1f} GiB)   "
                  f"train.py {ours:9.0f} tok/s ({peak / 2**30:.1f} GiB)   ratio {ours / base:.2f}")
        from tandem.train.memory import RunShape
        qlora = RunShape(precision="bf16", bits=4, double_quant=True, adapter="lora", adapter_targets=4, lora_r=16,
                         batch_size=BATCH, seq_len=SEQ, gradient_checkpointing=False)
        speed, peak = tandem_run(root, "qlora", args.steps, adapter="lora",
                                 model={"quantization": {"bits": 4}, "attention": "sdpa"})
        print(f"  4-bit base + LoRA, sdpa            train.py {speed:9.0f} tok/s   peak {peak / 2**30:.2f} GiB   "
              f"estimate {estimate(params, qlora).total / 2**30:.2f} GiB")
        if not args.quick:
            speed, peak = tandem_run(root, "compiled", args.steps, training={"torch_compile": True})
            print(f"  full fine-tune, sdpa, torch.compile train.py {speed:9.0f} tok/s ({peak / 2**30:.1f} GiB)")


if __name__ == "__main__":
    main()
