"""The run record (docs/run-record.md): one JSON file per run, `logs/runs/RUN_ID.json`, replaced
atomically at every change of state. The supervisor writes it; `invoke status`, the report, the
notification and the watchdog read it — all through these dataclasses.

Records come from runs that crashed halfway, from older versions, or hand edits: reading never
raises on a missing or odd field, it takes the field's empty value instead. Only a file that is
missing or not a JSON object is a `RecordError`.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tandem.contracts.child_protocol import ChildError, Progress
from tandem.fileio.atomic_files import atomic_write_json

RUN_ID_FORMAT = "%Y%m%d_%H%M%S"


class ProcessState(str, enum.Enum):
    """What the record says of one process (docs/run-record.md); the supervisor's loop, the
    console, `invoke status`, the report and the dashboard all speak of a process in these."""

    PENDING = "pending"
    RUNNING = "running"
    BACKOFF = "backoff"  # crashed; waits to be restarted
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        return self in FINISHED_PROCESS_STATES


# A status read from a record may be any word (an older version, a hand edit): these sets
# answer for it without raising.
FINISHED_PROCESS_STATES = frozenset({ProcessState.SUCCEEDED, ProcessState.FAILED, ProcessState.STOPPED})
ACTIVE_PROCESS_STATES = frozenset({ProcessState.PENDING, ProcessState.RUNNING, ProcessState.BACKOFF})


class RunState(str, enum.Enum):
    """What the record says of the run as a whole (docs/run-record.md)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # stopped by a signal or `invoke stop`: exit 130/143

    def __str__(self) -> str:
        return self.value


class RecordError(Exception):
    """No record to read (one line for the user)."""


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def new_run_id(runs_dir: Path, sleep: Callable[[float], None] = time.sleep) -> str:
    """`YYYYMMDD_HHMMSS`, unique in `runs_dir`: a second run within the same second waits for
    the next one rather than overwrite the first's record and logs."""
    while True:
        run_id = datetime.now().strftime(RUN_ID_FORMAT)
        if not record_path(runs_dir, run_id).exists():
            return run_id
        sleep(0.05)


def record_path(runs_dir: Path, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}.json"


def latest_record_path(runs_dir: Path) -> Path | None:
    """The newest record in `runs_dir` (RUN_IDs are timestamps, so name order is time order)."""
    records = sorted(p for p in Path(runs_dir).glob("*.json") if p.is_file() and not p.name.startswith("."))
    return records[-1] if records else None


def latest_record(runs_dir: Path) -> Path:
    """The newest record's path; RecordError when there is none."""
    path = latest_record_path(Path(runs_dir))
    if path is None:
        raise RecordError(f"{runs_dir}: no run records found (start a run first)")
    return path


# A PID alone is no proof (PIDs are reused): a process is the recorded one only if its create
# time matches too. Every reader that asks "is it still running?" asks it here.
CREATE_TIME_TOLERANCE_S = 0.05


def find_process(pid: int | None, create_time: float | None) -> psutil.Process | None:
    """The live process with this PID *and* create time, else None."""
    if not pid or create_time is None:
        return None
    try:
        proc = psutil.Process(pid)
        if abs(proc.create_time() - create_time) > CREATE_TIME_TOLERANCE_S:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def supervisor_alive(record: RunRecord) -> bool:
    return find_process(record.supervisor_pid, record.supervisor_create_time) is not None


# -- reading odd JSON without raising ------------------------------------------------------------
def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return value


