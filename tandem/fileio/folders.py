"""Folder helpers shared by the crawl and the trainer (which never import each other)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


def move_contents_aside(folder: Path, now: datetime | None = None) -> Path | None:
    """Move everything inside `folder` to a timestamped sibling and leave `folder` empty.

    `--no-auto-resume` starts afresh without deleting anything and without changing the path
    that other processes read: the folder itself stays where it is. Returns the sibling, or
    None when there was nothing to move.
    """
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        folder.mkdir(parents=True, exist_ok=True)
        return None
    target = _unused_name(folder, "prev", now)
    target.mkdir(parents=True)
    for entry in sorted(folder.iterdir()):
        os.replace(entry, target / entry.name)
    return target


def describe_set_aside(moved: Path) -> str:
    """`moved` as a fresh start's line says it, with every earlier output set aside beside it:
    the kit never deletes them, so the user is told what they add up to and how to let them go."""
    moved = Path(moved)
    name, _, _ = moved.name.rpartition(".prev-")
    earlier = sorted(moved.parent.glob(f"{name}.prev-*")) if name else [moved]
    if len(earlier) <= 1:
        return str(moved)
    size = sum(tree_size(path) for path in earlier)
    return (f"{moved} ({len(earlier)} earlier outputs are set aside there, {size / 1e6:,.0f} MB in all; "
            f"the kit never deletes them: remove {moved.parent / name}.prev-* when you no longer need them)")


def move_aside(path: Path, label: str, into: Path | None = None, now: datetime | None = None) -> Path:
    """Rename `path` to `NAME.LABEL-YYYYmmdd_HHMMSS` (in `into`, default its own folder) instead of
    deleting it: what a run did not write itself is never removed, only set aside."""
    path = Path(path)
    target = _unused_name((into or path.parent) / path.name, label, now)
    os.replace(path, target)
    return target


def tree_size(path: Path) -> int:
    """Bytes in the files under `path` (0 for what vanished meanwhile)."""
    total = 0
    for entry in path.rglob("*") if path.is_dir() else [path]:
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except OSError:
            pass
    return total


def _unused_name(path: Path, label: str, now: datetime | None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    suffix = 1
    while target.exists():
        suffix += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{suffix}")
    return target


def unwritable_reason(folder: Path) -> str | None:
    """Why `folder` could not be created or written, or None when it could; nothing is made.
    A check before a run starts: the folder need not exist yet, its nearest existing parent
    must be a folder this process may write in."""
    probe = Path(folder).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} cannot be written"
    return None
