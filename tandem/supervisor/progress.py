"""How far each child has got: its status file (CONTRACT §4), or a regex over its log.

Reads stay small however much a child writes: the log is only ever read from where the last
read stopped, and at most the last `TAIL_BYTES` of that, so a 200 MB flood costs no memory.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import read_json
from tandem.fileio.jsonl import append_jsonl

TAIL_BYTES = 64 * 1024


class ProgressReader:
    def __init__(self, status_file: Path, log_file: Path, pattern: str | None) -> None:
        self.status_file = status_file
        self.log_file = log_file
        self.pattern = re.compile(pattern) if pattern else None
        self._log_offset = 0
        self._status_mtime: int | None = None
        self.latest: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        """The newest progress (None until the child reports any); cheap when nothing changed."""
        status = self._read_status_file()
        if status is not None:
            self.latest = status
        elif self.pattern is not None:
            matched = self._read_pattern()
            if matched is not None:
                self.latest = matched
        return self.latest

    def _read_status_file(self) -> dict[str, Any] | None:
        try:
            mtime = os.stat(self.status_file).st_mtime_ns
        except FileNotFoundError:
            return None
        if mtime == self._status_mtime:
            return None
        data = read_json(self.status_file)
        if not isinstance(data, dict):
            return None  # a foreign or half-written file: keep the last good progress
        self._status_mtime = mtime
        return {
            "done": _number(data.get("done")),
            "total": _number(data.get("total")),
            "unit": str(data.get("unit") or ""),
            "metrics": data.get("metrics") if isinstance(data.get("metrics"), dict) else {},
            "message": str(data.get("message") or ""),
        }

    def _read_pattern(self) -> dict[str, Any] | None:
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
        groups = matches[-1].groupdict()
        return {
            "done": _number(groups.get("done")),
            "total": _number(groups.get("total")),
            "unit": "",
            "metrics": {},
            "message": "",
        }


class ProgressHistory:
    """`progress.jsonl`: one line each time a process's progress changes, for the report's plots
    (foreign scripts included, whose progress only the supervisor sees)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last: dict[str, str] = {}

    def append(self, name: str, progress: dict[str, Any], elapsed_s: float) -> None:
        key = json.dumps([progress.get("done"), progress.get("total"), progress.get("metrics")],
                         sort_keys=True, default=str)
        if self._last.get(name) == key:
            return
        self._last[name] = key
        line = {"t": datetime.now().astimezone().isoformat(timespec="milliseconds"),
                "elapsed_s": round(elapsed_s, 3), "process": name, "done": progress.get("done"),
                "total": progress.get("total"), "unit": progress.get("unit"),
                "metrics": progress.get("metrics")}
        append_jsonl(self.path, line)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        text = str(value).replace(",", "")
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return None
