"""`configs/training_config.yaml`: the trainer's typed configuration (CONTRACT §8 keys).

YAML gives the values, `scripts/train.py` flags override them, and `tandem.config.load_config`
turns a wrong key or value into one line naming the file and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tandem.config import ConfigError, build, load_config, read_yaml_mapping
from tandem.train.so8t_compat import from_so8t, is_so8t_shape

Adapter = Literal["none", "lora", "so8"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
Device = Literal["auto", "cpu", "cuda"]
Launcher = Literal["python", "torchrun", "accelerate"]


@dataclass
class ModelInit:
    """A small Qwen2 to train from scratch (offline); `vocab_size` sizes the trained tokenizer."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int | None = None
    intermediate_size: int | None = None  # default: 4 × hidden_size
    vocab_size: int = 2000

    def __post_init__(self) -> None:
        if min(self.hidden_size, self.num_hidden_layers, self.num_attention_heads) < 1:
            raise ValueError("hidden_size: sizes must be at least 1")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError("hidden_size: must be a multiple of num_attention_heads")
        heads = self.num_key_value_heads or self.num_attention_heads
        if self.num_attention_heads % heads:
            raise ValueError("num_key_value_heads: must divide num_attention_heads")
        if self.vocab_size < 300:
            raise ValueError("vocab_size: must be at least 300 (256 bytes plus merges and specials)")


@dataclass
class ModelSettings:
    # A hub id or a local folder (e.g. a downloaded Qwen2.5); or leave it empty and give `init`.
    name_or_path: str | None = None
    init: ModelInit | None = None
    trust_remote_code: bool = False

    def __post_init__(self) -> None:
        if (self.name_or_path is None) == (self.init is None):
            raise ValueError("name_or_path: give exactly one of model.name_or_path or model.init")


@dataclass
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ValueError("r: must be at least 1")


@dataclass
class So8Settings:
    """SO(8): PEFT OFT with 8×8 blocks and the exact Cayley transform (orthogonal, det +1)."""

    # o_proj: the rotation of the attention output, where SO8T placed it.
    target_modules: list[str] = field(default_factory=lambda: ["o_proj"])
    module_dropout: float = 0.0


@dataclass
class DataSettings:
    paths: list[str] = field(default_factory=lambda: ["data/crawl/shards/*.jsonl"])
    text_field: str = "text"
    # Follow a crawl that is still writing shards (CONTRACT §7): wait for `min_samples`, take new
    # shards as they appear, stop waiting when `_COMPLETE` appears beside them.
    follow: bool = False
    min_samples: int = 200
    # Samples the tokenizer is trained on (model.init only); default: min_samples.
    tokenizer_samples: int | None = None
    poll_interval_s: float = 2.0
    # Caught up, crawl still running, no new shard for this long: start another pass over what
    # exists (and keep taking new shards as they come) instead of idling.
    follow_idle_timeout_s: float = 120.0
    # Before training starts, give up waiting for `min_samples` after this long (None: wait on).
    start_timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("paths: name at least one JSONL file or glob")
        if self.min_samples < 1:
            raise ValueError("min_samples: must be at least 1")
        if self.poll_interval_s <= 0 or self.follow_idle_timeout_s <= 0:
            raise ValueError("poll_interval_s: poll and idle times must be more than 0")


@dataclass
class TrainingSettings:
    max_steps: int = 100
    save_steps: int = 50
    save_total_limit: int | None = 3
    seq_len: int = 256
    batch_size: int = 8
    gradient_accumulation_steps: int = 1
    learning_rate: float = 3e-4
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    warmup_steps: int = 0
    lr_scheduler_type: str = "cosine"
    logging_steps: int = 1
    seed: int = 42
    gradient_checkpointing: bool = False
    precision: Precision = "auto"  # auto: bf16 on a GPU that has it, fp16 on older GPUs, fp32 on CPU
    device: Device = "auto"
    report_to: list[str] = field(default_factory=list)  # e.g. ["tensorboard"] when it is installed

    def __post_init__(self) -> None:
        for name in ("max_steps", "save_steps", "seq_len", "batch_size", "gradient_accumulation_steps",
                     "logging_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        if self.save_total_limit is not None and self.save_total_limit < 1:
            raise ValueError("save_total_limit: must be at least 1 (or null for no limit)")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate: must be more than 0")


@dataclass
class DistributedSettings:
    """Passed through to torchrun / accelerate launch when `launcher` is not `python`."""

    nproc_per_node: int = 1
    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None  # host:port of node 0; None with nnodes 1: standalone

    def __post_init__(self) -> None:
        if self.nproc_per_node < 1 or self.nnodes < 1:
            raise ValueError("nproc_per_node: processes and nodes must be at least 1")
        if self.nnodes > 1 and not self.rdzv_endpoint:
            raise ValueError("rdzv_endpoint: needed when nnodes is more than 1")


@dataclass
class TrainConfig:
    model: ModelSettings
    adapter: Adapter = "none"
    lora: LoraSettings = field(default_factory=LoraSettings)
    so8: So8Settings = field(default_factory=So8Settings)
    data: DataSettings = field(default_factory=DataSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    launcher: Launcher = "python"
    distributed: DistributedSettings = field(default_factory=DistributedSettings)
    output_dir: Path = Path("outputs/run")


def load_train_config(path: Path | str | None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """This kit's config, or the original SO8T training config (converted, see so8t_compat)."""
    overrides = overrides or {}
    if path is None:
        return load_config(TrainConfig, None, overrides)
    data = read_yaml_mapping(Path(path))
    if is_so8t_shape(data):
        data = from_so8t(data, str(path), max_steps_flag=overrides.get("training.max_steps") is not None)
    for dotted, value in overrides.items():
        if value is not None:
            *parents, last = dotted.split(".")
            node = data
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ConfigError(f"{path}: {part}: expected a mapping")
            node[last] = value
    return build(TrainConfig, data, str(path))
