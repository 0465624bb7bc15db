"""The crawl's output as every reader sees it (docs/shards.md): numbered JSONL shards that
appear under their final name only when complete, and `_COMPLETE` once no more will come.

The crawl writes them (`tandem.crawl.storage.shard_writer`), the trainer reads them
(`tandem.train.shard_source`); neither imports the other, both import this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json, fsync_dir

SHARD_NAME = re.compile(r"^shard-(\d{6})\.jsonl$")
COMPLETE_MARKER = "_COMPLETE"
# The fields of one line of a shard, in the order they are written.
RECORD_FIELDS = ("id", "url", "title", "text", "source", "fetched_at", "chars", "ja_ratio")
# Characters that make a path a glob pattern (for `glob.glob`), for readers that take patterns.
GLOB_MAGIC = frozenset("*?[")


def shard_path(folder: Path, number: int) -> Path:
    return folder / f"shard-{number:06d}.jsonl"


def committed_shards(folder: Path) -> list[tuple[int, Path]]:
    """(number, path) of every complete shard, in order."""
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = SHARD_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


def parse_record(raw: bytes | str) -> dict[str, Any] | None:
    """One line of a shard as its record; None for an empty line or one that is not a JSON object
    in UTF-8 (a reader skips and counts those). Every reader parses a line here."""
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


def read_shard(path: Path | str, start_line: int = 0) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line index, record or None) for every line of one shard from `start_line` on."""
    with open(path, "rb") as handle:
        for index, raw in enumerate(handle):
            if index >= start_line:
                yield index, parse_record(raw)


def read_records(folder: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(shard number, record) for every usable line of every committed shard."""
    for number, path in committed_shards(folder):
        for _, record in read_shard(path):
            if record is not None:
                yield number, record


def write_complete_marker(folder: Path, finish_reason: str, kept: int, target: int) -> None:
    atomic_write_json(
        folder / COMPLETE_MARKER,
        {"finish_reason": finish_reason, "kept": kept, "target": target,
         "finished_at": datetime.now().astimezone().isoformat(timespec="seconds")},
    )


def has_complete_marker(folder: Path) -> bool:
    """The crawl has finished `folder`: its `_COMPLETE` marker is there (no more shards will come)."""
    return (folder / COMPLETE_MARKER).is_file()


def clear_complete_marker(folder: Path) -> None:
    marker = folder / COMPLETE_MARKER
    if marker.exists():
        marker.unlink()
        fsync_dir(folder)