def _str_list(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def format_cpu_list(cpus: Sequence[int]) -> str:
    """[0, 1, 2, 3, 8] → `0-3,8`, the notation of taskset."""
    runs: list[list[int]] = []
    for cpu in sorted(cpus):
        if runs and cpu == runs[-1][-1] + 1:
            runs[-1].append(cpu)
        else:
            runs.append([cpu])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


@dataclass(frozen=True)
class ProcessResources:
    """The share of the machine a process was given (parallel.yaml `resources`)."""

    cpus: tuple[int, ...] | None  # None: not pinned, it runs wherever the supervisor may
    threads: int | None  # None: the thread variables were left alone
    nice: int

    def describe(self) -> str:
        cpus = "all CPUs" if self.cpus is None else f"CPUs {format_cpu_list(self.cpus)}"
        threads = "threads unset" if self.threads is None else f"{self.threads} thread(s)"
        return f"{cpus}, {threads}, nice {self.nice}"

    def to_json(self) -> dict[str, Any]:
        return {"cpus": list(self.cpus) if self.cpus is not None else None, "threads": self.threads,
                "nice": self.nice}

    @classmethod
    def from_json(cls, data: Any) -> ProcessResources | None:
        if not isinstance(data, Mapping):
            return None
        cpus = data.get("cpus")
        pinned = tuple(c for c in cpus if _int(c) is not None) if isinstance(cpus, list) else ()
        return cls(pinned or None, _int(data.get("threads")), _int(data.get("nice")) or 0)


@dataclass
class ProcessError:
    """Why a process failed or was restarted, the last lines of its log then, and the exception
    it wrote to its error file (none from a program that does not write one)."""

    reason: str
    log_tail: list[str] = field(default_factory=list)
    exception: ChildError | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"reason": self.reason, "log_tail": self.log_tail}
        if self.exception is not None:
            data["exception"] = self.exception.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any) -> ProcessError | None:
        if isinstance(data, str) and data:  # older records kept the reason alone
            return cls(data)
        if not isinstance(data, Mapping) or not _str(data.get("reason")):
            return None
        return cls(str(data["reason"]), _str_list(data.get("log_tail")), ChildError.from_json(data.get("exception")))


