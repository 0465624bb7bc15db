"""Measure the peak memory of a few training steps, to hold `memory.estimate` against.

`python -m tandem.train.memory_probe '{"hidden_size": 256, ...}'` prints one JSON line:
{"measured": bytes, "estimated": bytes, "seconds": s}. Run it in a fresh process per case. On
the CPU the peak is the resident set's high-water mark (reset once the model is loaded, so the
loader's transient copies are left out) above the resident set before loading; on CUDA it is
`torch.cuda.max_memory_allocated`. Models are built from the spec (a Qwen2), nothing is
downloaded.
"""

from __future__ import annotations

import ctypes
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tandem.train.memory import ModelShape, RunShape, estimate

SO8_TARGETS = ["o_proj"]
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]


@dataclass
class ProbeSpec:
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    vocab_size: int = 8000
    precision: str = "fp32"  # the compute type
    bits: int | None = None
    adapter: str = "none"
    batch_size: int = 4
    seq_len: int = 256
    gradient_checkpointing: bool = False
    steps: int = 3
    device: str = "cpu"


def resident_bytes(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def settle() -> None:
    """Give freed heap memory back, so that the resident set counts what is alive."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def reset_peak(device: str) -> None:
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    else:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux 4.0+)


def run_shape(spec: ProbeSpec) -> RunShape:
    targets = SO8_TARGETS if spec.adapter == "so8" else LORA_TARGETS
    return RunShape(precision=spec.precision, bits=spec.bits, double_quant=True, adapter=spec.adapter,
                    adapter_targets=len(targets), lora_r=16, batch_size=spec.batch_size, seq_len=spec.seq_len,
                    gradient_checkpointing=spec.gradient_checkpointing)


def probe(spec: ProbeSpec) -> dict[str, Any]:
    from peft import LoraConfig, OFTConfig, get_peft_model
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Qwen2Config, Qwen2ForCausalLM

    from tandem.train.quantization import prepare_kbit

    config = Qwen2Config(hidden_size=spec.hidden_size, num_hidden_layers=spec.num_hidden_layers,
                         num_attention_heads=spec.num_attention_heads, num_key_value_heads=spec.num_attention_heads,
                         intermediate_size=spec.intermediate_size, vocab_size=spec.vocab_size,
                         max_position_embeddings=max(spec.seq_len, 512), tie_word_embeddings=True)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[spec.precision]
    folder = Path(tempfile.mkdtemp(prefix="memory-probe-"))
    torch.manual_seed(0)
    if spec.bits is not None:
        Qwen2ForCausalLM(config).save_pretrained(folder)
    settle()
    baseline = torch.cuda.memory_allocated() if spec.device == "cuda" else resident_bytes()
    if spec.bits is not None:
        quant = (BitsAndBytesConfig(load_in_8bit=True) if spec.bits == 8 else
                 BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                    bnb_4bit_compute_dtype=dtype))
        model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, quantization_config=quant,
                                                          device_map={"": spec.device})
        prepare_kbit(model, dtype)
    else:
        keep = dtype if spec.adapter != "none" else torch.float32  # trained weights stay fp32
        model = Qwen2ForCausalLM(config)
        model.to(device=spec.device, dtype=keep)
    if spec.adapter == "lora":
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=LORA_TARGETS,
                                                 task_type="CAUSAL_LM"))
    elif spec.adapter == "so8":
        model = get_peft_model(model, OFTConfig(r=0, oft_block_size=8, use_cayley_neumann=False,
                                                target_modules=SO8_TARGETS, task_type="CAUSAL_LM"))
    if spec.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    tokens = torch.randint(0, spec.vocab_size, (spec.batch_size, spec.seq_len), device=spec.device)
    settle()
    reset_peak(spec.device)
    started = time.perf_counter()
    autocast = spec.precision != "fp32" and spec.bits is None
    for _ in range(spec.steps):
        with torch.autocast(spec.device, dtype=dtype, enabled=autocast):
            loss = model(input_ids=tokens, labels=tokens).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() if spec.device == "cuda" else resident_bytes("VmHWM")
    estimated = estimate(ModelShape.of(config), run_shape(spec)).total
    return {"measured": peak - baseline, "estimated": estimated, "seconds": round(seconds, 2)}


if __name__ == "__main__":
    print(json.dumps(probe(ProbeSpec(**json.loads(sys.argv[1])))))
