"""Files that a run keeps writing, read by the dashboard at the cost of what changed only: a
`stat` when nothing did, the appended bytes of a JSON-lines file, the end of a log."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from tandem.fileio.log_tail import tail_lines

T = TypeVar("T")
MAX_POINTS = 500  # per series: a loss curve of days still draws from a few kilobytes
LOG_TAIL_BYTES = 16 * 1024


def _signature(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class Cached(Generic[T]):
    """`load(path)` again only when the file's inode, size or mtime changed."""

    def __init__(self, load: Callable[[Path], T], empty: T) -> None:
        self._load, self._empty = load, empty
        self._key: tuple[Path, tuple[int, int, int] | None] | None = None
        self._value = empty

    def get(self, path: Path | None) -> T:
        if path is None:
            return self._empty
        key = (path, _signature(path))
        if key != self._key:
            self._key = key
            self._value = self._load(path) if key[1] is not None else self._empty
        return self._value


def log_tail(lines: int) -> Cached[list[str]]:
    return Cached(lambda path: tail_lines(path, lines, LOG_TAIL_BYTES), [])


class Series:
    """Columns of numbers (x first), thinned to every other point whenever they grow past
    `max_points`, so that memory and the page's payload stay bounded however long the run."""

    def __init__(self, columns: list[str], max_points: int = MAX_POINTS) -> None:
        self.columns = columns
        self.max_points = max_points
        self.clear()

    def clear(self) -> None:
        self._rows: list[tuple[float | None, ...]] = []
        self._stride = 1  # keep every stride-th point that arrives
        self._seen = 0
        self._latest: tuple[float | None, ...] | None = None  # arrived after the last kept point

    def add(self, row: tuple[float | None, ...]) -> None:
        self._seen += 1
        self._latest = row
        if (self._seen - 1) % self._stride == 0:
            self._rows.append(row)
            self._latest = None
            if len(self._rows) > self.max_points:
                self._rows = self._rows[::2]
                self._stride *= 2

    def to_json(self) -> dict[str, list[float | None]]:
        rows = self._rows if self._latest is None else [*self._rows, self._latest]  # the newest point, always
        return {name: [row[i] for row in rows] for i, name in enumerate(self.columns)}

    def __len__(self) -> int:
        return len(self._rows)


class JsonlFollower:
    """The objects appended to a JSON-lines file since the last call; starts over when the file
    was replaced or cut (the trainer trims `metrics.jsonl` on resume)."""

    def __init__(self, on_item: Callable[[dict[str, Any]], None], on_reset: Callable[[], None]) -> None:
        self._on_item, self._on_reset = on_item, on_reset
        self._path: Path | None = None
        self._inode: int | None = None
        self._offset = 0
        self._partial = b""

    def follow(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self._restart()
        if path is None:
            return
        try:
            stat = os.stat(path)
        except OSError:
            return
        if stat.st_ino != self._inode or stat.st_size < self._offset:
            self._restart()
            self._inode = stat.st_ino
        if stat.st_size == self._offset:
            return
        try:
            with open(path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read(stat.st_size - self._offset)
        except OSError:
            return
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            try:
                item = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a torn or foreign line
            if isinstance(item, dict):
                self._on_item(item)

    def _restart(self) -> None:
        self._inode, self._offset, self._partial = None, 0, b""
        self._on_reset()


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)
