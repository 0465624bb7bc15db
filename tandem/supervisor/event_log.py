"""`logs/parallel_train_crawl.log`: the supervisor's own events, appended across runs.

Each event is one timestamped line written with a single O_APPEND write, so the watchdog and a
supervisor can both append without tearing each other's lines.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.run_record import now_iso


def append_supervisor_log(path: Path, message: str) -> None:
    line = f"{now_iso()} {message}".replace("\n", " ") + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


class EventLog:
    """Events of one run: to the supervisor log file, and to the console through `echo`."""

    def __init__(self, path: Path, run_id: str, echo: Callable[[str], None]) -> None:
        self.path = path
        self.run_id = run_id
        self._echo = echo

    def __call__(self, message: str) -> None:
        append_supervisor_log(self.path, f"[run {self.run_id}] {message}")
        self._echo(message)
