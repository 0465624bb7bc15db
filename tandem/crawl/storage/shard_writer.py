"""Writing the JSONL shards (docs/shards.md): a shard appears under its final name only when complete.

Each shard is written to `.shard-NNNNNN.jsonl.<random>.tmp` (a name readers' `*.jsonl` globs skip),
fsynced, renamed, and the folder fsynced. The committed shards are the record of truth for what
the crawl kept: on resume they are read back to count the kept samples, refill the dedup index
and mark their URLs done, so a crash between the rename and the frontier's commit loses nothing
and repeats nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.contracts.shards import committed_shards, shard_path
from tandem.fileio.atomic_files import atomic_write_text


def remove_partial_shards(folder: Path) -> int:
    """Delete temp files a killed writer left behind; they were never visible as shards."""
    removed = 0
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.name.startswith(".shard-") and entry.name.endswith(".tmp"):
                entry.unlink()
                removed += 1
    return removed


@dataclass
class PendingRecord:
    record: dict[str, Any]
    url_id: int | None  # the frontier entry to mark done once the shard is committed


@dataclass
class ShardWriter:
    """Buffers kept records and commits them as numbered shards."""

    folder: Path
    shard_size: int
    next_number: int = 1
    pending: list[PendingRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        existing = committed_shards(self.folder)
        if existing:
            self.next_number = max(self.next_number, existing[-1][0] + 1)

    def add(self, record: dict[str, Any], url_id: int | None) -> None:
        self.pending.append(PendingRecord(record, url_id))

    @property
    def full(self) -> bool:
        return len(self.pending) >= self.shard_size

    def commit(self) -> tuple[int, list[PendingRecord]] | None:
        """Write the pending records as the next shard; (number, records) or None if empty."""
        if not self.pending:
            return None
        number, records = self.next_number, self.pending
        payload = "".join(json.dumps(p.record, ensure_ascii=False) + "\n" for p in records)
        # Written as `.shard-NNNNNN.jsonl.<random>.tmp`, fsynced, renamed, folder fsynced.
        atomic_write_text(shard_path(self.folder, number), payload)
        self.next_number += 1
        self.pending = []
        return number, records
