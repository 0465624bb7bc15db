"""The supervisor's part of `parallel.yaml`: what each process is and the policies around it.

The supervisor knows nothing of training or crawling: a process is an argv list with
placeholders, an optional progress regex, extra environment and its share of the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tandem.common.typed_config import bounded, check_range
from tandem.monitor.monitor_config import MonitorSettings

DAY_S = 86400.0


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
        "use, a number sets it, null leaves the environment alone. `env` wins over this."),
        **bounded(high=4096, why="threads of one process's math libraries; no machine has that many cores")})
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
        check_range("cpu_share", self.cpu_share, 0, 1000, low_open=True)
        if self.threads is not None and self.threads != "auto" and self.threads < 1:
            raise ValueError("threads: must be at least 1, auto or null")
        if not -20 <= self.nice <= 19:
            raise ValueError("nice: must be between -20 and 19")


@dataclass
class ProcessSpec:
    command: list[str] = field(metadata={"help": (
        "The program and its arguments as an argv list, run without a shell. Placeholders: "
        "{python} (the running interpreter), {train_config}, {crawl_config}, {crawl_target}, "
        "{crawl_workers}; a value flag that was not given leaves out the item that uses it (and "
        "the option right before it, so `--target {crawl_target}` vanishes and the child's config "
        "decides). An item that is exactly {no_web_crawl}, {no_auto_resume}, {train_set} or "
        "{crawl_set} becomes those flags when they were given and disappears otherwise; "
        "{no_auto_resume} only at the run's first start, since a restart always resumes.")})
    preflight: list[str] | None = field(default=None, metadata={"help": (
        "A check run before anything starts, as an argv list with the same placeholders as "
        "`command` (the kit's scripts: the same command with `--check`). Every process's check "
        "runs side by side; exit 0 lets the run start, any other exit stops it with exit 2 and "
        "the check's last line of output, before any process starts or anything is written.")})
    requires: list[str] = field(default_factory=list, metadata={"help": (
        "Processes this one needs, e.g. [crawl] for a trainer that reads the crawl's shards. When "
        "one of them has failed for good, this process is told through the file named by "
        "$TANDEM_UPSTREAM_FILE (docs/child-protocol.md), is not restarted after it exits, and is "
        "stopped if it still runs `requires_grace_s` later. A required process that is not part "
        "of the run (`invoke train` alone) is not waited for.")})
    requires_grace_s: float | None = field(default=60.0, metadata={"help": (
        "Seconds this process may go on after it was told that a process it requires failed; "
        "then it gets SIGTERM (and SIGKILL after shutdown.grace_s). null: it ends on its own, "
        "for a script that reacts to $TANDEM_UPSTREAM_FILE (the kit's trainer trains on what has "
        "arrived, or exits at once when nothing has).")})
    progress_pattern: str | None = field(default=None, metadata={"help": (
        "For scripts that do not write $TANDEM_STATUS_FILE: a regex with named groups `done` "
        "(and optionally `total`) matched against the process's log, e.g. "
        "'step (?P<done>\\d+)/(?P<total>\\d+)'.")})
    env: dict[str, str] = field(default_factory=dict, metadata={"help": (
        "Extra environment variables for this process (string values), on top of the "
        "supervisor's own; the TANDEM_* variables are always set by the supervisor.")})
    enabled: bool = field(default=True, metadata={"help": (
        "false leaves the process out of `invoke parallel`; `invoke train` or `invoke crawl` "
        "still runs it by name.")})
    resources: ResourceSettings = field(default_factory=ResourceSettings, metadata={"help": (
        "How much of the machine this process may use: CPUs, math-library threads, priority.")})
    no_restart_exit_codes: list[int] = field(default_factory=lambda: [2], metadata={"help": (
        "Exit codes that mean \"do not retry\" (systemd's RestartPreventExitStatus): the "
        "process counts as failed at once instead of being restarted. 2 is the kit's bad "
        "usage or config, which a restart cannot mend; [] restarts on every non-zero exit.")})

    def __post_init__(self) -> None:
        if not self.command:
            raise ValueError("command: must name a program to run")
        for code in self.no_restart_exit_codes:
            check_range("no_restart_exit_codes", code, 1, 255)
        if self.preflight is not None and not self.preflight:
            raise ValueError("preflight: must name a program to run (or leave the key out)")
        if self.requires_grace_s is not None and self.requires_grace_s < 0:
            raise ValueError("requires_grace_s: must be 0 or more (or null)")
        if self.progress_pattern is not None:
            try:
                compiled = re.compile(self.progress_pattern)
            except re.error as exc:
                raise ValueError(f"progress_pattern: not a valid regex ({exc})") from None
            if "done" not in compiled.groupindex:
                raise ValueError("progress_pattern: needs a named group (?P<done>…)")


@dataclass
class RestartPolicy:
    max_restarts: int = field(default=3, metadata={"help": (
        "Restarts in a row after crashes before a process counts as failed; a healthy run ends "
        "the streak: one that lasted `min_uptime_s` or longer and made progress (its status "
        "`done` passed its best so far, or its `metrics.checkpoint` changed; a process that "
        "reports no figures is judged by its uptime alone). 0: never restart.")})
    backoff_s: float = field(default=5.0, metadata={"help": (
        "Seconds before the first restart; the wait doubles with each further crash in a row.")})
    backoff_max_s: float = field(default=300.0, metadata={"help": (
        "Longest wait before a restart, in seconds.")})
    min_uptime_s: float = field(default=10.0, metadata={"help": (
        "A run shorter than this many seconds is a failed start; a longer one that made "
        "progress is healthy and resets the restart streak.")})
    max_restarts_total: int | None = field(default=100, metadata={"help": (
        "Restarts of one process in the whole run, healthy or not, after which it counts as "
        "failed; null: no limit.")})
    max_restarts_per_window: int | None = field(default=10, metadata={"help": (
        "More restarts than this within `window_s` seconds and the process counts as failed, "
        "however healthy each run was (systemd's StartLimitBurst); null: no limit.")})
    window_s: float = field(default=600.0, metadata={"help": (
        "The window of `max_restarts_per_window`, in seconds (systemd's StartLimitIntervalSec).")})

    def __post_init__(self) -> None:
        check_range("max_restarts", self.max_restarts, 0, 10_000)
        check_range("backoff_s", self.backoff_s, 0, DAY_S)
        check_range("backoff_max_s", self.backoff_max_s, self.backoff_s, DAY_S)
        check_range("min_uptime_s", self.min_uptime_s, 0, 7 * DAY_S)
        if self.max_restarts_total is not None:
            check_range("max_restarts_total", self.max_restarts_total, 0, 1_000_000)
        if self.max_restarts_per_window is not None:
            check_range("max_restarts_per_window", self.max_restarts_per_window, 1, 1_000_000)
        check_range("window_s", self.window_s, 0, 7 * DAY_S, low_open=True)


@dataclass
class ShutdownPolicy:
    grace_s: float = field(default=30.0, metadata={"help": (
        "On Ctrl-C, SIGTERM or SIGHUP each process group gets SIGTERM, and whatever is left this "
        "many seconds later is killed. Leave the trainer time to save its checkpoint.")})

    def __post_init__(self) -> None:
        check_range("grace_s", self.grace_s, 0, 3600)


@dataclass
class SupervisorSettings:
    """The supervisor's keys of `parallel.yaml` (the file as a whole adds `report` and `notify`,
    which the supervisor never reads)."""

    processes: dict[str, ProcessSpec] = field(metadata={"help": (
        "The processes to run side by side, by name (letters, digits, - and _): `train` and "
        "`crawl`, or your own scripts.")})
    restart: RestartPolicy = field(default_factory=RestartPolicy, metadata={"help": (
        "What happens when a process crashes: restarts with a doubling wait, told to resume.")})
    shutdown: ShutdownPolicy = field(default_factory=ShutdownPolicy, metadata={"help": (
        "How the processes are stopped.")})
    monitor: MonitorSettings = field(default_factory=MonitorSettings, metadata={"help": (
        "Resource samples per process and low disk or memory warnings.")})
    logs_dir: str = field(default="logs", metadata={"help": (
        "Folder of the process logs, the supervisor's log and the run records (`runs/`).")})
    progress_interval_s: float = field(default=1.0, metadata={"help": (
        "Seconds between reads of each process's progress (status file or progress_pattern) "
        "and refreshes of the progress display.")})

    def __post_init__(self) -> None:
        if not self.processes:
            raise ValueError("processes: name at least one process")
        check_range("progress_interval_s", self.progress_interval_s, 0, 3600, low_open=True)
        for name, spec in self.processes.items():
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise ValueError(f"processes.{name}: names may use letters, digits, '-' and '_' only")
            for index, required in enumerate(spec.requires):
                if required == name or required not in self.processes:
                    why = "a process cannot require itself" if required == name else (
                        f"no such process (defined: {', '.join(self.processes)})")
                    raise ValueError(f"processes.{name}.requires[{index}]: {required!r}: {why}")
