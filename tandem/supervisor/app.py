"""One supervised run from flags to exit status: check everything, then start, loop, report.

Every check that can fail on bad input happens before anything is written or started, so a
mistake costs one line and exit 2 and leaves earlier runs untouched (CONTRACT §6).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.config import ConfigError, save_resolved
from tandem.settings import ParallelConfig, ProcessSpec, load_parallel_config
from tandem.supervisor.eventlog import EventLog
from tandem.supervisor.lock import AlreadyRunning, SupervisorLock
from tandem.supervisor.manager import ChildPlan, LoopOptions, Supervisor
from tandem.supervisor.printer import ProgressDisplay
from tandem.supervisor.process import InvokeProcessFactory, ProcessFactory
from tandem.supervisor.record import RunRecord, new_run_id
from tandem.supervisor.recovery import recover_run, report_recovered_run, unfinished_runs
from tandem.supervisor.resources import (
    ResourceError,
    ResourcePlan,
    available_cpus,
    can_pin,
    format_cpu_list,
    plan_resources,
)

SUPERVISOR_LOG = "parallel_train_crawl.log"
LOCK_FILE = ".tandem.lock"
STOP_SIGNALS = [s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"))
                if s is not None]


@dataclass
class SupervisorRequest:
    """What a task asked for: which config, which of its processes, and the flag values."""

    config_path: Path
    kind: str  # "parallel", or the one process run alone ("train", "crawl")
    only: list[str] | None = None
    placeholders: dict[str, str] = field(default_factory=dict)
    auto_resume: bool = True
    web_crawl: bool = True
    # Optional flags that are passed on only when set; an argv item that is exactly the
    # placeholder vanishes otherwise, so a foreign script never sees a flag it does not know.
    switches: dict[str, str | None] = field(default_factory=dict)


class UsageError(Exception):
    """Bad input found before anything started: one line, exit 2."""


def run_supervised(request: SupervisorRequest, factory: ProcessFactory | None = None) -> int:
    try:
        config = load_parallel_config(request.config_path)
        logs_dir = Path(config.logs_dir)
        plans_without_paths = resolve_commands(config, request)
        resources = plan_child_resources(config, request, list(plans_without_paths))
        check_writable(logs_dir)
    except (ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lock = SupervisorLock(logs_dir / LOCK_FILE)
    try:
        lock.acquire(f"{request.kind} started {os.getcwd()}")
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with lock:
        return _run_locked(config, request, plans_without_paths, resources, logs_dir,
                           factory or InvokeProcessFactory())


def _run_locked(config: ParallelConfig, request: SupervisorRequest, commands: dict[str, list[str]],
                resources: dict[str, ResourcePlan], logs_dir: Path, factory: ProcessFactory) -> int:
    runs_dir = logs_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    supervisor_log = logs_dir / SUPERVISOR_LOG
    display = ProgressDisplay(list(commands))
    for leftover in unfinished_runs(runs_dir):
        leftover_events = EventLog(supervisor_log, leftover.stem, display.event)
        recover_run(leftover, config.shutdown.grace_s, "stopped before a new run started", leftover_events)
        report_recovered_run(leftover, leftover_events)
    run_id = new_run_id(runs_dir)
    run_dir = runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    save_resolved(config, run_dir / "parallel.resolved.yaml")
    plans = [
        ChildPlan(
            name=name,
            argv=argv,
            env=child_environment(config.processes[name], name, run_id, run_dir, request, resources[name]),
            log_path=logs_dir / f"{name}_{run_id}.log",
            status_path=run_dir / f"{name}.status.json",
            progress_pattern=config.processes[name].progress_pattern,
            resources=resources[name],
        )
        for name, argv in commands.items()
    ]
    record = RunRecord.create(
        runs_dir, run_id, request.kind,
        {p.name: {"command": p.argv, "log_file": str(p.log_path), "status_file": str(p.status_path),
                  "resources": p.resources.to_json()}
         for p in plans},
        {"config_file": str(request.config_path), "auto_resume": request.auto_resume,
         "web_crawl": request.web_crawl, "supervisor_log": str(supervisor_log),
         "run_dir": str(run_dir)},
    )
    events = EventLog(supervisor_log, run_id, display.event)
    events(f"{request.kind} run {run_id} started: {', '.join(commands)} "
           f"(auto-resume {'on' if request.auto_resume else 'off'}, record {record.path})")
    events("resources: " + "; ".join(f"{p.name} {p.resources.describe()}" for p in plans)
           + f" (of CPUs {format_cpu_list(available_cpus())})")
    if not can_pin() and any(config.processes[p.name].resources.cpus not in ("auto", "all") for p in plans):
        events("resources: this system cannot pin processes to CPUs; the cpus lists are ignored")
    watchdog = start_watchdog(record.path, supervisor_log, config.shutdown.grace_s)
    monitor = make_monitor(config, run_dir, events)
    supervisor = Supervisor(
        plans,
        LoopOptions(config.restart, config.shutdown.grace_s, request.auto_resume, config.progress_interval_s),
        record, events, display, factory, run_dir / "progress.jsonl", monitor,
    )
    previous = {s: signal.signal(s, lambda signum, _frame: supervisor.request_stop(signum)) for s in STOP_SIGNALS}
    try:
        exit_code = supervisor.run()
        if monitor is not None:
            record.data["resources"] = monitor.summary()
            record.save()
        events(f"run {run_id} {record.data['status']} (exit {exit_code})")
        finish_run(config, record, events)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        try:
            watchdog.wait(timeout=5)  # it sees the final record and exits within half a second
        except subprocess.TimeoutExpired:
            watchdog.kill()
    return exit_code


def resolve_commands(config: ParallelConfig, request: SupervisorRequest) -> dict[str, list[str]]:
    names = request.only or [n for n, spec in config.processes.items() if spec.enabled]
    source = str(request.config_path)
    missing = [n for n in names if n not in config.processes]
    if missing:
        raise UsageError(f"{source}: processes.{missing[0]}: not defined (defined: "
                         f"{', '.join(config.processes)})")
    if not names:
        raise UsageError(f"{source}: processes: every process is disabled")
    values = {"python": sys.executable, **request.placeholders}
    commands = {}
    for name in names:
        argv: list[str] = []
        for index, item in enumerate(config.processes[name].command):
            key = item[1:-1] if item.startswith("{") and item.endswith("}") else None
            if key is not None and key in request.switches:
                switch = request.switches[key]
                if switch:
                    argv.append(switch)
                continue
            try:
                argv.append(item.format(**values))
            except (KeyError, IndexError, ValueError) as exc:
                raise UsageError(f"{source}: processes.{name}.command[{index}]: unknown placeholder "
                                 f"in {item!r} ({exc}); known: {', '.join(sorted(values))}") from None
        check_program(argv, f"{source}: processes.{name}.command")
        commands[name] = argv
    return commands


def plan_child_resources(config: ParallelConfig, request: SupervisorRequest,
                         names: list[str]) -> dict[str, ResourcePlan]:
    try:
        return plan_resources({n: config.processes[n].resources for n in names}, available_cpus(),
                              pinning=can_pin())
    except ResourceError as exc:
        raise UsageError(f"{request.config_path}: {exc}") from None


def check_program(argv: list[str], where: str) -> None:
    program = argv[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not (Path(program).is_file() and os.access(program, os.X_OK)):
            raise UsageError(f"{where}: program {program!r} does not exist or is not executable")
    elif shutil.which(program) is None:
        raise UsageError(f"{where}: program {program!r} not found on PATH")
    is_python = Path(program).name.lower().startswith("python")
    if is_python and len(argv) > 1 and argv[1].endswith(".py") and not Path(argv[1]).is_file():
        raise UsageError(f"{where}: script {argv[1]!r} does not exist")


def check_writable(logs_dir: Path) -> None:
    try:
        (logs_dir / "runs").mkdir(parents=True, exist_ok=True)
        probe = logs_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{logs_dir}: log folder cannot be written ({exc.strerror or exc})") from None


def child_environment(spec: ProcessSpec, name: str, run_id: str, run_dir: Path,
                      request: SupervisorRequest, resources: ResourcePlan) -> dict[str, str]:
    env = dict(os.environ)
    env.update(resources.environment())
    env.update(spec.env)
    env.update({
        "TANDEM_RUN_ID": run_id,
        "TANDEM_PROCESS": name,
        "TANDEM_STATUS_FILE": str((run_dir / f"{name}.status.json").resolve()),
        "TANDEM_AUTO_RESUME": "1" if request.auto_resume else "0",
        "TANDEM_WEB_CRAWL": "1" if request.web_crawl else "0",
    })
    return env


def start_watchdog(record_path: Path, supervisor_log: Path, grace_s: float) -> subprocess.Popen[bytes]:
    kwargs: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "win32":
        kwargs = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return subprocess.Popen(
        [sys.executable, "-m", "tandem.supervisor.watchdog", "--record", str(record_path),
         "--supervisor-log", str(supervisor_log), "--grace-s", str(grace_s)],
        stdin=subprocess.DEVNULL, **kwargs,
    )


def make_monitor(config: ParallelConfig, run_dir: Path, events: EventLog) -> Any:
    if not config.monitor.enabled:
        return None
    from tandem.monitor import ResourceMonitor

    return ResourceMonitor(config.monitor, run_dir / "resources.jsonl", events)


def finish_run(config: ParallelConfig, record: RunRecord, events: EventLog) -> None:
    """The report and the notification; neither can change the run's exit status."""
    report_path = None
    if config.report.enabled:
        try:
            from tandem.report import summary_line, write_report

            report_path = write_report(record.path, config.report)
            record.data["report"] = str(report_path)
            record.save()
            events(f"report: {report_path}")
            summary = summary_line(record.data)
        except Exception as exc:  # a broken report must not lose the run's status
            events(f"report could not be written: {exc!r}")
            summary = f"tandem run {record.data['run_id']}: {record.data['status']}"
    else:
        summary = f"tandem run {record.data['run_id']}: {record.data['status']}"
    if config.notify.enabled:
        try:
            from tandem.notify import notify

            notify(config.notify, "tandem", summary, report_path, events)
        except Exception as exc:
            events(f"notification failed: {exc!r}")
