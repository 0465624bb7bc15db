"""`configs/parallel.yaml`: which processes the supervisor runs and the policies around them.

The supervisor knows nothing of training or crawling: a process is an argv list with
placeholders, an optional progress regex and extra environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.config import load_config


@dataclass
class ProcessSpec:
    command: list[str]
    # A regex with named groups `done` (and optionally `total`) matched against the child's log,
    # for scripts that do not write the status file.
    progress_pattern: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.command:
            raise ValueError("command: must name a program to run")
        if self.progress_pattern is not None:
            try:
                compiled = re.compile(self.progress_pattern)
            except re.error as exc:
                raise ValueError(f"progress_pattern: not a valid regex ({exc})") from None
            if "done" not in compiled.groupindex:
                raise ValueError("progress_pattern: needs a named group (?P<done>…)")


@dataclass
class RestartPolicy:
    max_restarts: int = 3
    backoff_s: float = 5.0
    backoff_max_s: float = 300.0
    min_uptime_s: float = 10.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ValueError("max_restarts: must be 0 or more")
        if self.backoff_s < 0 or self.backoff_max_s < self.backoff_s:
            raise ValueError("backoff_max_s: must be at least backoff_s, both 0 or more")
        if self.min_uptime_s < 0:
            raise ValueError("min_uptime_s: must be 0 or more")


@dataclass
class ShutdownPolicy:
    grace_s: float = 30.0

    def __post_init__(self) -> None:
        if self.grace_s < 0:
            raise ValueError("grace_s: must be 0 or more")


@dataclass
class MonitorSettings:
    enabled: bool = True
    interval_s: float = 5.0
    # Warn in the supervisor log below these (a full disk mid-run is how checkpoints get lost).
    min_free_disk_gb: float = 5.0
    min_free_memory_gb: float = 1.0
    watch_paths: list[str] = field(default_factory=lambda: ["data", "outputs", "logs"])
    gpu: bool = True

    def __post_init__(self) -> None:
        if self.interval_s <= 0:
            raise ValueError("interval_s: must be more than 0")


@dataclass
class NotifySettings:
    enabled: bool = True
    sound: str | None = None  # a WAV file; None: the kit's own chime
    play_sound: bool = True
    desktop: bool = True
    webhook: str | None = None  # Slack/Discord-compatible URL; or set webhook_env
    webhook_env: str = "TANDEM_WEBHOOK_URL"
    webhook_timeout_s: float = 10.0
    player_timeout_s: float = 15.0


@dataclass
class ReportSettings:
    enabled: bool = True
    docs_dir: str = "_docs"
    plots: bool = True
    log_tail_lines: int = 30


@dataclass
class ParallelConfig:
    processes: dict[str, ProcessSpec]
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    shutdown: ShutdownPolicy = field(default_factory=ShutdownPolicy)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    logs_dir: str = "logs"
    progress_interval_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.processes:
            raise ValueError("processes: name at least one process")
        for name in self.processes:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise ValueError(f"processes.{name}: names may use letters, digits, '-' and '_' only")


def load_parallel_config(path: Path | str, overrides: dict[str, Any] | None = None) -> ParallelConfig:
    return load_config(ParallelConfig, path, overrides)
