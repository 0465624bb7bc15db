"""`scripts/merge_adapter.py`: an adapter (a checkpoint or final/) merged into its base, saved as
one full-precision model that loads without PEFT.

The base is loaded unquantised in `--dtype` even when it was trained in 4 or 8 bits (QLoRA):
the adapter's update is added to the original weights, as QLoRA's authors and PEFT do it.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from tandem.common.script_main import OneLineArgumentParser
from tandem.common.typed_config import ConfigError
from tandem.contracts.exit_codes import EXIT_OK
from tandem.fileio.atomic_files import read_json

log = logging.getLogger("tandem.merge")
DTYPES = ("fp32", "bf16", "fp16")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description="Merge a trained adapter into its base "
                                   "model and save the result in full precision.")
    parser.add_argument("adapter", type=Path, help="a folder with adapter_config.json: output_dir/final or a "
                        "checkpoint-N")
    parser.add_argument("output", type=Path, help="where the merged model goes (must not exist)")
    parser.add_argument("--base", help="the base model folder or hub id (default: the adapter's "
                        "base_model_name_or_path)")
    parser.add_argument("--dtype", choices=DTYPES, default="fp32", help="type of the merged weights "
                        "(default: fp32)")
    return parser.parse_args(argv)


def merge(adapter: Path, output: Path, base: str | None = None, dtype: str = "fp32") -> Path:
    import torch
    from peft import PeftModel

    from tandem.train.model import load_pretrained, load_tokenizer

    settings = read_json(adapter / "adapter_config.json")
    if not isinstance(settings, dict):
        raise ConfigError(f"{adapter}: no adapter_config.json (not an adapter folder)")
    base = base or settings.get("base_model_name_or_path")
    if not isinstance(base, str) or not base:
        raise ConfigError(f"{adapter}: adapter_config.json names no base model; give --base")
    if output.exists():
        raise ConfigError(f"{output}: exists already; name a new folder")
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
    model = PeftModel.from_pretrained(load_pretrained(base, False, dtype=torch_dtype), str(adapter))
    merged = model.merge_and_unload()
    staged = output.with_name(f".{output.name}.tmp")
    shutil.rmtree(staged, ignore_errors=True)
    merged.save_pretrained(staged)
    tokenizer_source = str(adapter) if (adapter / "tokenizer_config.json").is_file() else base
    load_tokenizer(tokenizer_source).save_pretrained(staged)
    staged.rename(output)
    return output


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")
    merged = merge(args.adapter, args.output, args.base, args.dtype)
    log.info("merged %s into its base: %s (%s)", args.adapter, merged, args.dtype)
    return EXIT_OK
