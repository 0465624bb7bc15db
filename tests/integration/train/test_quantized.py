"""A 4-bit and an 8-bit base (bitsandbytes, on the CPU here) under LoRA and SO(8): trains,
checkpoints only the adapter, is killed with -9, resumes exactly, evaluates on shards it never
trains on, and merges into a full-precision model."""

from __future__ import annotations

import json
import signal

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

from tandem.train.merge_cli import main as merge_main

pytest.importorskip("bitsandbytes", reason="model.quantization needs bitsandbytes (the quant extra)")

RUN = {"training": {"max_steps": 8, "save_steps": 4, "eval_steps": 4, "save_total_limit": 2,
                    "learning_rate": 0.01},
       "model": {"init": {"hidden_size": 64}},  # bitsandbytes quantises in blocks of 64 inputs
       "eval": {"holdout_share": 0.5, "max_blocks": 2, "prompts": ["吾輩は"], "max_new_tokens": 3},
       "lora": {"r": 4}}


@pytest.mark.slow
@pytest.mark.timeout(900)  # three real runs on a shared 2-core machine
@pytest.mark.parametrize(("bits", "adapter"), [(4, "lora"), (8, "so8")])
def test_a_quantised_base_trains_is_killed_resumes_exactly_and_merges(tmp_path, write_shard, make_config,
                                                                       run_train, start_train, metrics,
                                                                       wait_until, bits, adapter):
    for index in range(4):
        write_shard(tmp_path / "shards", index)
    sections = {**RUN, "adapter": adapter, "model": {**RUN["model"], "quantization": {"bits": bits}}}
    reference = make_config("ref.yaml", output_dir=str(tmp_path / "ref"), **sections)
    crashed, out = make_config("crash.yaml", **sections), tmp_path / "out"
    # The uninterrupted run goes on beside the other two (each trainer uses one thread).
    uninterrupted = start_train("--config", str(reference))
    process = start_train("--config", str(crashed))
    wait_until(lambda: len(metrics(out)) >= 5, timeout=300, what="step 5", process=process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (out / "checkpoint-4").is_dir() and not (out / "final").exists()
    result = run_train("--config", str(crashed), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"resuming from {out / 'checkpoint-4'}" in result.stdout
    output, _ = uninterrupted.communicate(timeout=300)
    assert uninterrupted.returncode == 0, output
    assert f"{bits}-bit base" in output and "memory estimate" in output
    expected = metrics(tmp_path / "ref")

    resumed = metrics(out)
    assert [m["step"] for m in resumed] == list(range(1, 9))
    assert [m["loss"] for m in resumed] == [m["loss"] for m in expected]
    assert [m.get("eval_loss") for m in resumed] == [m.get("eval_loss") for m in expected]
    assert [m["step"] for m in resumed if "eval_loss" in m] == [4, 8]
    assert resumed[-1]["generations"] == expected[-1]["generations"]

    checkpoint = out / "checkpoint-8"
    assert (checkpoint / "adapter_model.safetensors").is_file() and not (checkpoint / "model.safetensors").exists()
    state = json.loads((checkpoint / "data_state.json").read_text())
    assert state["eval"]["best_checkpoint"][1] in (4, 8)

    merged = tmp_path / "merged"
    # scripts/merge_adapter.py's main, in this process: a fresh interpreter would cost more than the merge.
    assert merge_main([str(out / "final"), str(merged)]) == 0
    config = json.loads((merged / "config.json").read_text())
    assert "quantization_config" not in config and (merged / "tokenizer.json").is_file()
    full = AutoModelForCausalLM.from_pretrained(merged)
    assert all(p.dtype == torch.float32 for p in full.parameters())
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(out / "base_model"), out / "final")
    tokens = torch.randint(0, config["vocab_size"], (1, 16), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(full(tokens).logits, adapted.eval()(tokens).logits, atol=1e-4)


def test_a_quantised_base_without_an_adapter_is_a_config_error(tmp_path, write_shard, make_config, run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(model={"quantization": {"bits": 4}})
    result = run_train("--config", str(config))
    assert result.returncode == 2
    assert "adapter: a quantised base (model.quantization) trains only through an adapter" in result.stderr
