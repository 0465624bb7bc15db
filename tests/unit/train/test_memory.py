"""The memory estimate: within its stated tolerance of the measured peak on tiny models, and a
one-line verdict that names the flags that would make a run fit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from transformers import Qwen2Config

from tandem.train.memory import GIB, TOLERANCE, ModelShape, RunShape, estimate, fit_line

QWEN_7B = Qwen2Config(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                      num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False)


def run(**changes: object) -> RunShape:
    base = {"precision": "bf16", "bits": None, "double_quant": True, "adapter": "lora", "adapter_targets": 4,
            "lora_r": 16, "batch_size": 1, "seq_len": 512, "gradient_checkpointing": True}
    return RunShape(**{**base, **changes})  # type: ignore[arg-type]


def test_a_7b_base_needs_about_15_gb_in_bf16_and_fits_12_gb_only_in_4_bits():
    shape = ModelShape.of(QWEN_7B)
    assert 7.0e9 < shape.parameters < 7.7e9
    bf16, four = estimate(shape, run()), estimate(shape, run(bits=4))
    assert 14 * GIB < bf16.weights < 15 * GIB
    assert four.weights < 6 * GIB and four.total < 12 * GIB < bf16.total  # embeddings and head stay bf16
    line = fit_line(bf16, 12 * GIB, "GPU", run())
    assert "does NOT fit" in line and "model.quantization: {bits: 4}" in line
    assert fit_line(four, 12 * GIB, "GPU", run(bits=4)).endswith(": fits")
    unfit = fit_line(four, 2 * GIB, "GPU", run(bits=8, gradient_checkpointing=False, batch_size=8))
    assert "model.quantization.bits: 4" in unfit and "training.gradient_checkpointing: true" in unfit
    assert "training.batch_size: 4" in unfit


TINY = {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512,
        "vocab_size": 4000, "seq_len": 128, "batch_size": 4, "steps": 2}


@pytest.mark.slow
@pytest.mark.parametrize("case", [{"precision": "fp32"}, {"bits": 4, "adapter": "lora"}])
def test_the_estimate_is_within_its_tolerance_of_the_measured_peak(case):
    if case.get("bits"):
        pytest.importorskip("bitsandbytes", reason="a 4-bit base needs bitsandbytes (the quant extra)")
    done = subprocess.run([sys.executable, "-m", "tandem.train.memory_probe", json.dumps({**TINY, **case})],
                          capture_output=True, text=True, timeout=170, env={"OMP_NUM_THREADS": "1",
                                                                             "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert abs(result["estimated"] / result["measured"] - 1) <= TOLERANCE, result
