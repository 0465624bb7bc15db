"""Peak training memory, measured against `tandem.train.memory.estimate`, side by side (`make bench`).

Each case runs a few AdamW steps in a fresh process (`tandem.train.memory_probe`): a tiny and a
larger Qwen2 (the largest this 2-core machine trains in reasonable time), in fp32 (full
fine-tuning), bf16 with LoRA, and a 4-bit and an 8-bit base (bitsandbytes) with LoRA. On the CPU
the figure is the resident set's peak above what the process held before the model was loaded;
with `--device cuda`, torch.cuda.max_memory_allocated.

    .venv/bin/python bench/bench_memory.py [--device cpu|cuda] [--only tiny|larger]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from tandem.train.memory import TOLERANCE

MIB = 1024**2
SIZES = {
    "tiny": {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512,
             "vocab_size": 4000, "seq_len": 128, "batch_size": 4},
    "larger": {"hidden_size": 1024, "num_hidden_layers": 8, "num_attention_heads": 16, "intermediate_size": 2816,
               "vocab_size": 32000, "seq_len": 256, "batch_size": 2, "steps": 2},
}
CASES = {
    "fp32 full": {"precision": "fp32"},
    "bf16 LoRA": {"precision": "bf16", "adapter": "lora"},
    "8-bit LoRA": {"bits": 8, "adapter": "lora"},
    "4-bit LoRA": {"bits": 4, "adapter": "lora"},
}


def params_of(size: dict[str, int]) -> float:
    h, i, layers, vocab = size["hidden_size"], size["intermediate_size"], size["num_hidden_layers"], size["vocab_size"]
    return (vocab * h + layers * (4 * h * h + 3 * h * i)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--only", choices=sorted(SIZES))
    args = parser.parse_args()
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    print(f"peak training memory: measured vs estimated (tolerance ±{TOLERANCE:.0%}), device {args.device}")
    for size_name, size in SIZES.items():
        if args.only and size_name != args.only:
            continue
        print(f"  {size_name} Qwen2, {params_of(size):.1f} M parameters, batch {size['batch_size']} × "
              f"seq {size['seq_len']}:")
        for case, extra in CASES.items():
            spec = {**size, **extra, "device": args.device}
            done = subprocess.run([sys.executable, "-m", "tandem.train.memory_probe", json.dumps(spec)],
                                  capture_output=True, text=True, env=env)
            if done.returncode != 0:
                print(f"    {case:<11} failed: {done.stderr.strip().splitlines()[-1]}")
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            measured, estimated = result["measured"], result["estimated"]
            ratio = estimated / measured
            mark = "ok" if abs(ratio - 1) <= TOLERANCE else "OUTSIDE"
            print(f"    {case:<11} measured {measured / MIB:8.0f} MiB   estimated {estimated / MIB:8.0f} MiB   "
                  f"estimate/measured {ratio:5.2f} {mark}   ({result['seconds']:.1f} s for the steps)")


if __name__ == "__main__":
    main()
