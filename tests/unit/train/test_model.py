from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer

from tandem.common.typed_config import ConfigError
from tandem.train.model import (
    apply_adapter,
    build_model,
    load_dtype,
    load_tokenizer,
    locate_model,
    resolve_precision,
    train_tokenizer,
)
from tandem.train.train_config import ModelInit, ModelSettings, So8Settings, TrainConfig, TrainingSettings

TEXTS = ["東京の天気は晴れです。明日は雨が降るでしょう。", "The quick brown fox jumps over the lazy dog 42 times.",
         "日本語のテキストを学習します。\n改行も含みます。"] * 20


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(TEXTS, vocab_size=400)


def tiny_config(**overrides) -> TrainConfig:
    config = TrainConfig(model=ModelSettings(init=ModelInit(hidden_size=32, num_attention_heads=4, vocab_size=400)),
                         training=TrainingSettings(seq_len=32))
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def test_trained_tokenizer_keeps_its_ids_when_loaded_beside_a_qwen2_model(tmp_path, tokenizer):
    config = tiny_config()
    model = build_model(config.model, tokenizer, config.training, torch.float32)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    for text in TEXTS[:3]:
        assert reloaded(text)["input_ids"] == tokenizer(text)["input_ids"]
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text
    assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.pad_token_id == tokenizer.eos_token_id


def test_init_model_is_a_qwen2_sized_to_the_tokenizer(tokenizer):
    config = tiny_config()
    model = build_model(config.model, tokenizer, config.training, torch.float32)
    assert model.config.model_type == "qwen2"
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.hidden_size == 32 and model.config.intermediate_size == 128


def test_a_missing_local_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"model.name_or_path: folder '/no/such/model' does not exist"):
        locate_model("/no/such/model")
    (tmp_path / "weights.bin").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        locate_model(str(tmp_path / "weights.bin"))
    assert locate_model("Qwen/Qwen2.5-0.5B") == "Qwen/Qwen2.5-0.5B"
    assert locate_model(str(tmp_path)) == str(tmp_path)


def test_a_folder_without_a_tokenizer_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="model.name_or_path: cannot load a tokenizer"):
        load_tokenizer(str(tmp_path))


def test_lora_targets_that_are_not_in_the_model_are_a_config_error(tokenizer):
    config = tiny_config(adapter="lora")
    config.lora.target_modules = ["not_a_layer"]
    model = build_model(config.model, tokenizer, config.training, torch.float32)
    with pytest.raises(ConfigError, match=r"lora.target_modules: \['not_a_layer'\] do not fit the model"):
        apply_adapter(model, config)


def test_so8_refuses_a_layer_whose_width_is_not_a_multiple_of_8(tokenizer):
    config = tiny_config(adapter="so8")
    config.model.init = ModelInit(hidden_size=36, num_attention_heads=4, vocab_size=400)
    model = build_model(config.model, tokenizer, config.training, torch.float32)
    with pytest.raises(ConfigError, match=r"so8.target_modules: .*o_proj has 36 inputs, not a multiple of 8"):
        apply_adapter(model, config)
    config.so8 = So8Settings(target_modules=["embed_tokens"])
    with pytest.raises(ConfigError, match="not a Linear layer"):
        apply_adapter(model, config)


def test_so8_is_exact_cayley_oft_with_8x8_blocks(tokenizer):
    config = tiny_config(adapter="so8")
    model = apply_adapter(build_model(config.model, tokenizer, config.training, torch.float32), config)
    peft_config = model.peft_config["default"]
    assert (peft_config.oft_block_size, peft_config.r, peft_config.use_cayley_neumann) == (8, 0, False)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("o_proj" in n for n in trainable)


def test_precision_on_cpu_is_fp32_and_fp16_needs_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("checks the CPU defaults")
    assert resolve_precision(TrainingSettings()) == ("fp32", True)
    assert resolve_precision(TrainingSettings(precision="bf16")) == ("bf16", True)
    with pytest.raises(ConfigError, match="training.precision: fp16 needs a GPU"):
        resolve_precision(TrainingSettings(precision="fp16"))
    with pytest.raises(ConfigError, match="training.device: 'cuda' asked for"):
        resolve_precision(TrainingSettings(device="cuda"))
    assert load_dtype("bf16", "lora") == torch.bfloat16 and load_dtype("bf16", "none") == torch.float32
