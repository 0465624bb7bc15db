"""What checkpoint checksums cost: SHA-256 of every file against the time to save and load it.

Two checkpoints of a 7B model, written the way the trainer writes them (`torch.save` of bf16 /
fp32 tensors, then `checkpoints.publish`: fsync of every file, the marker, the rename):
- LoRA (r=16 on every linear layer, ~40 M parameters): `adapter_model.bin` 80 MB (bf16) and
  `optimizer.pt` 320 MB (Adam's two fp32 moments);
- full: 14 GB of bf16 weights (plus an optimizer 4x that, not written here). Too big for a
  benchmark on a shared disk: `--full-gb` (default 1) of it is written and every figure is
  also given per GB; hashing, writing and reading are linear in the size, so the ratios hold.

Measured side by side in one run, for each:
- save: torch.save + publish (the trainer's save path, what a step waits for);
- on the save's path: what the trainer adds to it, `ChecksumsBeside.start` (a thread start);
- beside the training: `add_checksums` run in this thread (SHA-256 of the bytes read back
  after the fsync, from the page cache), as a share of the save: the CPU time on another core;
- load: `torch.load` of the files, against `checkpoint_damage` (the verify before a resume).

Run: PYTHONPATH=$PWD .venv/bin/python bench/bench_checksums.py [--full-gb 1] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from tandem.train.checkpoint_check import checkpoint_damage
from tandem.train.checkpoints import ChecksumsBeside, add_checksums, publish

MB = 1_000_000
LORA_FILES = {"adapter_model.bin": (80 * MB, torch.bfloat16), "optimizer.pt": (320 * MB, torch.float32)}


def tensors(nbytes: int, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """Weights-like tensors of about `nbytes`, in 64 MB pieces (as a state dict holds many)."""
    size = torch.tensor([], dtype=dtype).element_size()
    piece = 64 * MB // size
    count, rest = divmod(nbytes // size, piece)
    parts = {f"layer.{n}": torch.randn(piece).to(dtype) for n in range(count)}
    if rest:
        parts["tail"] = torch.randn(rest).to(dtype)
    return parts


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(root: Path, files: dict[str, tuple[int, torch.dtype]]) -> dict[str, float]:
    contents = {name: tensors(nbytes, dtype) for name, (nbytes, dtype) in files.items()}
    staged, target = root / ".staging" / "checkpoint-1", root / "checkpoint-1"

    def save() -> None:
        staged.mkdir(parents=True)
        for name, state in contents.items():
            torch.save(state, staged / name)
        publish(staged, target, {"bench": True})

    figures = {"save": timed(save)}
    beside = ChecksumsBeside()
    figures["on_path"] = timed(lambda: beside.start(target))
    beside.wait()
    figures["hash"] = timed(lambda: add_checksums(target))
    figures["load"] = timed(lambda: [torch.load(target / name, weights_only=True) for name in files])
    figures["verify"] = timed(lambda: checkpoint_damage(target))
    assert checkpoint_damage(target) is None
    shutil.rmtree(target)
    figures["gb"] = sum(nbytes for nbytes, _ in files.values()) / 1e9
    return figures


def report(label: str, runs: list[dict[str, float]]) -> None:
    f = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    gb = f["gb"]
    print(f"{label}: {gb:.2f} GB, median of {len(runs)}")
    print(f"  save (torch.save + fsync + marker)  {f['save']:8.2f} s  {f['save'] / gb:6.2f} s/GB")
    print(f"  added to the save's path            {f['on_path'] * 1000:8.2f} ms  ratio {f['on_path'] / f['save']:.4%}")
    print(f"  SHA-256 beside the training         {f['hash']:8.2f} s  {f['hash'] / gb:6.2f} s/GB"
          f"  ratio to the save {f['hash'] / f['save']:.1%}")
    print(f"  load (torch.load)                   {f['load']:8.2f} s  {f['load'] / gb:6.2f} s/GB")
    print(f"  verify before resuming (SHA-256)    {f['verify']:8.2f} s  {f['verify'] / gb:6.2f} s/GB"
          f"  ratio to the load {f['verify'] / f['load']:.1%}  to the save {f['verify'] / f['save']:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-gb", type=float, default=1.0, help="GB of the full 7B checkpoint's 14 GB to write")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temporary folder)")
    args = parser.parse_args()
    torch.manual_seed(0)
    full = {"pytorch_model.bin": (int(args.full_gb * 1e9), torch.bfloat16)}
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for label, files in (("7B LoRA checkpoint (adapter + optimizer)", LORA_FILES),
                             (f"7B full checkpoint, {args.full_gb:g} GB of its 14 GB of weights", full)):
            report(label, [measure(Path(folder), files) for _ in range(args.repeat)])
    print("the save waits only for the thread start; the hashing runs beside the training on another core, and "
          "the verify before a resume reads each file once more before torch loads it (from the page cache)")


if __name__ == "__main__":
    main()
