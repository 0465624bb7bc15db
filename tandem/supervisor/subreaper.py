"""Descendants that hid: the supervisor as the child subreaper of its children's trees (Linux).

A daemon that double-forks, calls `setsid` and clears its environment escapes every net of
`process_tree.py`: it is not in its child's tree (its parent exited at once), not in its group
and carries no marker. With `prctl(PR_SET_CHILD_SUBREAPER)` the kernel re-parents such an orphan
to the supervisor instead of init, whatever it did to its session or environment, so it is
found as what it is: a child of the supervisor that the supervisor did not start.

`Orphans` finds them (the supervisor's children minus those it started: the children of the
run and whatever was already there when the loop began, such as the watchdog and the
dashboard), names each after the processes of the run that were running when it appeared, and
reaps the ones that ended — `waitpid` on their PIDs alone, never `waitpid(-1)`, which would
take the exit status of a child that Invoke's runner or a Popen waits for. Elsewhere (macOS,
Windows) the subreaper does not exist and `Orphans` finds nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Collection
from pathlib import Path

import psutil

PR_SET_CHILD_SUBREAPER = 36


def set_child_subreaper(on: bool) -> bool:
    """Make this process the subreaper of its descendants (or stop being one); False where the
    system has no such thing or refuses."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def child_pids() -> set[int]:
    """PIDs whose parent is this process: the children file of each of its threads (an orphan
    is re-parented to any one of them), else a scan of the process table."""
    pids: set[int] = set()
    try:
        for task in Path("/proc/self/task").iterdir():
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        return pids
    except (OSError, ValueError):
        pass
    try:
        return {p.pid for p in psutil.Process().children()}
    except psutil.Error:
        return pids


class Orphans:
    """The processes re-parented to this supervisor while it is the subreaper, each with the
    names of the run's processes it may have come from."""

    def __init__(self) -> None:
        self.active = set_child_subreaper(True)
        self._already_there = child_pids() if self.active else set()
        self._known: dict[psutil.Process, set[str]] = {}

    def scan(self, started: Collection[int], running: Collection[str]) -> None:
        """Look at this process's children: reap the orphans that ended, and remember new live
        ones as coming from one of `running`. `started`: the PIDs the supervisor started and
        waits for itself (never reaped here)."""
        if not self.active:
            return
        for pid in child_pids() - self._already_there - set(started):
            try:
                proc = psutil.Process(pid)
                zombie = proc.status() == psutil.STATUS_ZOMBIE
            except psutil.Error:
                continue
            if zombie:
                self._reap(pid)
            else:
                self._known.setdefault(proc, set(running))
        self._known = {p: names for p, names in self._known.items() if _alive(p)}

    def left_by(self, ended: str, running: Collection[str],
                found: Collection[psutil.Process] = ()) -> list[psutil.Process]:
        """The live orphans that only `ended` can have left (none of the processes they may
        have come from still runs); forgotten here, like those in `found` (what the other
        nets found and the caller stops already): the caller stops them, once.

        Where several processes ran when an orphan appeared and it carries nothing that tells
        whose it is (no marker, no group), it is stopped when the last of them ends, and named
        under that one."""
        claimed = [p for p, names in self._known.items() if not (names - {ended}) & set(running)]
        for proc in [*claimed, *found]:
            self._known.pop(proc, None)
        return claimed

    def close(self, started: Collection[int]) -> None:
        """Reap what ended and stop being the subreaper (the process may go on: a test, a
        second run in the same interpreter)."""
        if self.active:
            self.scan(started, ())
            set_child_subreaper(False)
            self.active = False

    @staticmethod
    def _reap(pid: int) -> None:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
