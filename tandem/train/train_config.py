"""`configs/training_config.yaml`: the trainer's typed configuration (keys users rely on: docs/training.md).

YAML gives the values, `scripts/train.py` flags override them, and `tandem.common.typed_config.load_config`
turns a wrong key or value into one line naming the file and key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

import yaml

from tandem.common.overrides import Override, apply_overrides
from tandem.common.typed_config import bounded, read_yaml_mapping
from tandem.train.so8t_compat import from_so8t, is_so8t_shape

Adapter = Literal["none", "lora", "so8"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
Device = Literal["auto", "cpu", "cuda"]
Launcher = Literal["python", "torchrun", "accelerate"]
RdzvBackend = Literal["c10d", "static", "etcd", "etcd-v2"]
# report_to integrations and the modules transformers writes through (either one will do).
REPORT_PACKAGES = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",)}
Attention = Literal["auto", "eager", "sdpa", "flash_attention_2"]
ComputeDtype = Literal["auto", "bf16", "fp16", "fp32"]
JAPANESE_PROMPTS = ["日本の首都は", "昔々、あるところに", "今日はいい天気なので"]


@dataclass
class ModelInit:
    """A small Qwen2 to train from scratch (offline); `vocab_size` sizes the trained tokenizer."""

    hidden_size: int = field(default=64, metadata={"help": (
        "Width of the model (a multiple of num_attention_heads).")})
    num_hidden_layers: int = field(default=2, metadata={"help": "Number of transformer layers."})
    num_attention_heads: int = field(default=4, metadata={"help": "Attention heads per layer."})
    num_key_value_heads: int | None = field(default=None, metadata={"help": (
        "Key/value heads for grouped-query attention; must divide num_attention_heads. "
        "null: as many as num_attention_heads.")})
    intermediate_size: int | None = field(default=None, metadata={"help": (
        "Width of the MLP; null: 4 × hidden_size.")})
    vocab_size: int = field(default=2000, metadata={"help": (
        "Tokens of the byte-level BPE trained on the first samples (at least 300).")})

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
class QuantizationSettings:
    """Load the frozen base quantised (QLoRA): transformers' BitsAndBytesConfig, bitsandbytes
    kernels on CUDA and on the CPU. Only an adapter trains on a quantised base."""

    bits: Literal[4, 8] = field(default=4, metadata={"help": (
        "4: 4-bit weights (QLoRA, about 0.55 byte per weight with double quantisation). 8: "
        "LLM.int8() weights (about 1 byte per weight).")})
    quant_type: Literal["nf4", "fp4"] = field(default="nf4", metadata={"help": (
        "4-bit data type: nf4 (NormalFloat, what QLoRA uses) or fp4.")})
    double_quant: bool = field(default=True, metadata={"help": (
        "4-bit: quantise the quantisation constants too (saves about 0.4 bit per weight).")})
    compute_dtype: ComputeDtype = field(default="auto", metadata={"help": (
        "The type 4-bit weights are dequantised to for each matmul. auto: bf16 on a GPU that has "
        "it, fp16 on older GPUs, fp32 on the CPU.")})


@dataclass
class ModelSettings:
    name_or_path: str | None = field(default=None, metadata={"help": (
        "The causal LM to train: a local folder (e.g. a downloaded Qwen2.5) or a Hugging Face hub "
        "id, downloaded or taken from the cache. Give exactly one of this and `init`.")})
    init: ModelInit | None = field(default=None, metadata={"help": (
        "Instead of name_or_path: build a small Qwen2 from scratch, offline, with its own "
        "tokenizer trained on the first samples.")})
    trust_remote_code: bool = field(default=False, metadata={"help": (
        "Let transformers run the model's own Python code from its folder or hub repository. "
        "Only for models you trust that need it.")})
    quantization: QuantizationSettings | None = field(default=None, metadata={"help": (
        "Load the base in 4 or 8 bits (QLoRA) and train an adapter on top; null: full or half "
        "precision (training.precision). Needs `adapter: lora` or `so8`. Checkpoints hold the "
        "adapter and optimizer only; `scripts/merge_adapter.py` writes a full-precision model.")})
    attention: Attention = field(default="auto", metadata={"help": (
        "Attention kernel: auto takes flash_attention_2 when the flash-attn package and a CUDA "
        "GPU are there, else sdpa (PyTorch's fused attention); eager is the plain reference.")})

    def __post_init__(self) -> None:
        if (self.name_or_path is None) == (self.init is None):
            raise ValueError("name_or_path: give exactly one of model.name_or_path or model.init")


@dataclass
class LoraSettings:
    r: int = field(default=16, metadata={"help": (
        "Rank of the LoRA update matrices (used with `adapter: lora`); higher trains more parameters.")})
    alpha: int = field(default=32, metadata={"help": (
        "LoRA scaling: the update is multiplied by alpha / r.")})
    dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch's input."})
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"], metadata={"help": (
            "Names of the linear layers that get a LoRA adapter (Qwen2's attention projections "
            "by default).")})

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ValueError("r: must be at least 1")


@dataclass
class So8Settings:
    """SO(8): PEFT OFT with 8×8 blocks and the exact Cayley transform (orthogonal, det +1)."""

    target_modules: list[str] = field(default_factory=lambda: ["o_proj"], metadata={"help": (
        "Linear layers that get SO(8) rotations of their input (used with `adapter: so8`); each "
        "needs an input width that is a multiple of 8. o_proj rotates the attention output, "
        "where SO8T placed it.")})
    module_dropout: float = field(default=0.0, metadata={"help": (
        "Probability that a rotation block is set to the identity in a training step (PEFT OFT's "
        "module_dropout); 0 keeps every block.")})


@dataclass
class MixSource:
    """One named source of `data.mix`: a folder of shards (the live crawl's, or a base corpus
    prepared as shards by `invoke crawl --no-web-crawl`, see docs/training.md)."""

    paths: list[str] = field(default_factory=list, metadata={"help": (
        "Globs of the source's JSONL shards, e.g. [data/base/shards/*.jsonl].")})
    weight: float = field(default=1.0, metadata={"help": (
        "Share of the samples drawn from this source, relative to the other sources' weights.")})

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("paths: name at least one JSONL file or glob")
        if self.weight <= 0:
            raise ValueError("weight: must be more than 0")


@dataclass
class DataSettings:
    paths: list[str] = field(default_factory=lambda: ["data/crawl/shards/*.jsonl"], metadata={"help": (
        "Globs of JSONL files; each line's `text_field` is one sample. Samples are packed into "
        "blocks of training.seq_len tokens.")})
    text_field: str = field(default="text", metadata={"help": (
        "The JSON field of each line that holds the text.")})
    follow: bool = field(default=False, metadata={"help": (
        "Follow a crawl that is still writing shards: start once `min_samples` exist, take each "
        "new shard as it is completed, wait when caught up, and stop waiting when `_COMPLETE` "
        "appears beside the shards.")})
    min_samples: int = field(default=200, metadata={"help": (
        "Samples that must exist before training starts.")})
    tokenizer_samples: int | None = field(default=None, metadata={"help": (
        "Samples the tokenizer is trained on (model.init only); null: min_samples.")})
    poll_interval_s: float = field(default=2.0, metadata={"help": (
        "Seconds between looks for new shards while following.")})
    follow_idle_timeout_s: float = field(default=120.0, metadata={"help": (
        "Caught up, crawl still running, no new shard for this many seconds: start another pass "
        "over the shards there are (new ones are still taken as they come) instead of idling.")})
    start_timeout_s: float | None = field(default=None, metadata={"help": (
        "Seconds to wait for `min_samples` before training starts, then give up; null: wait on.")})
    shuffle_window: int = field(default=100, metadata={"help": (
        "Samples held in a seeded shuffle window (per source): samples are read in the crawl's "
        "order into it, and each one trained on is drawn from it at random, so that a batch is "
        "not one site's pages. Drawing starts once the window is full (or no more data will "
        "come). The window is part of the checkpoint, so a resume draws exactly as the "
        "uninterrupted run would. 1: no shuffling.")})
    max_per_host_per_window: int | None = field(default=None, metadata={"help": (
        "At most this many of every `shuffle_window` samples drawn in a row from one host (the "
        "host of each line's `url`), where the window holds samples of other hosts; null: no cap.")})
    max_passes: int | None = field(default=4, metadata={"help": (
        "Times a sample may be read (passes over the shards). Caught up with a running crawl and "
        "with the budget used, the trainer waits for new shards (status \"waiting for data — pass "
        "budget used\") instead of starting another pass; once no more will come, training ends "
        "when the last pass is used up, before max_steps. Up to ~4 passes are nearly as good as "
        "fresh data (Muennighoff et al. 2023, \"Scaling Data-Constrained Language Models\"). "
        "null: no limit.")})
    mix: dict[str, MixSource] = field(default_factory=dict, metadata={"help": (
        "Named sources drawn by weight, e.g. {crawl: {paths: [data/crawl/shards/*.jsonl], weight: "
        "3}, base: {paths: [data/base/shards/*.jsonl], weight: 1}}: a fine-tune that replays a "
        "base corpus. Each source is read, shuffled and budgeted on its own; the draws are seeded "
        "and resume exactly; tokens drawn per source are in the metrics. When set, `paths` is "
        "not read. {}: one source, `paths`, named crawl.")})

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("paths: name at least one JSONL file or glob")
        if self.min_samples < 1:
            raise ValueError("min_samples: must be at least 1")
        if self.shuffle_window < 1:
            raise ValueError("shuffle_window: must be at least 1")
        if self.max_per_host_per_window is not None and self.max_per_host_per_window < 1:
            raise ValueError("max_per_host_per_window: must be at least 1 (or null)")
        if self.max_passes is not None and self.max_passes < 1:
            raise ValueError("max_passes: must be at least 1 (or null)")

    def sources(self) -> dict[str, tuple[list[str], float]]:
        """{name: (globs, weight)}: the mix, or `paths` as the one source named crawl."""
        if not self.mix:
            return {"crawl": (list(self.paths), 1.0)}
        return {name: (list(source.paths), source.weight) for name, source in self.mix.items()}

    def all_paths(self) -> list[str]:
        return [pattern for paths, _ in self.sources().values() for pattern in paths]
        if self.poll_interval_s <= 0 or self.follow_idle_timeout_s <= 0:
            raise ValueError("poll_interval_s: poll and idle times must be more than 0")


@dataclass
class TrainingSettings:
    max_steps: int = field(default=100, metadata={"help": (
        "Optimizer steps to train; `--max-steps` overrides. The data is read in further passes "
        "until this many steps are done.")})
    save_steps: int = field(default=50, metadata={"help": (
        "Steps between checkpoints. A checkpoint counts only once complete; resume takes the "
        "newest complete one.")})
    save_total_limit: int | None = field(default=3, metadata={"help": (
        "Complete checkpoints kept (older ones are deleted after a new one is in place); "
        "null: keep all.")})
    seq_len: int = field(default=256, metadata={"help": (
        "Tokens per packed training block (texts joined with EOS).")})
    batch_size: int = field(default=8, metadata={"help": "Blocks per device per step."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": (
        "Batches added up before each optimizer step; tokens per step = batch_size × this × "
        "seq_len × processes.")})
    learning_rate: float = field(default=3e-4, metadata={"help": "Peak learning rate."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm."})
    warmup_steps: int = field(default=0, metadata={"help": (
        "Steps of linear learning-rate warm-up from 0.")})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": (
        "A transformers scheduler name: linear, cosine, constant, constant_with_warmup and others.")})
    logging_steps: int = field(default=1, metadata={"help": (
        "Steps between metrics.jsonl lines and log lines (loss, learning rate, tokens/s).")})
    seed: int = field(default=42, metadata={"help": "Random seed (weights of model.init, dropout)."})
    gradient_checkpointing: bool = field(default=False, metadata={"help": (
        "Recompute activations in the backward pass: less memory for a longer seq_len or a "
        "bigger batch, at the cost of speed.")})
    precision: Precision = field(default="auto", metadata={"help": (
        "auto: bf16 on a GPU that has it, fp16 on older GPUs, fp32 on CPU. fp16 needs a GPU. "
        "With an adapter and bf16/fp16 the frozen base is loaded in that type; trained weights "
        "stay fp32.")})
    device: Device = field(default="auto", metadata={"help": (
        "auto: the GPU when there is one, else the CPU. cuda fails at start when no CUDA GPU is "
        "present.")})
    report_to: list[str] = field(default_factory=list, metadata={"help": (
        "Where transformers also sends the training logs: [tensorboard] (event files in "
        "output_dir/tensorboard/, `tensorboard --logdir` shows them), [wandb] (Weights & Biases in "
        "offline mode, under output_dir/wandb/; `wandb sync` uploads it later), both, or [] / "
        "[none]. Other transformers integration names pass through as they are.")})
    eval_steps: int | None = field(default=None, metadata={"help": (
        "Steps between evaluations on the held-out shards (loss, perplexity, sample answers; see "
        "`eval`); null: every save_steps. The last step is always evaluated.")})
    document_mask: bool = field(default=True, metadata={"help": (
        "Position ids restart at every text inside a packed block, so attention never crosses "
        "from one text into the next (transformers builds the block-diagonal mask from them; "
        "flash-attn runs it as variable-length batches). false: plain causal blocks.")})
    torch_compile: bool = field(default=False, metadata={"help": (
        "Compile the model with torch.compile (GPU: faster steps after a slow first one).")})

    def __post_init__(self) -> None:
        for name in ("max_steps", "save_steps", "seq_len", "batch_size", "gradient_accumulation_steps",
                     "logging_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        if self.eval_steps is not None and self.eval_steps < 1:
            raise ValueError("eval_steps: must be at least 1 (or null: every save_steps)")
        if self.save_total_limit is not None and self.save_total_limit < 1:
            raise ValueError("save_total_limit: must be at least 1 (or null for no limit)")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate: must be more than 0")
        if "none" in self.report_to and len(self.report_to) > 1:
            raise ValueError("report_to: none cannot be combined with an integration")
        for integration, modules in REPORT_PACKAGES.items():  # found without importing them
            if integration in self.report_to and not any(find_spec(module) for module in modules):
                raise ValueError(f"report_to: {integration} is not installed (pip install {integration})")


@dataclass
class EvalSettings:
    """The held-out shards and what is measured on them every `training.eval_steps`."""

    holdout_share: float = field(default=0.05, metadata={"help": (
        "Share of the shards held out for evaluation and never trained on, decided per shard as it "
        "first appears (in name order) and kept in output_dir/eval_split.json, so the split stays "
        "the same on every resume and while a followed crawl adds shards. The first shard always "
        "trains; with 0.05 the 11th, 31st, 51st… are held out. 0: no evaluation.")})
    max_blocks: int = field(default=32, metadata={"help": (
        "Packed blocks (of training.seq_len tokens) evaluated: the first ones of the held-out "
        "shards, the same blocks at every evaluation once that many exist.")})
    batch_size: int | None = field(default=None, metadata={"help": (
        "Blocks per evaluation batch; null: training.batch_size.")})
    prompts: list[str] = field(default_factory=lambda: list(JAPANESE_PROMPTS), metadata={"help": (
        "Prompts the model continues at every evaluation and at the end (greedy), written to "
        "metrics.jsonl and shown in the report; [] for none.")})
    max_new_tokens: int = field(default=32, metadata={"help": (
        "Tokens generated per prompt.")})
    paths: list[str] = field(default_factory=list, metadata={"help": (
        "JSONL files (globs) of texts never trained on (their `data.text_field`), scored at every "
        "evaluation as loss per token and bits per UTF-8 byte (NLL in bits / the texts' UTF-8 "
        "bytes: comparable across tokenizers and runs); [] for none. Keep them out of data.paths.")})
    max_texts: int = field(default=500, metadata={"help": (
        "Texts of `paths` scored (the first ones, in file order).")})

    def __post_init__(self) -> None:
        if not 0 <= self.holdout_share <= 0.5:
            raise ValueError("holdout_share: must be between 0 and 0.5")
        if self.max_blocks < 1 or self.max_new_tokens < 1:
            raise ValueError("max_blocks: max_blocks and max_new_tokens must be at least 1")
        if self.max_texts < 1:
            raise ValueError("max_texts: must be at least 1")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError("batch_size: must be at least 1 (or null)")


@dataclass
class DistributedSettings:
    """Passed through to torchrun / accelerate launch when `launcher` is not `python`
    (docs/training.md shows the command on each node, and under Slurm)."""

    nproc_per_node: int = field(default=1, metadata={"help": (
        "Worker processes on this machine, usually one per GPU."),
        **bounded(high=1024, why="one process per GPU; no machine has more")})
    nnodes: int | str = field(default=1, metadata={"help": (
        "Machines taking part: a number, or a range \"MIN:MAX\" (quoted: YAML reads 1:2 unquoted as "
        "the base-60 number 62) for an elastic job that goes on with MIN machines when others are "
        "lost (torchrun only).")})
    node_rank: int = field(default=0, metadata={"help": (
        "This machine's number, 0 to MAX - 1; `--node-rank` overrides. Node 0 is the machine at "
        "rdzv_endpoint: it locks and prepares output_dir; the others wait for it.")})
    rdzv_backend: RdzvBackend = field(default="c10d", metadata={"help": (
        "torchrun's rendezvous: c10d (a store on node 0, needed for nnodes as a range) or static "
        "(fixed machine ranks, no elasticity); etcd and etcd-v2 need an etcd server at rdzv_endpoint.")})
    rdzv_endpoint: str | None = field(default=None, metadata={"help": (
        "host:port of node 0's rendezvous, the same on every machine; `--rdzv-endpoint` overrides. "
        "Needed with more than one machine; null with one machine: standalone.")})
    rdzv_id: str | None = field(default=None, metadata={"help": (
        "A name for this job, the same on every machine (torchrun's --rdzv_id); null: torchrun's "
        "default.")})
    rdzv_conf: dict[str, str | int | float] = field(default_factory=dict, metadata={"help": (
        "Extra rendezvous settings for torchrun's --rdzv_conf, e.g. {join_timeout: 1800, "
        "last_call_timeout: 30} (seconds to wait for all machines, and for more after MIN joined).")})
    max_restarts: int = field(default=0, metadata={"help": (
        "Times torchrun restarts the workers of every machine after one fails or a machine is lost "
        "(each restart resumes from the newest complete checkpoint); 0: the job ends and a new "
        "start resumes.")})

    def __post_init__(self) -> None:
        if self.nproc_per_node < 1:
            raise ValueError("nproc_per_node: must be at least 1")
        low, high = self.node_range
        if self.node_rank < 0 or self.node_rank >= high:
            raise ValueError(f"node_rank: must be 0 to {high - 1}")
        if high > 1 and not self.rdzv_endpoint:
            raise ValueError("rdzv_endpoint: needed when nnodes is more than 1")
        if self.rdzv_endpoint is not None:
            host, _, port = self.rdzv_endpoint.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"rdzv_endpoint: expected host:port, got {self.rdzv_endpoint!r}")
        if self.rdzv_backend == "static" and low != high:
            raise ValueError("rdzv_backend: static needs a fixed nnodes; use c10d for a range")
        if self.max_restarts < 0:
            raise ValueError("max_restarts: must be 0 or more")

    @property
    def node_range(self) -> tuple[int, int]:
        """(MIN, MAX) machines; equal unless `nnodes` is a range."""
        text = str(self.nnodes).strip()
        low, sep, high = text.partition(":")
        if not (low.isdigit() and (high.isdigit() if sep else True)):
            raise ValueError(f"nnodes: expected a number or a range MIN:MAX, got {self.nnodes!r}")
        bounds = (int(low), int(high) if sep else int(low))
        if bounds[0] < 1 or bounds[0] > bounds[1]:
            raise ValueError(f"nnodes: need 1 <= MIN <= MAX, got {self.nnodes!r}")
        return bounds


@dataclass
class TrainConfig:
    model: ModelSettings = field(metadata={"help": (
        "Which model to train: `name_or_path` (your own) or `init` (a small one from scratch).")})
    adapter: Adapter = field(default="none", metadata={"help": (
        "none: every weight trains. lora: PEFT LoRA (see `lora`). so8: SO(8) rotations, PEFT "
        "OFT with 8×8 blocks and the exact Cayley transform, so each block stays orthogonal "
        "with determinant +1 (see `so8`).")})
    lora: LoraSettings = field(default_factory=LoraSettings, metadata={"help": (
        "LoRA settings, used with `adapter: lora`.")})
    so8: So8Settings = field(default_factory=So8Settings, metadata={"help": (
        "SO(8) adapter settings, used with `adapter: so8`.")})
    data: DataSettings = field(default_factory=DataSettings, metadata={"help": (
        "Where the training text comes from, and whether to follow a running crawl.")})
    training: TrainingSettings = field(default_factory=TrainingSettings, metadata={"help": (
        "Steps, checkpoints, batch, optimizer and precision.")})
    launcher: Launcher = field(default="python", metadata={"help": (
        "python: this process trains. torchrun or accelerate: the script re-runs itself under "
        "that launcher with `distributed` (DDP; gloo on CPU).")})
    distributed: DistributedSettings = field(default_factory=DistributedSettings, metadata={"help": (
        "Processes and nodes for `launcher: torchrun | accelerate`.")})
    output_dir: Path = field(default=Path("outputs/run"), metadata={"help": (
        "Where checkpoint-STEP/, metrics.jsonl, final/ and train_config.resolved.yaml go; "
        "`--output-dir` overrides. A resumed run continues here.")})
    eval: EvalSettings = field(default_factory=EvalSettings, metadata={"help": (
        "Held-out shards, evaluation loss and perplexity, and the prompts the model answers.")})

    def __post_init__(self) -> None:
        if self.model.quantization is not None and self.adapter == "none":
            raise ValueError("adapter: a quantised base (model.quantization) trains only through an adapter; "
                             "set adapter: lora or so8")
        low, high = self.distributed.node_range
        if self.launcher == "accelerate" and low != high:
            raise ValueError("distributed.nnodes: a range MIN:MAX needs launcher: torchrun")


def load_train_config(path: Path | str | None,
                      overrides: Sequence[Override] | Mapping[str, Any] | None = None) -> TrainConfig:
    """This kit's config, or the original SO8T training config (converted, see so8t_compat), with
    command-line `overrides` on top (a mapping's None values were not given)."""
    source = str(path) if path is not None else "<defaults>"
    if isinstance(overrides, Mapping):
        overrides = [Override(key, value, f"{source}: {key}") for key, value in overrides.items() if value is not None]
    given = list(overrides or [])
    data = read_yaml_mapping(Path(path)) if path is not None else {}
    if path is not None:
        _keep_nnodes_range_as_written(data, Path(path))
    if path is not None and is_so8t_shape(data):
        data = from_so8t(data, source, max_steps_flag=any(o.key == "training.max_steps" for o in given))
    return apply_overrides(TrainConfig, data, source, given)


def _keep_nnodes_range_as_written(data: dict[str, Any], path: Path) -> None:
    """YAML 1.1 reads an unquoted `nnodes: 1:2` as the base-60 number 62: take the text as written."""
    section = data.get("distributed")
    if not isinstance(section, dict) or not isinstance(section.get("nnodes"), int):
        return
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    raw = _mapping_value(_mapping_value(root, "distributed"), "nnodes")
    if isinstance(raw, yaml.ScalarNode) and ":" in raw.value:
        section["nnodes"] = raw.value


def _mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                return value
    return None
