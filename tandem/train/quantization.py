"""A quantised frozen base (QLoRA): transformers' BitsAndBytesConfig, and the k-bit preparation
QLoRA's own script does.

bitsandbytes runs on CUDA and, since 0.46, on the CPU as well (4-bit NF4/FP4 and LLM.int8()),
so the same path is trained and tested on every machine; on the CPU it is slow, there to check,
not to train a 7B model.

Preparation follows QLoRA (artidoro/qlora `get_accelerate_model`) rather than PEFT's
`prepare_model_for_kbit_training`: norms go to fp32, but embeddings and the LM head stay in the
compute type (PEFT casts them to fp32 too: 4.4 GB more for Qwen2.5-7B's 152k vocabulary). The
loss is computed in fp32 by transformers whatever the head's type.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import torch

from tandem.common.typed_config import ConfigError
from tandem.train.train_config import QuantizationSettings

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def compute_dtype(settings: QuantizationSettings, precision: str) -> torch.dtype:
    """The matmul type of the quantised layers: as configured, or the training precision."""
    if settings.compute_dtype != "auto":
        return DTYPES[settings.compute_dtype]
    return DTYPES.get(precision, torch.float32)


def check_backend() -> None:
    if find_spec("bitsandbytes") is None:
        raise ConfigError("model.quantization: bitsandbytes is not installed "
                          "(pip install 'tandem[quant]', or pip install 'bitsandbytes>=0.46')")


def bnb_config(settings: QuantizationSettings, dtype: torch.dtype) -> Any:
    from transformers import BitsAndBytesConfig

    if settings.bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=settings.quant_type,
                              bnb_4bit_use_double_quant=settings.double_quant, bnb_4bit_compute_dtype=dtype,
                              bnb_4bit_quant_storage=torch.uint8)


def prepare_kbit(model: torch.nn.Module, dtype: torch.dtype) -> None:
    """Freeze the base, norms in fp32, other unquantised weights in the compute type, and let the
    input embeddings' output require grad so that checkpointed layers see a graph."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for name, module in model.named_modules():
        if "norm" in name.rsplit(".", 1)[-1].lower():
            module.to(torch.float32)
        elif (name.endswith(("lm_head", "embed_tokens")) and hasattr(module, "weight")
              and module.weight.dtype == torch.float32 and dtype != torch.float32):
            module.to(dtype)
    for module in model.modules():
        if getattr(module, "support_avx512bf16_for_cpu", False):
            # bitsandbytes repacks a 4-bit weight in place, for inference only, the first time it
            # runs without grad on such a CPU: evaluation would change the weights training uses.
            setattr(module, "support_avx512bf16_for_cpu", False)  # noqa: B010 (not a declared attribute)
    enable = getattr(model, "enable_input_require_grads", None)
    if callable(enable):
        enable()


def is_quantized_layer(module: torch.nn.Module) -> bool:
    return type(module).__name__ in ("Linear4bit", "Linear8bitLt")
