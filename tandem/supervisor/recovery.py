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
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from tandem.common.process_groups import signal_group
from tandem.contracts.run_record import (
    ACTIVE_PROCESS_STATES,
    ProcessEntry,
    ProcessError,
    ProcessState,
    RecordError,
    RunRecord,
    RunState,
    find_process,
    now_iso,
    supervisor_alive,
)
from tandem.supervisor.process_tree import (
    KILL_SIGNAL,
    describe_process,
    is_alive,
    related_processes,
    signal_each,
    unique,
)


def stop_processes(roots: Sequence[psutil.Process], extra: Sequence[psutil.Process], grace_s: float,
                   sleep: Callable[[float], None] = time.sleep,
                   should_hurry: Callable[[], bool] = lambda: False) -> None:
    """Stop `roots` as trees, and `extra` (found by their marker): ONE SIGTERM each — to a root's
    process group, which reaches every member, and to each process outside those groups — then,
    whatever is left `grace_s` later, SIGKILL. A second SIGTERM moments after the first would
    cut a child's own shutdown (its final commit) short."""
    members = unique([*roots, *extra, *(d for root in roots for d in _descendants(root))])
    groups = {root.pid for root in roots if _leads_group(root)}
    _signal(groups, members, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and not should_hurry():
        if not any(is_alive(p) for p in members):
            return
        sleep(0.05)
    _signal(groups, [p for p in members if is_alive(p)], KILL_SIGNAL)
    psutil.wait_procs(members, timeout=2)


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _leads_group(proc: psutil.Process) -> bool:
    if sys.platform == "win32":
        return False
    try:
        return os.getpgid(proc.pid) == proc.pid and is_alive(proc)
    except OSError:
        return False


def _signal(groups: set[int], members: Sequence[psutil.Process], signum: int) -> None:
    for group in groups:
        signal_group(group, signum)  # the child leads its own group: this reaches the whole tree
    outside = []
    for member in members:
        try:
            if sys.platform == "win32" or os.getpgid(member.pid) not in groups:
                outside.append(member)
        except OSError:
            continue
    signal_each(outside, signum)


def marker_of(record: RunRecord, entry: ProcessEntry) -> str | None:
    """The TANDEM_STATUS_FILE value the entry's processes were started with (process_tree.py)."""
    if not entry.status_file:
        return None
    path = Path(entry.status_file)
    if not path.is_absolute():  # records of older versions kept it relative to the run's folder
        path = (Path(record.cwd or ".") / path).resolve()
    return str(path)


def recover_run(record_path: Path, grace_s: float, note: str, log: Callable[[str], None]) -> list[str]:
    """Stop the leftover processes of an unfinished run whose supervisor is gone, and mark the
    run `interrupted`. Returns the names of the processes that had to be stopped.

    A process is found by the PID and create time in the record, and by its marker: a child
    started moments before its supervisor was killed may not be in the record yet, and a
    daemon it forked is in no tree — both still carry the marker in their environment."""
    try:
        record = RunRecord.load(record_path)
    except RecordError:
        return []
    if record.status != RunState.RUNNING or supervisor_alive(record):
        return []
    roots: list[psutil.Process] = []
    extra: list[psutil.Process] = []
    stopped = []
    for name, entry in record.processes.items():
        proc = find_process(entry.pid, entry.create_time)
        marker = marker_of(record, entry)
        marked = [p for p in related_processes(marker) if p != proc] if marker else []
        if proc is not None or marked:
            found = ([proc] if proc is not None else []) + marked
            log(f"run {record.run_id}: stopping leftover {name} ({', '.join(describe_process(p) for p in found)}) "
                f"— {note}")
            roots += [proc] if proc is not None else []
            extra += marked
            stopped.append(name)
        if entry.status in ACTIVE_PROCESS_STATES:
            entry.status = ProcessState.STOPPED
            entry.ended_at = entry.ended_at or now_iso()
            entry.error = entry.error or ProcessError(f"supervisor died; {note}")
    if roots or extra:
        stop_processes(roots, extra, grace_s)
    record.status = RunState.INTERRUPTED
    record.ended_at = now_iso()
    record.interrupted_reason = f"the supervisor (pid {record.supervisor_pid}) died; {note}"
    record.save()
    return stopped


def unfinished_runs(runs_dir: Path) -> list[Path]:
    found = []
    for path in sorted(runs_dir.glob("*.json")):
        try:
            if RunRecord.load(path).status == RunState.RUNNING:
                found.append(path)
        except RecordError:
            continue
    return found
