"""`configs/parallel.yaml`: which processes the supervisor runs and the policies around them.

The supervisor knows nothing of training or crawling: a process is an argv list with
placeholders, an optional progress regex and extra environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tandem.config import load_config


def parse_cpu_list(text: str) -> list[int]:
    """`0-3,8` → [0, 1, 2, 3, 8], the notation of taskset and /sys/devices/system/cpu."""
    cpus: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"expected auto, all or a CPU list like 0-3,8, got {text!r}")
        low, high = int(first), int(last or first)
        if high < low:
            raise ValueError(f"range {part!r} runs backwards")
        cpus.update(range(low, high + 1))
    return sorted(cpus)


@dataclass
class ResourceSettings:
    """How much of the machine one process may use; applied by the supervisor at every start and
    inherited by the process's own children (DataLoader workers, torchrun ranks)."""

    cpus: str = field(default="auto", metadata={"help": (
        "CPUs the process may run on: `auto` (the supervisor splits the machine's CPUs between "
        "the processes by `cpu_share` when there are at least 2 CPUs per process, and leaves "
        "every process on all CPUs on a smaller machine), `all`, or a list such as `0-3,8`.")})
    cpu_share: float = field(default=1.0, metadata={"help": (
        "This process's weight when `cpus: auto` splits the CPUs (train 3 and crawl 1 on 8 "
        "CPUs: 6 and 2). Every process gets at least one CPU.")})
    threads: int | Literal["auto"] | None = field(default="auto", metadata={"help": (
        "Threads for its math libraries (OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS, "
        "RAYON_NUM_THREADS; torch reads OMP_NUM_THREADS): `auto` is as many as the CPUs it may "
        "use, a number sets it, null leaves the environment alone. `env` wins over this.")})
    nice: int = field(default=0, metadata={"help": (
        "Scheduling priority from -20 (first) to 19 (last); a higher value yields the CPU to the "
        "other process when both want it. 0 keeps the supervisor's own level; below 0 needs root "
        "(CAP_SYS_NICE).")})

    def __post_init__(self) -> None:
        if self.cpus not in ("auto", "all"):
            try:
                parse_cpu_list(self.cpus)
            except ValueError as exc:
                raise ValueError(f"cpus: {exc}") from None
        if self.cpu_share <= 0:
            raise ValueError("cpu_share: must be more than 0")
        if self.threads is not None and self.threads != "auto" and self.threads < 1:
            raise ValueError("threads: must be at least 1, auto or null")
        if not -20 <= self.nice <= 19:
            raise ValueError("nice: must be between -20 and 19")


@dataclass
class ProcessSpec:
    command: list[str]
    # A regex with named groups `done` (and optionally `total`) matched against the child's log,
    # for scripts that do not write the status file.
    progress_pattern: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    resources: ResourceSettings = field(default_factory=ResourceSettings)

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
