"""LoRA and SO(8) adapters train and save small; SO(8) stays SO(8) and merges exactly."""

from __future__ import annotations

import json

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM


def adapter_run(tmp_path, write_shard, make_config, run_train, adapter: str, lr: float):
    for index in range(2):
        write_shard(tmp_path / "shards", index)
    config = make_config(adapter=adapter, training={"max_steps": 15, "save_steps": 15, "learning_rate": lr},
                         model={"init": {"hidden_size": 64}}, lora={"r": 4})
    result = run_train("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path / "out"


@pytest.mark.parametrize("adapter", ["lora", "so8"])
def test_adapters_train_and_save_small(tmp_path, write_shard, make_config, run_train, metrics, adapter):
    out = adapter_run(tmp_path, write_shard, make_config, run_train, adapter, lr=0.01)
    losses = [m["loss"] for m in metrics(out)]
    assert losses[-1] < losses[0]
    base_size = (out / "base_model" / "model.safetensors").stat().st_size
    for folder in (out / "final", out / "checkpoint-15"):
        adapter_file = folder / "adapter_model.safetensors"
        assert adapter_file.is_file() and not (folder / "model.safetensors").exists()
        assert adapter_file.stat().st_size < base_size / 10


def rotation_blocks(model: PeftModel) -> torch.Tensor:
    blocks = []
    for module in model.modules():
        rotation = getattr(module, "oft_R", None)
        if rotation is not None and "default" in rotation:
            r = rotation["default"]
            blocks.append(r._cayley_batch(r.weight, r.block_size, r.use_cayley_neumann, r.num_cayley_neumann_terms))
    return torch.cat(blocks)


def test_so8_blocks_are_rotations_after_training_and_merging_changes_nothing(tmp_path, write_shard,
                                                                             make_config, run_train):
    out = adapter_run(tmp_path, write_shard, make_config, run_train, "so8", lr=0.05)
    base = AutoModelForCausalLM.from_pretrained(out / "base_model")
    model = PeftModel.from_pretrained(base, out / "final").eval()
    blocks = rotation_blocks(model).detach().double()
    assert blocks.shape[1:] == (8, 8) and blocks.shape[0] == 2 * 64 // 8  # o_proj of 2 layers
    identity = torch.eye(8, dtype=torch.float64)
    assert (blocks - identity).abs().max() > 1e-3  # training moved them
    assert (blocks.transpose(1, 2) @ blocks - identity).abs().max() < 1e-5
    assert torch.allclose(torch.linalg.det(blocks), torch.ones(len(blocks), dtype=torch.float64), atol=1e-5)

    tokens = torch.randint(0, base.config.vocab_size, (2, 24), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        adapted = model(tokens).logits
        merged = model.merge_and_unload()(tokens).logits
    assert torch.allclose(adapted, merged, atol=1e-4, rtol=1e-4)


def test_a_local_model_folder_is_fine_tuned_with_its_own_tokenizer(tmp_path, write_shard, make_config, run_train,
                                                                  metrics):
    """A user's model folder (here: one this kit trained and saved in final/) as model.name_or_path."""
    for index in range(2):
        write_shard(tmp_path / "shards", index)
    scratch = make_config("scratch.yaml", output_dir=str(tmp_path / "scratch"), training={"max_steps": 10})
    assert run_train("--config", str(scratch)).returncode == 0
    user_model = tmp_path / "scratch" / "final"
    config = make_config("finetune.yaml", model={"init": None, "name_or_path": str(user_model)}, adapter="lora",
                         lora={"r": 4}, training={"max_steps": 6, "save_steps": 6})
    result = run_train("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"training {user_model} (fp32, adapter lora, sdpa attention)" in result.stdout
    out = tmp_path / "out"
    assert not (out / "tokenizer").exists() and not (out / "base_model").exists()
    assert (out / "final" / "adapter_model.safetensors").is_file()
    adapter_config = json.loads((out / "final" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == str(user_model)
    # Continues where the saved model was: its loss starts near where the scratch run ended.
    assert metrics(out)[0]["loss"] < metrics(tmp_path / "scratch")[0]["loss"] - 0.5
