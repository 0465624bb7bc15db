"""One supervised run from a request to an exit status: check, lock, recover, start, loop, end.

Every check that can fail on bad input happens before anything is written or started, so a
mistake costs one line and exit 2 and leaves earlier runs untouched (docs/exit-codes.md).
What happens around the run — saving the resolved config, the resource monitor, the report and
the notification — comes in through `RunHooks` from the layer above: the supervisor itself never
imports them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from tandem.common.kit_command import kit_command
from tandem.common.process_groups import own_group
from tandem.common.typed_config import ConfigError
from tandem.contracts.run_record import ProcessEntry, ProcessResources, RunRecord, RunState, format_cpu_list, new_run_id
from tandem.fileio.disk_errors import describe_os_error, naming
from tandem.fileio.file_lock import AlreadyLocked, FileLock
from tandem.supervisor.control import ControlChannel
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.events import EventQueue, Notice, RunEnded, RunStarted, SignalReceived
from tandem.supervisor.failsafe import describe_failure, fail_safe
from tandem.supervisor.launch_plan import (
    SupervisorRequest,
    UsageError,
    check_writable,
    child_environment,
    plan_child_resources,
    resolve_commands,
    resolve_preflights,
    upstream_path,
)
from tandem.supervisor.manager import ChildPlan, LoopOptions, Monitor, Supervisor
from tandem.supervisor.preflight import preflight_errors
from tandem.supervisor.process import InvokeProcessFactory, ProcessFactory
from tandem.supervisor.process_tree import ProcessTrees
from tandem.supervisor.progress import ProgressHistory
from tandem.supervisor.progress_display import ProgressDisplay
from tandem.supervisor.record_keeper import RecordKeeper
from tandem.supervisor.recovery import recover_run, unfinished_runs
from tandem.supervisor.resources import available_cpus, can_pin
from tandem.supervisor.stop_signals import RunInterrupted, raise_interrupted, signal_name, stop_signals_call
from tandem.supervisor.subreaper import Orphans
from tandem.supervisor.supervisor_config import SupervisorSettings

SUPERVISOR_LOG = "parallel_train_crawl.log"
LOCK_FILE = ".tandem.lock"


class RunHooks(Protocol):
    """What the layer above adds to a run; each hook's failure is its own, never the run's."""

    def run_created(self, run_dir: Path) -> None:
        """The run's folder exists (the place for the resolved config)."""

    def make_monitor(self, run_dir: Path, events: EventLog) -> Monitor | None:
        """The resource monitor polled by the loop, or None."""

    def run_ended(self, record: RunRecord, events: EventLog) -> None:
        """The run is over and its record final: report, notify."""

    def recovered(self, record_path: Path, events: EventLog) -> None:
        """A run whose supervisor died was just marked interrupted: report, notify."""

    def watchdog_finish_argv(self) -> list[str]:
        """The command the watchdog runs, with the record's path appended, once it has
        recovered a run whose supervisor was killed."""


