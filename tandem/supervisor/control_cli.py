"""`invoke stop` and `invoke restart NAME`: a running supervisor asked through its control channel
(`tandem.contracts.control_channel`) from any terminal, then watched through its record until
what was asked for has happened."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tandem.common.kit_command import kit_command
from tandem.contracts.control_channel import ControlError, send_request
from tandem.contracts.run_record import (
    ProcessEntry,
    ProcessState,
    RecordError,
    RunRecord,
    latest_record_path,
    supervisor_alive,
)

POLL_S = 0.2


def running_record(logs_dir: Path) -> RunRecord:
    """The run that is going on in `logs_dir`; ControlError saying why when none is."""
    runs_dir = Path(logs_dir) / "runs"
    path = latest_record_path(runs_dir)
    if path is None:
        raise ControlError(f"nothing is running: no run recorded yet in {runs_dir}")
    try:
        record = RunRecord.load(path)
    except RecordError as exc:
        raise ControlError(str(exc)) from None
    if record.finished:
        raise ControlError(f"nothing is running: the latest run, {record.run_id}, {record.status} "
                           f"at {record.ended_at or 'an unknown time'}")
    if not supervisor_alive(record):
        raise ControlError(f"run {record.run_id}: its supervisor (pid {record.supervisor_pid}) is gone; the "
                           f"watchdog or the next run stops what it left")
    return record


def control(logs_dir: Path, action: str, name: str | None, sender: str, out: TextIO = sys.stdout,
            err: TextIO = sys.stderr, wait: bool = True) -> int:
    """Ask for `action` (stop/restart) of process `name` (None: the whole run) and, with `wait`,
    follow the record until it is done. 0 done, 1 nothing runs or refused, 2 no such process."""
    try:
        record = running_record(logs_dir)
    except ControlError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if name is not None and name not in record.processes:
        print(f"error: run {record.run_id} has no process {name!r} (it has: {', '.join(record.processes)})",
              file=err)
        return 2
    before = record.processes[name] if name else None
    try:
        reply = send_request(Path(record.run_dir or "."), action, name, sender,
                             still_running=lambda: supervisor_alive(record))
    except ControlError as exc:
        print(f"error: run {record.run_id}: {exc}", file=err)
        return 1
    print(f"run {record.run_id}: {reply.message}", file=out if reply.accepted else err, flush=True)
    if not reply.accepted:
        return 1
    if not wait:
        return 0
    assert record.path is not None
    return _follow(record.path, action, name, before, out)


def _follow(path: Path, action: str, name: str | None, before: ProcessEntry | None, out: TextIO) -> int:
    """Wait in the record for what was asked; Ctrl-C stops waiting, never the request."""
    def done(record: RunRecord) -> bool:
        if record.finished or name is None:
            return record.finished
        entry = record.processes[name]
        if action == "restart":
            return before is not None and entry.restarts > before.restarts and entry.status == ProcessState.RUNNING
        return entry.status != ProcessState.RUNNING

    try:
        record = _wait(path, done)
    except KeyboardInterrupt:
        print(f"stopped waiting; the request goes on ({kit_command()} status shows it)", file=out)
        return 0
    if name is None or record.finished:
        print(f"run {record.run_id} {record.status} (exit {record.exit_code})", file=out)
    else:
        entry = record.processes[name]
        print(f"{name}: {entry.status}" + (f", pid {entry.pid}, restart {entry.restarts}" if action == "restart"
                                           else f", exit {entry.exit_code}"), file=out)
    return 0


def _wait(path: Path, done: Callable[[RunRecord], bool]) -> RunRecord:
    while True:
        record = RunRecord.load(path)
        if done(record) or not supervisor_alive(record):
            return record
        time.sleep(POLL_S)
