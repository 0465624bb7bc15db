"""JSON-lines files that grow for days and may end in a line cut short by a kill -9.

One reader for all of them (metrics.jsonl, progress.jsonl, resources.jsonl): streamed, so a
large file costs no memory, and a torn or foreign line is skipped rather than fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tandem.fileio.disk_errors import naming


def read_jsonl(path: Path | None) -> Iterator[dict[str, Any]]:
    """The JSON objects of the file, in order; nothing for a missing file."""
    if path is None:
        return
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(item, dict):
                    yield item
    except OSError:
        return


def json_line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, default=str) + "\n"


def append_jsonl(path: Path, item: dict[str, Any]) -> None:
    """Add one line; a single write, so a concurrent reader sees the line whole or not at all."""
    with naming(path), open(path, "a", encoding="utf-8") as handle:
        handle.write(json_line(item))
