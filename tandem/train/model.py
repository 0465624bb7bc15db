"""Tokenizer, model and adapter: a user's causal LM (hub id or local folder) or a small Qwen2
built from `model.init`, with none, LoRA or the SO(8) adapter from PEFT.

Errors a user can fix (missing folder, adapter that does not fit) are `ConfigError`s naming the
key; the caller prefixes the config file.
"""

from __future__ import annotations

import logging
import os
import shutil
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, OFTConfig, PeftModel, get_peft_model
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from tandem.common.typed_config import ConfigError
from tandem.train.quantization import bnb_config, check_backend, compute_dtype, prepare_kbit
from tandem.train.train_config import ModelInit, ModelSettings, TrainConfig, TrainingSettings

log = logging.getLogger(__name__)

EOS = "<|endoftext|>"
# Qwen2's own pre-tokenization: transformers 5 rebuilds it when it loads a tokenizer next to a
# qwen2 config.json, so a BPE trained any other way would come back with other ids.
QWEN2_SPLIT = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
               r"""\s*[\r\n]+|\s+(?!\S)|\s+""")
SO8_BLOCK = 8


def train_tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE in Qwen2's pipeline, trained on `texts` (the first samples)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=EOS, pad_token=EOS, unk_token=EOS)


def save_tokenizer_atomically(tokenizer: PreTrainedTokenizerBase, folder: Path) -> None:
    staging = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer.save_pretrained(staging)
    os.replace(staging, folder)


def load_tokenizer(name_or_path: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    try:
        tokenizer = AutoTokenizer.from_pretrained(locate_model(name_or_path), trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"model.name_or_path: cannot load a tokenizer from '{name_or_path}' "
                          f"({_first_line(exc)})") from None
    if tokenizer.eos_token_id is None:
        raise ConfigError(f"model.name_or_path: the tokenizer of '{name_or_path}' has no EOS token")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def locate_model(name_or_path: str) -> str:
    """A local folder as a path; a missing one is an error here rather than a hub lookup."""
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"model.name_or_path: '{name_or_path}' is a file, expected a model folder")
        return str(path)
    if name_or_path.startswith(("/", ".", "~")) or name_or_path.count("/") > 1 or "\\" in name_or_path:
        raise ConfigError(f"model.name_or_path: folder '{name_or_path}' does not exist")
    return name_or_path  # a hub id: downloaded (or taken from the cache) by transformers


def build_model(settings: ModelSettings, tokenizer: PreTrainedTokenizerBase, training: TrainingSettings,
                dtype: torch.dtype, attention: str = "sdpa") -> PreTrainedModel:
    """The base as configured, in full or half precision (a quantised base: `load_quantized`)."""
    if settings.init is not None:
        return Qwen2ForCausalLM(init_config(settings.init, tokenizer, training.seq_len, attention))
    assert settings.name_or_path is not None
    return load_pretrained(settings.name_or_path, settings.trust_remote_code, dtype=dtype,
                           attn_implementation=attention)


def load_pretrained(name_or_path: str, trust_remote_code: bool, **kwargs: Any) -> PreTrainedModel:
    try:
        return AutoModelForCausalLM.from_pretrained(locate_model(name_or_path), trust_remote_code=trust_remote_code,
                                                    **kwargs)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"model.name_or_path: cannot load a causal LM from '{name_or_path}' "
                          f"({_first_line(exc)})") from None


def load_quantized(name_or_path: str, settings: ModelSettings, precision: str, use_cpu: bool,
                   attention: str) -> PreTrainedModel:
    """The base from a folder (or hub id) in 4 or 8 bits, prepared for k-bit training."""
    quant = settings.quantization
    assert quant is not None
    check_backend()
    dtype = compute_dtype(quant, precision)
    device = "cpu" if use_cpu else f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    model = load_pretrained(name_or_path, settings.trust_remote_code, dtype=dtype,
                            quantization_config=bnb_config(quant, dtype), device_map={"": device},
                            attn_implementation=attention)
    prepare_kbit(model, dtype)  # gradient checkpointing, when asked for, is switched on by Trainer
    return model


