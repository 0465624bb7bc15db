"""When the supervisor itself fails: stop every child as a tree, record why, say it in one line.

Whatever goes wrong inside the run — a full disk while saving the record, a child that turns
its status path into a folder, a bug — must not leave children running under PID 1 with a
record that says `running`, nor print a traceback. `fail_safe` stops the children (SIGTERM
once, SIGKILL after the grace period; a stop signal meanwhile hurries it), puts
`SupervisorFailed` on the queue so the record says what happened (saved if the disk lets it),
and keeps the traceback in the run's folder for a bug report.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import FrameType

import psutil

from tandem.contracts.child_protocol import ENV_STATUS_FILE, shorten
from tandem.contracts.run_record import ProcessState, find_process
from tandem.fileio.disk_errors import describe_os_error
from tandem.supervisor.events import EventQueue, SupervisorFailed
from tandem.supervisor.manager import Supervisor
from tandem.supervisor.process_tree import related_processes
from tandem.supervisor.recovery import stop_processes
from tandem.supervisor.stop_signals import stop_signals_call

CRASH_FILE = "supervisor-error.txt"


def describe_failure(exc: BaseException, details: Path | None = None) -> str:
    """One line for the console: `no space left on PATH`, or what a bug raised and where the
    traceback was kept."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    where = f" (traceback in {details})" if details is not None else ""
    return shorten(f"internal error: {type(exc).__name__}: {exc}", 300) + where


def keep_traceback(exc: BaseException, run_dir: Path) -> Path | None:
    """The traceback in the run's folder; None when it cannot be written (a full disk)."""
    path = run_dir / CRASH_FILE
    try:
        path.write_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), encoding="utf-8")
    except OSError:
        return None
    return path


def fail_safe(supervisor: Supervisor, queue: EventQueue, exc: BaseException, run_dir: Path) -> str:
    """Stop what runs, record the failure; returns the one line to print (exit 1)."""
    details = None if isinstance(exc, OSError) else keep_traceback(exc, run_dir)
    error = describe_failure(exc, details)
    stopped = stop_children(supervisor)
    queue.put(SupervisorFailed(error, stopped))
    unsaved = queue.drain_best_effort()  # the record and the log, each as far as the disk allows
    try:
        supervisor.display.close(supervisor.views())
    except Exception:
        pass
    summary = f"{error}; stopped {', '.join(stopped)}" if stopped else error
    if unsaved:
        summary += " (the run record could not be updated: the next run marks it interrupted)"
    return summary


def stop_children(supervisor: Supervisor) -> list[str]:
    """Every running child as a tree, with what its marker finds; a stop signal meanwhile
    skips the rest of the grace period."""
    roots: list[psutil.Process] = []
    extra: list[psutil.Process] = []
    names: list[str] = []
    for child in supervisor.children:
        marker = child.plan.env.get(ENV_STATUS_FILE)
        marked = related_processes(marker) if marker else []
        root = None
        if child.state is ProcessState.RUNNING and child.handle is not None:
            root = find_process(child.handle.pid, child.handle.create_time)
        if not child.state.finished:
            child.state = ProcessState.STOPPED
        if root is not None or marked:
            names.append(child.plan.name)
            roots += [root] if root is not None else []
            extra += [p for p in marked if p != root]
    if supervisor.orphans is not None:  # re-parented to the supervisor: no other net finds them
        supervisor.orphans.scan(supervisor.started_pids(), ())
        extra += supervisor.orphans.left_by("", ())
    supervisor.leftovers.kill_all()
    hurry = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal hurry
        hurry = True

    if roots or extra:
        with stop_signals_call(on_signal):
            stop_processes(roots, extra, supervisor.options.grace_s, should_hurry=lambda: hurry)
    if supervisor.orphans is not None:
        supervisor.orphans.close(supervisor.started_pids())
    return names
