"""How far each child has got: its status file (docs/child-protocol.md), or a regex over its log.

Reads stay small however much a child writes: the log is only ever read from where the last
read stopped, and at most the last `TAIL_BYTES` of that, so a 200 MB flood costs no memory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.child_protocol import Progress, StatusFileRefused, read_status_file
from tandem.fileio.jsonl import append_jsonl
from tandem.supervisor.events import Event, ProgressChanged

TAIL_BYTES = 64 * 1024


class ProgressReader:
    def __init__(self, status_file: Path, log_file: Path, pattern: str | None) -> None:
        self.status_file = status_file
        self.log_file = log_file
        self.pattern = re.compile(pattern) if pattern else None
        self._log_offset = 0
        self._status_mtime: int | None = None
        self.latest: Progress | None = None
        self._refused: str | None = None  # why the thing at the status path is not read
        self.problems: list[str] = []  # each new reason once, for the caller to report


    def read(self) -> Progress | None:
        """The newest progress (None until the child reports any); cheap when nothing changed."""
        status = self._read_status_file()
        if status is not None:
            self.latest = status
        elif self.pattern is not None:
            matched = self._read_pattern()
            if matched is not None:
                self.latest = matched
        return self.latest

    def _read_status_file(self) -> Progress | None:
        try:
            mtime = os.stat(self.status_file).st_mtime_ns
        except FileNotFoundError:
            return None
        if mtime == self._status_mtime:
            return None
        try:
            progress = read_status_file(self.status_file)
        except StatusFileRefused as exc:
            self._status_mtime = mtime  # not read again until it changes
            if str(exc) != self._refused:
                self._refused = str(exc)
                self.problems.append(str(exc))
            return None
        if progress is None:
            return None  # a foreign or half-written file: keep the last good progress
        self._status_mtime = mtime
        self._refused = None
        return progress

    def _read_pattern(self) -> Progress | None:
        assert self.pattern is not None
        try:
            size = os.stat(self.log_file).st_size
        except FileNotFoundError:
            return None
        if size < self._log_offset:  # the file was replaced
            self._log_offset = 0
        if size == self._log_offset:
            return None
        start = max(self._log_offset, size - TAIL_BYTES)
        with open(self.log_file, "rb") as handle:
            handle.seek(start)
            chunk = handle.read(size - start)
        self._log_offset = size
        matches = list(self.pattern.finditer(chunk.decode("utf-8", "replace")))
        if not matches:
            return None
        return Progress.from_json(matches[-1].groupdict())


class ProgressHistory:
    """`progress.jsonl`: one line each time a process's figures change, for the report's plots
    (foreign scripts included, whose progress only the supervisor sees). Subscribes to the
    event queue; `elapsed_s` counts from the start of the loop."""

    def __init__(self, path: Path, elapsed_s: Callable[[], float]) -> None:
        self.path = path
        self._elapsed_s = elapsed_s
        self._last: dict[str, tuple[object, ...]] = {}

    def __call__(self, event: Event) -> None:
        if not isinstance(event, ProgressChanged):
            return
        progress = event.progress
        key = (progress.done, progress.total, progress.metrics)
        if self._last.get(event.name) == key:
            return  # only the message changed
        self._last[event.name] = key
        append_jsonl(self.path, {"t": event.at, "elapsed_s": round(self._elapsed_s(), 3), "process": event.name,
                                 "done": progress.done, "total": progress.total, "unit": progress.unit,
                                 "metrics": progress.metrics})