def choose_attention(setting: str, on_gpu: bool) -> str:
    """flash_attention_2 where flash-attn and a GPU are there, else PyTorch's SDPA; or as set."""
    if setting == "flash_attention_2" and not (on_gpu and find_spec("flash_attn")):
        raise ConfigError("model.attention: flash_attention_2 needs a CUDA GPU and the flash-attn package")
    if setting != "auto":
        return setting
    return "flash_attention_2" if on_gpu and find_spec("flash_attn") else "sdpa"


def init_config(init: ModelInit, tokenizer: PreTrainedTokenizerBase, seq_len: int,
                attention: str = "sdpa") -> Qwen2Config:
    config = Qwen2Config(
        hidden_size=init.hidden_size,
        num_hidden_layers=init.num_hidden_layers,
        num_attention_heads=init.num_attention_heads,
        num_key_value_heads=init.num_key_value_heads or init.num_attention_heads,
        intermediate_size=init.intermediate_size or 4 * init.hidden_size,
        vocab_size=len(tokenizer),
        max_position_embeddings=max(seq_len, 512),
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    config._attn_implementation = attention
    return config


def apply_adapter(model: PreTrainedModel, config: TrainConfig) -> PreTrainedModel | PeftModel:
    """Wrap `model` in the configured PEFT adapter; an adapter that does not fit is exit 2."""
    if config.adapter == "none":
        return model
    if config.adapter == "lora":
        peft_config: LoraConfig | OFTConfig = LoraConfig(
            r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
            target_modules=config.lora.target_modules, task_type="CAUSAL_LM")
        targets, key = config.lora.target_modules, "lora.target_modules"
    else:
        targets, key = config.so8.target_modules, "so8.target_modules"
        check_so8_fits(model, targets)
        # Exact Cayley: every 8×8 block stays in SO(8); PEFT's default Neumann series does not.
        peft_config = OFTConfig(r=0, oft_block_size=SO8_BLOCK, use_cayley_neumann=False,
                                module_dropout=config.so8.module_dropout, target_modules=targets,
                                task_type="CAUSAL_LM")
    try:
        return get_peft_model(model, peft_config)
    except ValueError as exc:  # PEFT's NoMatchingPeftModuleError is a ValueError
        raise ConfigError(f"{key}: {targets} do not fit the model ({_first_line(exc)})") from None


def check_so8_fits(model: torch.nn.Module, targets: list[str]) -> None:
    """PEFT silently shrinks the block size of a layer whose width is not a multiple of 8;
    that would no longer be SO(8), so refuse it."""
    matched = [(name, module) for name, module in model.named_modules()
               if any(name == t or name.endswith(f".{t}") for t in targets)]
    if not matched:
        raise ConfigError(f"so8.target_modules: none of {targets} is a module of the model")
    for name, module in matched:
        width = getattr(module, "in_features", None)
        if not isinstance(module, torch.nn.Linear) or width is None:
            raise ConfigError(f"so8.target_modules: {name} is {type(module).__name__}, not a Linear layer")
        if width % SO8_BLOCK:
            raise ConfigError(f"so8.target_modules: {name} has {width} inputs, not a multiple of {SO8_BLOCK}")


def resolve_precision(training: TrainingSettings) -> tuple[str, bool]:
    """('fp32'|'bf16'|'fp16', use_cpu): bf16 on a GPU that has it, fp16 on older GPUs, fp32 on CPU."""
    has_cuda = torch.cuda.is_available()
    if training.device == "cuda" and not has_cuda:
        raise ConfigError("training.device: 'cuda' asked for, but no CUDA GPU is available")
    on_gpu = has_cuda and training.device != "cpu"
    precision = training.precision
    if precision == "auto":
        precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if on_gpu else "fp32"
    if precision == "fp16" and not on_gpu:
        raise ConfigError("training.precision: fp16 needs a GPU (use fp32 or bf16 on CPU)")
    return precision, not on_gpu


def load_dtype(precision: str, adapter: str) -> torch.dtype:
    """Trained weights stay fp32 (mixed precision computes in bf16/fp16); a frozen base under an
    adapter can be loaded in the compute type to halve its memory."""
    if adapter != "none" and precision in ("bf16", "fp16"):
        return torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.float32


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
