"""The child side of the child protocol (CONTRACT §4): what a supervised script is told and
how it reports progress. This module is all a child script needs to know about the supervisor.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json

ENV_RUN_ID = "TANDEM_RUN_ID"
ENV_PROCESS = "TANDEM_PROCESS"
ENV_STATUS_FILE = "TANDEM_STATUS_FILE"
ENV_AUTO_RESUME = "TANDEM_AUTO_RESUME"
ENV_WEB_CRAWL = "TANDEM_WEB_CRAWL"


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class ChildEnvironment:
    """What the supervisor told this process through its environment (all optional: a script
    run by hand gets the defaults)."""

    run_id: str | None
    process: str | None
    status_file: Path | None
    auto_resume: bool
    web_crawl: bool

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ChildEnvironment:
        env = os.environ if environ is None else environ
        status = env.get(ENV_STATUS_FILE)
        return cls(
            run_id=env.get(ENV_RUN_ID) or None,
            process=env.get(ENV_PROCESS) or None,
            status_file=Path(status) if status else None,
            auto_resume=_flag(env, ENV_AUTO_RESUME, True),
            web_crawl=_flag(env, ENV_WEB_CRAWL, True),
        )


class StatusReporter:
    """Replaces the status file atomically, at most once per `min_interval_s` unless forced.

    `{"done", "total", "unit", "metrics", "message", "updated_at"}` — the supervisor's progress
    bars, `invoke status` and the report read it. Without a path (run by hand) it does nothing.
    """

    def __init__(
        self,
        path: Path | None,
        unit: str,
        total: int | None = None,
        min_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.unit = unit
        self.total = total
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._last_write: float | None = None
        self.last: dict[str, Any] | None = None

    def update(
        self,
        done: int,
        *,
        total: int | None = None,
        metrics: Mapping[str, Any] | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> bool:
        """Record progress; returns True when the file was written."""
        if total is not None:
            self.total = total
        self.last = {
            "done": done,
            "total": self.total,
            "unit": self.unit,
            "metrics": dict(metrics or {}),
            "message": message or "",
            "updated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        now = self._clock()
        due = self._last_write is None or now - self._last_write >= self.min_interval_s
        if self.path is None or not (due or force):
            return False
        atomic_write_json(self.path, self.last, durable=False)
        self._last_write = now
        return True
