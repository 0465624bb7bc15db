"""Every process a child started, found and stopped — daemons that left its process group too.

A child leads its own process group, so one signal to the group reaches what it starts. A
program that daemonises (double fork, `setsid`) leaves the group and is re-parented to init the
moment its parent exits, so neither the group nor the tree below the child finds it. Three
nets catch it, together:
- the child's descendants, remembered while it runs (`ProcessTrees.remember`, every progress
  refresh): a process that was ever seen below it is known by PID *and* create time;
- the child's marker: every process started below a child inherits its environment, and
  `TANDEM_STATUS_FILE` is an absolute path unique to the run and the process, so a scan of the
  processes' environments finds a daemon however it detached (unless it cleared its
  environment) — also after a supervisor was killed before it could record a PID;
- the child's process group, for members that cleared their environment.
What is found is signalled one process at a time through psutil, which checks the create time,
so a PID reused by an unrelated program is never signalled.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterable

import psutil

from tandem.contracts.child_protocol import ENV_STATUS_FILE

MARKER_VARIABLE = ENV_STATUS_FILE
# Seconds a process left behind by an ended child gets between SIGTERM and SIGKILL (at most the
# shutdown grace period): its parent is gone, so it has no work to finish.
LEFTOVER_GRACE_S = 5.0


def is_alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def describe_process(proc: psutil.Process) -> str:
    """`pid 123 (sleep 600)`, for the supervisor log and the record."""
    try:
        command = " ".join(proc.cmdline()) or proc.name()
    except psutil.Error:
        command = "?"
    if len(command) > 120:
        command = command[:119] + "…"
    return f"pid {proc.pid} ({command})"


def related_processes(marker: str | None, pgid: int | None = None) -> list[psutil.Process]:
    """Live processes (never this one) whose environment carries `marker` in MARKER_VARIABLE,
    or that belong to the process group `pgid` (POSIX only): one pass over the process table."""
    by_group = pgid is not None and sys.platform != "win32" and not _leader_alive(pgid)
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            in_group = by_group and os.getpgid(proc.pid) == pgid
            if not in_group and not (marker and proc.environ().get(MARKER_VARIABLE) == marker):
                continue
            if proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (OSError, psutil.Error):  # gone, or another user's
            continue
    return found


def _leader_alive(pgid: int) -> bool:
    """The group's leader (PID == PGID) still runs. Asked about an ended child, a live process
    with its PID is a newcomer that reused it: its group is not the child's."""
    try:
        return psutil.Process(pgid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _group_of(proc: psutil.Process) -> int | None:
    try:
        return os.getpgid(proc.pid) if sys.platform != "win32" else None
    except OSError:
        return None


def unique(procs: Iterable[psutil.Process]) -> list[psutil.Process]:
    """One entry per process (psutil.Process compares PID and create time)."""
    seen: dict[psutil.Process, None] = {}
    for proc in procs:
        seen.setdefault(proc, None)
    return list(seen)


def signal_each(procs: Iterable[psutil.Process], signum: int) -> None:
    """One signal to each live process; gone ones and PIDs since reused are skipped."""
    for proc in procs:
        try:
            proc.send_signal(signum)
        except psutil.Error:
            pass


KILL_SIGNAL = signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM


class ProcessTrees:
    """The processes below each running child, remembered between its start and its end."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[psutil.Process, None]] = {}

    def remember(self, name: str, pid: int) -> None:
        """Add the child's current descendants to what is known of its tree."""
        try:
            descendants = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            return
        known = self._seen.setdefault(name, {})
        for proc in descendants:
            known.setdefault(proc, None)

    def left_behind(self, name: str, pid: int, marker: str | None) -> list[psutil.Process]:
        """What still runs of an ended child's tree; forgets the tree."""
        candidates = [*self._seen.pop(name, {}), *related_processes(marker, pid)]
        return [p for p in unique(candidates) if p.pid != pid and is_alive(p)]


class LeftoverStopper:
    """SIGTERM now, SIGKILL once the grace period is over — without blocking the event loop."""

    def __init__(self) -> None:
        self._pending: list[tuple[float, list[psutil.Process]]] = []

    def stop(self, procs: list[psutil.Process], now: float, grace_s: float, group: int | None = None) -> None:
        """SIGTERM `procs` (except the members of `group`, which a stop already sent one to:
        never a second) and SIGKILL what is left `grace_s` later."""
        signal_each([p for p in procs if group is None or _group_of(p) != group], signal.SIGTERM)
        self._pending.append((now + grace_s, procs))

    def tick(self, now: float) -> None:
        due = [procs for deadline, procs in self._pending if now >= deadline]
        self._pending = [(deadline, procs) for deadline, procs in self._pending if now < deadline]
        for procs in due:
            signal_each([p for p in procs if is_alive(p)], KILL_SIGNAL)

    def kill_all(self) -> None:
        for _deadline, procs in self._pending:
            signal_each([p for p in procs if is_alive(p)], KILL_SIGNAL)
        self._pending = []

    @property
    def busy(self) -> bool:
        self._pending = [(d, [p for p in procs if is_alive(p)]) for d, procs in self._pending]
        self._pending = [(d, procs) for d, procs in self._pending if procs]
        return bool(self._pending)
