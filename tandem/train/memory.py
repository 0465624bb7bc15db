"""How much memory a training run will need, before anything is loaded, and whether it fits.

The model is counted from its config alone (built on the meta device: no weights, no memory):
weights in their stored type (4-bit: half a byte plus the quantisation constants), 16 bytes per
trained parameter (fp32 weight, gradient, two AdamW moments), the activations the backward pass
keeps (all layers, or one layer plus each layer's input with gradient checkpointing), the
logits and their fp32 copies, and the dequantised weights of the largest quantised layer.
`bench/bench_memory.py` compares it with measured peaks; docs/training-quantized-eval.md states
the tolerance.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import psutil
import torch

GIB = 1024**3
BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
OPTIMIZER_BYTES_PER_TRAINED = 16  # fp32 weight, gradient, AdamW exp_avg and exp_avg_sq
CUDA_CONTEXT = int(0.5 * GIB)  # the CUDA context and kernels, outside torch's allocator
RUNTIME_SLACK = 24 * 1024**2  # kernel workspaces and allocator arenas, whatever the model
TOLERANCE = 0.25  # the estimate is within this share of the measured peak (tests, bench_memory)


@dataclass(frozen=True)
class ModelShape:
    """What the estimate needs from a causal LM's config and layout."""

    parameters: int
    linear: int  # parameters in Linear layers other than the LM head: what bitsandbytes quantises
    largest_linear: int
    hidden: int
    layers: int
    intermediate: int
    kv_width: int
    vocab: int

    @classmethod
    def of(cls, config: Any) -> ModelShape:
        from transformers import AutoModelForCausalLM

        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        unique = {id(p): p.numel() for p in model.parameters()}
        linears = [m.weight.numel() for name, m in model.named_modules()
                   if isinstance(m, torch.nn.Linear) and not name.endswith("lm_head")]
        heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        return cls(parameters=sum(unique.values()), linear=sum(linears), largest_linear=max(linears, default=0),
                   hidden=config.hidden_size, layers=config.num_hidden_layers,
                   intermediate=getattr(config, "intermediate_size", 4 * config.hidden_size),
                   kv_width=(getattr(config, "num_key_value_heads", None) or heads) * head_dim,
                   vocab=config.vocab_size)


@dataclass(frozen=True)
class RunShape:
    precision: str  # fp32 | bf16 | fp16: the compute type
    bits: int | None  # 4 or 8 for a quantised base
    double_quant: bool
    adapter: str  # none | lora | so8
    adapter_targets: int  # Linear layers per transformer layer that get the adapter
    lora_r: int
    batch_size: int
    seq_len: int
    gradient_checkpointing: bool


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    training_state: int
    activations: int
    logits: int
    workspace: int

    @property
    def total(self) -> int:
        return self.weights + self.training_state + self.activations + self.logits + self.workspace


def trained_parameters(model: ModelShape, run: RunShape) -> int:
    per_layer_width = model.hidden  # the attention projections, where the adapters go by default
    if run.adapter == "lora":
        return model.layers * run.adapter_targets * run.lora_r * 2 * per_layer_width
    if run.adapter == "so8":
        return model.layers * run.adapter_targets * per_layer_width // 8 * 28  # 8×8 skew-symmetric blocks
    return model.parameters


def estimate(model: ModelShape, run: RunShape) -> MemoryEstimate:
    compute = BYTES[run.precision]
    others = model.parameters - model.linear
    if run.bits is not None:
        per_weight = 1.0 if run.bits == 8 else 0.5 + (1 / 64 + 4 / (64 * 256) if run.double_quant else 4 / 64)
        weights = int(model.linear * per_weight + others * compute)
        workspace = model.largest_linear * (compute + 4)  # one layer's weights dequantised, and cast
    elif run.adapter == "none":
        # Trained weights stay fp32; autocast keeps a compute-type copy of each while it is used.
        weights = 0
        workspace = model.parameters * compute if compute != 4 else 0
    else:
        weights = model.parameters * compute
        workspace = 0
    trained = trained_parameters(model, run)
    tokens = run.batch_size * run.seq_len
    # Elements the backward pass keeps per token and layer (fitted to measured peaks, see
    # bench/bench_memory.py): norms and residuals, q/k/v, the attention output, the SwiGLU MLP's
    # intermediates with the allocator's slack; an adapter keeps its input and its dropout's
    # output; LLM.int8() keeps fp16 copies of each layer's inputs.
    kept = 8 * model.hidden + 2 * model.kv_width + 10 * model.intermediate
    if run.adapter != "none":
        kept += 3 * run.adapter_targets * model.hidden
    if run.bits == 8:
        kept += (12 * model.hidden + 2 * model.intermediate) // 2  # 2-byte copies, counted in compute units
    per_layer = tokens * kept * compute
    if run.gradient_checkpointing:
        activations = model.layers * tokens * model.hidden * compute + 2 * per_layer
    else:
        activations = model.layers * per_layer
    # logits in the compute type, their fp32 copy, log-softmax, its gradient and the logits' gradient
    logits = tokens * model.vocab * (compute + 16 if compute != 4 else 16)
    return MemoryEstimate(weights=weights, training_state=trained * OPTIMIZER_BYTES_PER_TRAINED,
                          activations=activations, logits=logits, workspace=workspace + RUNTIME_SLACK)


def available_memory(use_cpu: bool) -> tuple[int, str]:
    """(bytes, what): the GPU's total memory, or the RAM that is available now."""
    if not use_cpu and torch.cuda.is_available():
        index = int(os.environ.get("LOCAL_RANK", "0"))
        name = torch.cuda.get_device_name(index)
        return torch.cuda.get_device_properties(index).total_memory - CUDA_CONTEXT, f"GPU {name}"
    return psutil.virtual_memory().available, "available RAM"


def size(count: float) -> str:
    return f"{count / GIB:.2f} GiB" if count >= GIB / 4 else f"{count / 1024**2:.0f} MiB"


def fit_line(need: MemoryEstimate, have: int, where: str, run: RunShape) -> str:
    """One line: the estimate, whether it fits, and which flags would make it fit."""
    head = (f"memory estimate {size(need.total)} (weights {size(need.weights)}, optimizer "
            f"{size(need.training_state)}, activations {size(need.activations)}, logits {size(need.logits)}, "
            f"workspace {size(need.workspace)}) of {size(have)} {where}")
    if need.total <= have:
        return f"{head}: fits"
    hints = []
    if run.bits is None:
        hints.append("model.quantization: {bits: 4} with adapter: lora" if run.adapter == "none"
                     else "model.quantization: {bits: 4}")
    elif run.bits == 8:
        hints.append("model.quantization.bits: 4")
    if not run.gradient_checkpointing:
        hints.append("training.gradient_checkpointing: true")
    if run.batch_size > 1:
        hints.append(f"training.batch_size: {max(1, run.batch_size // 2)} with gradient_accumulation_steps "
                     "doubled")
    if run.seq_len > 512:
        hints.append(f"training.seq_len: {run.seq_len // 2}")
    return f"{head}: does NOT fit; try " + ", ".join(hints) if hints else f"{head}: does NOT fit"