def supervise(settings: SupervisorSettings, request: SupervisorRequest, hooks: RunHooks,
              factory: ProcessFactory | None = None) -> int:
    try:
        logs_dir = Path(settings.logs_dir)
        commands = resolve_commands(settings, request)
        restart_commands = resolve_commands(settings, request, restart=True)
        checks = resolve_preflights(settings, request, list(commands))
        resources = plan_child_resources(settings, request, list(commands))
    except (ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    errors = preflight_errors(settings, request, checks, resources)
    if not errors:
        try:
            check_writable(logs_dir)
        except UsageError as exc:
            errors = [f"error: {exc}"]
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    lock = FileLock(logs_dir / LOCK_FILE)
    try:
        with naming(lock.path):
            lock.acquire(f"{request.kind} started {os.getcwd()}")
    except AlreadyLocked as exc:
        print(_already_running(exc), file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk before anything started
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    with lock, stop_signals_call(raise_interrupted):
        try:
            return _run_locked(settings, request, (commands, restart_commands), resources, logs_dir, hooks,
                               factory or InvokeProcessFactory())
        except RunInterrupted as stop:
            return stop.exit_code
        except Exception as exc:  # before any child started: nothing to stop, one line
            print(f"error: {describe_failure(exc)}", file=sys.stderr)
            return 1


def running_elsewhere(logs_dir: Path) -> str | None:
    """The error line when another supervisor runs in this logs folder, else None: for a task that
    would start something of its own first (the demo's site) only to be refused by the lock."""
    lock = FileLock(logs_dir / LOCK_FILE)
    if not lock.path.exists():
        return None
    try:
        lock.acquire("a check before starting")
    except AlreadyLocked as exc:
        return _already_running(exc)
    except OSError:
        return None  # the supervisor itself will say what is wrong with the folder
    lock.release()
    return None


def _already_running(exc: AlreadyLocked) -> str:
    return (f"error: another tandem supervisor is running in this folder ({exc.holder}); "
            f"wait for it, or stop it ({kit_command()} status shows it)")


def _run_locked(settings: SupervisorSettings, request: SupervisorRequest,
                argvs: tuple[dict[str, list[str]], dict[str, list[str]]], resources: dict[str, ProcessResources],
                logs_dir: Path, hooks: RunHooks, factory: ProcessFactory) -> int:
    """`argvs`: each process's argv at the run's start, and at a restart."""
    commands = argvs[0]
    runs_dir = logs_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    supervisor_log = logs_dir / SUPERVISOR_LOG
    display = ProgressDisplay(list(commands))
    for leftover in unfinished_runs(runs_dir):
        leftover_events = EventLog(supervisor_log, leftover.stem, display.event)
        recover_run(leftover, settings.shutdown.grace_s, "stopped before a new run started", leftover_events)
        hooks.recovered(leftover, leftover_events)
    run_id = new_run_id(runs_dir)
    run_dir = runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    hooks.run_created(run_dir)
    plans = _child_plans(settings, request, argvs, resources, logs_dir, run_id, run_dir)
    record = RunRecord.create(
        runs_dir, run_id, request.kind,
        {p.name: ProcessEntry(command=p.argv, log_file=str(p.log_path), status_file=str(p.status_path),
                              resources=p.resources)
         for p in plans},
        config_file=str(request.config_path), auto_resume=request.auto_resume,
        supervisor_log=str(supervisor_log), run_dir=str(run_dir),
    )
    assert record.path is not None
    log = EventLog(supervisor_log, run_id, display.event)
    queue = EventQueue()
    queue.subscribe(RecordKeeper(record))
    queue.subscribe(log.on_event)
    watchdog = start_watchdog(record.path, supervisor_log, settings.shutdown.grace_s, hooks.watchdog_finish_argv())
    control = ControlChannel(run_dir, queue)  # `invoke stop` / `invoke restart NAME` / the dashboard
    queue.subscribe(control)
    supervisor = Supervisor(
        run_id, plans,
        LoopOptions(settings.restart, settings.shutdown.grace_s, request.auto_resume, settings.progress_interval_s),
        queue, display, factory, trees=ProcessTrees(), requests=control, orphans=Orphans(),
    )
    try:
        queue.put(RunStarted(run_id, request.kind, list(commands), request.auto_resume, str(record.path)))
        queue.put(Notice("resources: " + "; ".join(f"{p.name} {p.resources.describe()}" for p in plans)
                         + f" (of CPUs {format_cpu_list(available_cpus())})"))
        if not can_pin() and any(settings.processes[p.name].resources.cpus not in ("auto", "all") for p in plans):
            queue.put(Notice("resources: this system cannot pin processes to CPUs; the cpus lists are ignored"))
        queue.drain()
        supervisor.monitor = hooks.make_monitor(run_dir, log)
        queue.subscribe(ProgressHistory(run_dir / "progress.jsonl", supervisor.elapsed_s))
        with stop_signals_call(lambda signum, _frame: supervisor.request_stop(signum)):
            exit_code = supervisor.run()
    except RunInterrupted as stop:  # before the loop started: no child runs yet
        queue.put(RunEnded(run_id, RunState.INTERRUPTED, stop.exit_code))
        queue.drain_best_effort()
        _release(watchdog)
        return stop.exit_code
    except Exception as exc:
        print(f"error: {fail_safe(supervisor, queue, exc, run_dir)}", file=sys.stderr)
        _release(watchdog)
        return 1
    try:
        # A signal that came as the loop ended is still on the queue: it ends the run's end too.
        late = [e for e in queue.drain() if isinstance(e, SignalReceived)]
        if late:
            raise RunInterrupted(late[0].signum)
        if supervisor.monitor is not None:
            record.resources = supervisor.monitor.summary()
            record.save()
        hooks.run_ended(record, log)
    except RunInterrupted as stop:
        log(f"{signal_name(stop.signum)} received during the end of the run (report, notification): cut short")
        exit_code = stop.exit_code
    except Exception as exc:
        print(f"error: {describe_failure(exc)}", file=sys.stderr)
        exit_code = exit_code or 1
    finally:
        _release(watchdog)
    return exit_code


def _child_plans(settings: SupervisorSettings, request: SupervisorRequest,
                 argvs: tuple[dict[str, list[str]], dict[str, list[str]]], resources: dict[str, ProcessResources],
                 logs_dir: Path, run_id: str, run_dir: Path) -> list[ChildPlan]:
    commands, restart_commands = argvs
    status_dir = run_dir.resolve()  # status paths are absolute: each marks its process (process_tree.py)
    return [
        ChildPlan(
            name=name,
            argv=argv,
            restart_argv=restart_commands[name],
            env=child_environment(settings.processes[name], name, run_id, status_dir, request, resources[name]),
            log_path=logs_dir / f"{name}_{run_id}.log",
            status_path=status_dir / f"{name}.status.json",
            progress_pattern=settings.processes[name].progress_pattern,
            resources=resources[name],
            no_restart_exit_codes=tuple(settings.processes[name].no_restart_exit_codes),
            requires=[r for r in settings.processes[name].requires if r in commands],
            requires_grace_s=settings.processes[name].requires_grace_s,
            upstream_path=upstream_path(status_dir, name),
        )
        for name, argv in commands.items()
    ]


def _release(watchdog: subprocess.Popen[bytes]) -> None:
    """Wait briefly for the watchdog to see the final record and exit. Never stop it: when the
    record could not be made final (a full disk), it is the one left to finish the recovery."""
    try:
        watchdog.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def start_watchdog(record_path: Path, supervisor_log: Path, grace_s: float,
                   finish_argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tandem.supervisor.watchdog", "--record", str(record_path),
         "--supervisor-log", str(supervisor_log), "--grace-s", str(grace_s), "--then", *finish_argv],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **own_group(),
    )