@dataclass
class Attempt:
    """One start of a process and how it ended."""

    pid: int | None
    started_at: str | None
    ended_at: str | None = None
    exit_code: int | None = None
    uptime_s: float | None = None
    reason: str | None = None
    log_tail: list[str] | None = None  # kept for attempts that failed
    number: int | None = None  # 1 for the first start; counts the attempts left out too
    exception: ChildError | None = None  # what it wrote to its error file as it failed
    # "restart" or "stop" when a request ended it (invoke restart/stop, the dashboard): not a failure.
    requested: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for optional in ("log_tail", "exception", "requested"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Attempt | None:
        if not isinstance(data, Mapping):
            return None
        tail = data.get("log_tail")
        return cls(_int(data.get("pid")), _str(data.get("started_at")), _str(data.get("ended_at")),
                   _int(data.get("exit_code")), _float(data.get("uptime_s")), _str(data.get("reason")),
                   _str_list(tail) if isinstance(tail, list) else None, _int(data.get("number")),
                   ChildError.from_json(data.get("exception")), _str(data.get("requested")))


@dataclass
class ProcessEntry:
    command: list[str]
    log_file: str | None
    status_file: str | None
    status: str = ProcessState.PENDING
    pid: int | None = None
    create_time: float | None = None
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    restarts: int = 0
    resources: ProcessResources | None = None
    error: ProcessError | None = None
    progress: Progress | None = None
    attempts: list[Attempt] = field(default_factory=list)
    # A process restarted hundreds of times keeps its first and last attempts; this many
    # between them were left out of `attempts`.
    attempts_omitted: int = 0
    # Processes it left running when it ended (a daemon), stopped by the supervisor.
    leftovers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command, "pid": self.pid, "create_time": self.create_time,
            "started_at": self.started_at, "ended_at": self.ended_at, "status": self.status,
            "exit_code": self.exit_code, "restarts": self.restarts, "log_file": self.log_file,
            "status_file": self.status_file,
            "resources": self.resources.to_json() if self.resources else None,
            "error": self.error.to_json() if self.error else None,
            "progress": self.progress.to_json() if self.progress else None,
            "attempts": [attempt.to_json() for attempt in self.attempts],
            "attempts_omitted": self.attempts_omitted, "leftovers": self.leftovers,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessEntry:
        attempts = data.get("attempts")
        restarts = _int(data.get("restarts"))
        parsed = [a for a in (Attempt.from_json(item) for item in attempts or []) if a is not None] \
            if isinstance(attempts, list) else []
        return cls(
            command=_str_list(data.get("command")), log_file=_str(data.get("log_file")),
            status_file=_str(data.get("status_file")), status=_str(data.get("status")) or "unknown",
            pid=_int(data.get("pid")), create_time=_float(data.get("create_time")),
            started_at=_str(data.get("started_at")), ended_at=_str(data.get("ended_at")),
            exit_code=_int(data.get("exit_code")),
            restarts=restarts if restarts is not None else max(len(parsed) - 1, 0),
            resources=ProcessResources.from_json(data.get("resources")),
            error=ProcessError.from_json(data.get("error")), progress=Progress.from_json(data.get("progress")),
            attempts=parsed, attempts_omitted=_int(data.get("attempts_omitted")) or 0,
            leftovers=_str_list(data.get("leftovers")),
        )


@dataclass
class RunRecord:
    run_id: str
    kind: str | None = None  # "parallel", or the one process run alone
    started_at: str | None = None
    ended_at: str | None = None
    status: str = RunState.RUNNING
    exit_code: int | None = None
    supervisor_pid: int | None = None
    supervisor_create_time: float | None = None
    cwd: str | None = None
    config_file: str | None = None
    auto_resume: bool | None = None
    supervisor_log: str | None = None
    run_dir: str | None = None
    processes: dict[str, ProcessEntry] = field(default_factory=dict)
    resources: dict[str, Any] | None = None  # the monitor's summary (docs/run-record.md)
    report: str | None = None
    interrupted_reason: str | None = None
    supervisor_error: str | None = None  # the supervisor's own failure, one line (exit 1)
    path: Path | None = field(default=None, compare=False)  # where it is saved; not in the JSON

    @classmethod
    def create(cls, runs_dir: Path, run_id: str, kind: str, processes: dict[str, ProcessEntry],
               **details: Any) -> RunRecord:
        """The record of a run that starts now in this process, saved at once."""
        me = psutil.Process(os.getpid())
        record = cls(run_id=run_id, kind=kind, started_at=now_iso(), supervisor_pid=me.pid,
                     supervisor_create_time=me.create_time(), cwd=str(Path.cwd()), processes=processes,
                     path=record_path(runs_dir, run_id), **details)
        record.save()
        return record

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        """The record at `path`; RecordError when it is missing or not a JSON object."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RecordError(f"{path}: no such run record") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"{path}: not a readable run record ({exc})") from None
        if not isinstance(data, dict):
            raise RecordError(f"{path}: not a run record (expected a JSON object)")
        record = cls.from_json(data)
        record.path = Path(path)
        return record

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        processes = data.get("processes")
        # Older records also have `web_crawl` (a crawl's choice, now a flag in its command): ignored.
        auto_resume = data.get("auto_resume") if isinstance(data.get("auto_resume"), bool) else None
        return cls(
            run_id=_str(data.get("run_id")) or "unknown", kind=_str(data.get("kind")),
            started_at=_str(data.get("started_at")), ended_at=_str(data.get("ended_at")),
            status=_str(data.get("status")) or "unknown", exit_code=_int(data.get("exit_code")),
            supervisor_pid=_int(data.get("supervisor_pid")),
            supervisor_create_time=_float(data.get("supervisor_create_time")), cwd=_str(data.get("cwd")),
            config_file=_str(data.get("config_file")), supervisor_log=_str(data.get("supervisor_log")),
            run_dir=_str(data.get("run_dir")),
            processes={str(name): ProcessEntry.from_json(entry) for name, entry in processes.items()
                       if isinstance(entry, Mapping)} if isinstance(processes, Mapping) else {},
            resources=data["resources"] if isinstance(data.get("resources"), dict) else None,
            report=_str(data.get("report")), interrupted_reason=_str(data.get("interrupted_reason")),
            supervisor_error=_str(data.get("supervisor_error")), auto_resume=auto_resume,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "kind": self.kind, "started_at": self.started_at,
            "ended_at": self.ended_at, "status": self.status, "exit_code": self.exit_code,
            "supervisor_pid": self.supervisor_pid, "supervisor_create_time": self.supervisor_create_time,
            "cwd": self.cwd, "config_file": self.config_file, "auto_resume": self.auto_resume,
            "supervisor_log": self.supervisor_log, "run_dir": self.run_dir,
            "processes": {name: entry.to_json() for name, entry in self.processes.items()},
            "resources": self.resources, "report": self.report,
            **({"interrupted_reason": self.interrupted_reason} if self.interrupted_reason else {}),
            **({"supervisor_error": self.supervisor_error} if self.supervisor_error else {}),
        }

    def save(self) -> None:
        if self.path is None:
            raise RecordError(f"run {self.run_id}: the record has no file to be saved to")
        atomic_write_json(self.path, self.to_json())

    @property
    def finished(self) -> bool:
        return self.status != RunState.RUNNING


def name_report(record_path: Path, report_path: Path) -> None:
    """Name the run's report in its record, so a rebuild rewrites the same file."""
    record = RunRecord.load(record_path)
    if record.report != str(report_path):
        record.report = str(report_path)
        record.save()
