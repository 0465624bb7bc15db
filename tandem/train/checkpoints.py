"""Checkpoints that count only when complete.

`Trainer` writes `checkpoint-N/` in place with `trainer_state.json` last and no fsync, and
`get_last_checkpoint` takes the highest number without looking inside, so a kill during a save
makes every later resume crash. Here a checkpoint is written under `.staging/`, fsynced, given
the data position and a marker listing every file's size, and only then renamed to
`checkpoint-N/`; each file's SHA-256 is then added to the marker beside the training
(`ChecksumsBeside`: bench/bench_checksums.py measures why not on the save's path). Resume takes
the newest checkpoint that `checkpoint_check` finds complete (a stock Hugging Face checkpoint
counts too). Anything else found at start-up was not written by
this run: it is moved aside with a timestamp, never deleted; so is the newest complete checkpoint
when a file no longer matches its checksum (`newest_verified`), and the next one is resumed.
Rotation (`save_total_limit`) runs after the rename, so a failed save (a full disk) never costs
the previous complete checkpoint.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json, fsync_dir, read_json
from tandem.fileio.folders import move_aside, tree_size
from tandem.train.checkpoint_check import MARKER, checkpoint_damage, checkpoint_problem, file_sha256

log = logging.getLogger(__name__)

STAGING = ".staging"
DATA_STATE = "data_state.json"
CHECKPOINT_RE = re.compile(r"checkpoint-(\d+)")


@dataclass(frozen=True)
class SetAside:
    """Something found at start-up that cannot be resumed from, and where it went."""

    found: Path
    moved_to: Path
    reason: str


def checkpoint_step(path: Path) -> int | None:
    match = CHECKPOINT_RE.fullmatch(path.name)
    return int(match.group(1)) if match else None


def list_checkpoints(output_dir: Path) -> list[Path]:
    """`checkpoint-N` folders, oldest step first."""
    if not output_dir.is_dir():
        return []
    found = [p for p in output_dir.iterdir() if p.is_dir() and checkpoint_step(p) is not None]
    return sorted(found, key=lambda p: checkpoint_step(p) or 0)


def can_resume_from(folder: Path) -> bool:
    """A whole checkpoint, training can resume from it (`checkpoint_problem` finds nothing wrong)."""
    return checkpoint_problem(folder) is None


def newest_complete(output_dir: Path) -> Path | None:
    for folder in reversed(list_checkpoints(output_dir)):
        if can_resume_from(folder):
            return folder
    return None


def newest_verified(output_dir: Path, now: datetime | None = None) -> Path | None:
    """The newest complete checkpoint whose files still match their checksums. One that does not
    is moved aside to `NAME.damaged-STAMP` (never deleted), said, and the next one is tried."""
    while (checkpoint := newest_complete(output_dir)) is not None:
        damage = checkpoint_damage(checkpoint)
        if damage is None:
            return checkpoint
        target = move_aside(checkpoint, "damaged", into=output_dir, now=now)
        log.warning("%s cannot be resumed from (%s): moved aside to %s; resuming from the next complete "
                    "checkpoint", checkpoint.name, damage, target)
    return None


def set_aside_incomplete(output_dir: Path, now: datetime | None = None) -> list[SetAside]:
    """Move every `checkpoint-N` that cannot be resumed from, and every save that never finished
    (`.staging/`), to `NAME.incomplete-STAMP` in `output_dir`, so that none is resumed from and
    nothing is lost; each move is logged with its reason and size."""
    found = [(p, problem) for p in list_checkpoints(output_dir) if (problem := checkpoint_problem(p))]
    staging = output_dir / STAGING
    if staging.is_dir():
        found += [(p, "a save that never finished") for p in sorted(staging.iterdir())]
    moved = []
    for path, reason in found:
        size = tree_size(path)
        target = move_aside(path, "incomplete", into=output_dir, now=now)
        moved.append(SetAside(path, target, reason))
        log.warning("%s cannot be resumed from (%s): moved aside to %s (%.1f MB; delete it once you no "
                    "longer need it)", path.relative_to(output_dir), reason, target, size / 1e6)
    _drop_if_empty(staging)
    return moved


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
    if target.exists():  # left by an earlier attempt past the step we resumed from: not ours to delete
        log.warning("%s already exists: moved aside to %s", target, move_aside(target, "replaced"))
    os.replace(staged, target)
    fsync_dir(target.parent)
    _drop_if_empty(staged.parent)


def add_checksums(checkpoint: Path) -> bool:
    """Add each file's SHA-256 to a published checkpoint's marker (the bytes read back after the
    fsync). Run beside the training, off the save's path (see `ChecksumsBeside`): until it is
    done the checkpoint is checked by sizes only. False when the checkpoint went meanwhile
    (rotated away) or its marker is not tandem's."""
    marker = read_json(checkpoint / MARKER)
    if not isinstance(marker, dict) or not isinstance(marker.get("files"), dict):
        return False
    try:
        sums = {name: file_sha256(checkpoint / name) for name in sorted(marker["files"])}
        if not (checkpoint / MARKER).is_file():
            return False
        atomic_write_json(checkpoint / MARKER, {**marker, "sha256": sums})
    except OSError:
        return False
    return True


class ChecksumsBeside:
    """Hashes each new checkpoint in a thread while the training goes on (hashlib and file reads
    let go of the GIL), one checkpoint at a time. The thread is not a daemon: the process waits
    for it before it exits, and a kill meanwhile only leaves that checkpoint without checksums."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self, checkpoint: Path) -> None:
        self.wait()
        self._thread = threading.Thread(target=add_checksums, args=(checkpoint,), name="checkpoint-sha256")
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None


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


def discard_staged(staged: Path) -> None:
    """Remove this run's own half-written `.staging/NAME` (after a failed save: on a full disk
    this gives the space back)."""
    shutil.rmtree(staged, ignore_errors=True)
    _drop_if_empty(staged.parent)


def _drop_if_empty(staging: Path) -> None:
    if staging.name == STAGING:
        try:
            staging.rmdir()
        except OSError:  # not empty: another rank's or a later save's files
            pass
