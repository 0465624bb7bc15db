"""Checkpoints that count only when complete.

`Trainer` writes `checkpoint-N/` in place with `trainer_state.json` last and no fsync, and
`get_last_checkpoint` takes the highest number without looking inside, so a kill during a save
makes every later resume crash. Here a checkpoint is written under `.staging/`, fsynced, given
the data position and a marker listing every file's size, and only then renamed to
`checkpoint-N/`. Resume takes the newest checkpoint that passes `is_complete`; anything else is
removed at start-up. Rotation (`save_total_limit`) runs after the rename, so a failed save (a
full disk) never costs the previous complete checkpoint.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from safetensors import safe_open

from tandem.fileio.atomic_files import atomic_write_json, fsync_dir, read_json

log = logging.getLogger(__name__)

STAGING = ".staging"
MARKER = "tandem_complete.json"
DATA_STATE = "data_state.json"
TRAINER_STATE = "trainer_state.json"
CHECKPOINT_RE = re.compile(r"checkpoint-(\d+)")
WEIGHT_NAMES = ("model.safetensors", "adapter_model.safetensors", "pytorch_model.bin", "adapter_model.bin",
                "model.safetensors.index.json", "pytorch_model.bin.index.json")


def checkpoint_step(path: Path) -> int | None:
    match = CHECKPOINT_RE.fullmatch(path.name)
    return int(match.group(1)) if match else None


def list_checkpoints(output_dir: Path) -> list[Path]:
    """`checkpoint-N` folders, oldest step first."""
    if not output_dir.is_dir():
        return []
    found = [p for p in output_dir.iterdir() if p.is_dir() and checkpoint_step(p) is not None]
    return sorted(found, key=lambda p: checkpoint_step(p) or 0)


def is_complete(folder: Path) -> bool:
    """The marker is there and every file it lists has its size; the trainer state parses, the
    optimizer state and the weights are there, and safetensors headers open."""
    marker = read_json(folder / MARKER)
    if not isinstance(marker, dict) or not isinstance(marker.get("files"), dict):
        return False
    for name, size in marker["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    if not isinstance(read_json(folder / TRAINER_STATE), dict) or not (folder / "optimizer.pt").is_file():
        return False
    if not any((folder / name).is_file() for name in WEIGHT_NAMES):
        return False
    try:
        for weights in folder.glob("*.safetensors"):
            with safe_open(str(weights), framework="pt") as handle:
                handle.keys()
    except Exception:  # any unreadable header means the file is damaged
        return False
    return True


def newest_complete(output_dir: Path) -> Path | None:
    for folder in reversed(list_checkpoints(output_dir)):
        if is_complete(folder):
            return folder
    return None


def remove_incomplete(output_dir: Path) -> list[Path]:
    """Delete half-written checkpoints (and the staging area) so that none is ever resumed from."""
    removed = [p for p in list_checkpoints(output_dir) if not is_complete(p)]
    staging = output_dir / STAGING
    if staging.exists():
        removed.append(staging)
    for folder in removed:
        log.warning("removing incomplete checkpoint %s", folder)
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def read_data_state(checkpoint: Path) -> dict[str, Any] | None:
    state = read_json(checkpoint / DATA_STATE)
    return state if isinstance(state, dict) else None


def publish(staged: Path, target: Path, data_state: dict[str, Any]) -> None:
    """Make a fully written `staged` folder the complete checkpoint `target`."""
    atomic_write_json(staged / DATA_STATE, data_state)
    files = {}
    for path in sorted(staged.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            files[str(path.relative_to(staged))] = path.stat().st_size
    fsync_dir(staged)
    atomic_write_json(staged / MARKER, {"step": checkpoint_step(target), "files": files})
    if target.exists():  # left by an earlier attempt past the step we resumed from
        shutil.rmtree(target)
    os.replace(staged, target)
    fsync_dir(target.parent)
    _drop_if_empty(staged.parent)


def rotate(output_dir: Path, keep: int | None, protected: tuple[Path, ...] = ()) -> list[Path]:
    """Keep the newest `keep` complete checkpoints and the `protected` ones; older ones go."""
    if keep is None:
        return []
    complete = [p for p in list_checkpoints(output_dir) if (p / MARKER).is_file()]
    old = [p for p in (complete[:-keep] if len(complete) > keep else []) if p not in protected]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    return old


def publish_folder(staged: Path, target: Path) -> None:
    """Replace `target` (e.g. `final/`) with `staged` so that it is never half old, half new."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(staged, target)
    fsync_dir(target.parent)
    shutil.rmtree(retired, ignore_errors=True)
    _drop_if_empty(staged.parent)


def _drop_if_empty(staging: Path) -> None:
    if staging.name == STAGING:
        try:
            staging.rmdir()
        except OSError:  # not empty: another rank's or a later save's files
            pass
