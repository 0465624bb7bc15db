"""Starting a program as the leader of its own process group, and signalling that whole group:
the one way every part of the kit stops something it started (a child, a pre-flight check, a
notification command, the dashboard, a recovered run's leftovers).

A program that leads its own group (POSIX: its own session) takes its grandchildren along when
the group is signalled, and a Ctrl-C meant for the terminal's foreground group does not reach it.
Windows has no process groups in that sense: the same calls use CTRL_BREAK_EVENT and
`taskkill /T /F` on the tree. A group that is already gone is never an error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any


def own_group() -> dict[str, Any]:
    """`subprocess.Popen` keywords that make the new program lead a group of its own."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def signal_group(leader: int, signum: int) -> bool:
    """Send `signum` to the group that `leader` leads; False when the group is gone or not ours."""
    try:
        if sys.platform == "win32":
            os.kill(leader, signum)
        else:
            os.killpg(leader, signum)
    except OSError:  # gone (ProcessLookupError), another user's (PermissionError)
        return False
    return True


def terminate_group(leader: int) -> bool:
    """Ask the whole group to stop: SIGTERM (Windows: CTRL_BREAK_EVENT)."""
    if sys.platform == "win32":
        return signal_group(leader, signal.CTRL_BREAK_EVENT)
    return signal_group(leader, signal.SIGTERM)


def kill_group(leader: int) -> bool:
    """Stop the whole group at once: SIGKILL (Windows: `taskkill /T /F` on the tree)."""
    if sys.platform != "win32":
        return signal_group(leader, signal.SIGKILL)
    try:
        done = subprocess.run(["taskkill", "/T", "/F", "/PID", str(leader)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
