"""Whether a `checkpoint-N/` folder can be resumed from, and if not, why (docs/training.md).

Two kinds are resumable:
- tandem's own: `tandem_complete.json`, written after every file was fsynced, lists each file
  with its size, and every file must still have exactly that size (cut short or grown is damage);
- a stock Hugging Face Trainer checkpoint (no marker): with no sizes to compare, each torch
  archive (`optimizer.pt`, `scheduler.pt`, `*.bin`, `*.pth`) must have the zip directory that
  torch writes at its very end, so a file cut short is caught; `scheduler.pt` must be there.
tandem's marker also carries each file's SHA-256, taken at the save after the fsync: bit rot that
keeps a file's size is caught by `checkpoint_damage`, which reads every byte (so it is asked of the
checkpoint about to be resumed from, not of every one at start-up).
For both, `trainer_state.json` parses, the optimizer state and the weights are there, and every
safetensors header opens and covers its file.
"""

from __future__ import annotations

import hashlib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from safetensors import safe_open

from tandem.fileio.atomic_files import read_json

MARKER = "tandem_complete.json"
TRAINER_STATE = "trainer_state.json"
OPTIMIZER = "optimizer.pt"
SCHEDULER = "scheduler.pt"
WEIGHT_NAMES = ("model.safetensors", "adapter_model.safetensors", "pytorch_model.bin", "adapter_model.bin",
                "model.safetensors.index.json", "pytorch_model.bin.index.json")
TORCH_ARCHIVES = ("*.pt", "*.pth", "*.bin")
HASH_CHUNK = 1 << 24
HASH_THREADS = 8


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checkpoint_damage(folder: Path) -> str | None:
    """The first file of a tandem checkpoint whose bytes no longer match the SHA-256 taken at its
    save, in a few words; None when all match (or the checkpoint has no checksums: stock, or saved
    before tandem took them)."""
    marker = read_json(folder / MARKER)
    sums = marker.get("sha256") if isinstance(marker, dict) else None
    if not isinstance(sums, dict):
        return None
    names = sorted(sums)
    # Files side by side (hashlib and reads let go of the GIL): a sharded checkpoint takes about as
    # long as its largest file.
    with ThreadPoolExecutor(max_workers=max(1, min(HASH_THREADS, len(names)))) as pool:
        actual = list(pool.map(_sha256_or_error, (folder / name for name in names)))
    for name, found in zip(names, actual, strict=True):
        if isinstance(found, OSError):
            return f"{name} cannot be read ({found.strerror or found})"
        if found != sums[name]:
            return f"{name} does not match the SHA-256 taken when it was saved (same size, other bytes: bit rot?)"
    return None


def _sha256_or_error(path: Path) -> str | OSError:
    try:
        return file_sha256(path)
    except OSError as exc:
        return exc


def checkpoint_problem(folder: Path) -> str | None:
    """What makes `folder` unusable for a resume, in a few words; None when it is complete."""
    if not folder.is_dir():
        return "not a folder"
    problem = _marker_problem(folder) if (folder / MARKER).exists() else _stock_problem(folder)
    return problem or _shared_problem(folder)


def is_stock(folder: Path) -> bool:
    """A checkpoint written by a plain `Trainer`, without tandem's marker."""
    return not (folder / MARKER).exists()


def _marker_problem(folder: Path) -> str | None:
    marker = read_json(folder / MARKER)
    if not isinstance(marker, dict) or not isinstance(marker.get("files"), dict):
        return f"{MARKER} does not parse"
    for name, size in marker["files"].items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        actual = path.stat().st_size
        if actual != size:
            return f"{name} has {actual} bytes, {size} were written"
    return None


def _stock_problem(folder: Path) -> str | None:
    if not (folder / SCHEDULER).is_file():
        return f"{SCHEDULER} is missing"
    for pattern in TORCH_ARCHIVES:
        for archive in sorted(folder.glob(pattern)):
            try:
                with zipfile.ZipFile(archive):
                    pass
            except (zipfile.BadZipFile, OSError):
                return f"{archive.name} is cut short or damaged (not a whole torch archive)"
    return None


def _shared_problem(folder: Path) -> str | None:
    state = read_json(folder / TRAINER_STATE)
    if not isinstance(state, dict) or not isinstance(state.get("global_step"), int):
        return f"{TRAINER_STATE} is missing or does not parse"
    if not (folder / OPTIMIZER).is_file():
        return f"{OPTIMIZER} is missing"
    if not any((folder / name).is_file() for name in WEIGHT_NAMES):
        return "no model weights"
    for index_name in WEIGHT_NAMES[-2:]:
        if not (folder / index_name).is_file():
            continue
        index = read_json(folder / index_name)
        if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
            return f"{index_name} does not parse"
        for shard in sorted(set(map(str, index["weight_map"].values()))):
            if not (folder / shard).is_file():
                return f"{shard} (listed in {index_name}) is missing"
    for weights in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(weights), framework="pt") as handle:
                handle.keys()
        except Exception as exc:  # safetensors raises its own error type for any damage
            return f"{weights.name} is damaged ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
    return None
