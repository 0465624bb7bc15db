"""What a dead supervisor left behind: children still running with nobody watching them.

Used by the next run before it starts (so a child is never doubled) and by the watchdog the
moment the supervisor dies (so children do not run on unsupervised for long). A PID alone is
not proof — PIDs are reused — so a process is ours only if its create time matches the record.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from tandem.contracts.run_record import ProcessError, RecordError, RunRecord, find_process, now_iso, supervisor_alive

__all__ = ["find_process", "recover_run", "stop_process_tree", "supervisor_alive", "unfinished_runs"]


def stop_process_tree(proc: psutil.Process, grace_s: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """SIGTERM the process's group and every descendant, wait up to `grace_s`, then SIGKILL."""
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    _signal_all(proc.pid, members, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in members):
            return
        sleep(0.05)
    _signal_all(proc.pid, members, signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
    psutil.wait_procs(members, timeout=2)


def _signal_all(group: int, members: list[psutil.Process], signum: int) -> None:
    if sys.platform != "win32":
        try:
            os.killpg(group, signum)  # the child leads its own group: this reaches the whole tree
        except (ProcessLookupError, PermissionError):
            pass
    for member in members:
        try:
            member.send_signal(signum)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def recover_run(record_path: Path, grace_s: float, note: str, log: Callable[[str], None]) -> list[str]:
    """Stop the leftover children of an unfinished run whose supervisor is gone, and mark the
    run `interrupted`. Returns the names of the processes that had to be stopped."""
    try:
        record = RunRecord.load(record_path)
    except RecordError:
        return []
    if record.status != "running" or supervisor_alive(record):
        return []
    stopped = []
    for name, entry in record.processes.items():
        proc = find_process(entry.pid, entry.create_time)
        if proc is not None:
            log(f"run {record.run_id}: stopping leftover {name} (pid {proc.pid}) — {note}")
            stop_process_tree(proc, grace_s)
            stopped.append(name)
        if entry.status in ("pending", "running", "backoff"):
            entry.status = "stopped"
            entry.ended_at = entry.ended_at or now_iso()
            entry.error = entry.error or ProcessError(f"supervisor died; {note}")
    record.status = "interrupted"
    record.ended_at = now_iso()
    record.interrupted_reason = f"the supervisor (pid {record.supervisor_pid}) died; {note}"
    record.save()
    return stopped


def unfinished_runs(runs_dir: Path) -> list[Path]:
    found = []
    for path in sorted(runs_dir.glob("*.json")):
        try:
            if RunRecord.load(path).status == "running":
                found.append(path)
        except RecordError:
            continue
    return found
