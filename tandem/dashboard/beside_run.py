"""The dashboard as a process of its own beside a run (`dashboard.enabled`): whatever happens to
it never reaches the supervisor, and it ends with the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tandem.common.process_groups import kill_group, own_group, terminate_group
from tandem.dashboard.dashboard_config import DashboardSettings

STOP_WAIT_S = 10.0  # it lingers a few seconds by itself so that an open page sees the end


def start_dashboard(settings: DashboardSettings, logs_dir: Path, run_id: str) -> subprocess.Popen[bytes] | None:
    """Start it in a session of its own (a Ctrl-C meant for the run does not cut the page short);
    its lines go to the supervisor's console. None when it cannot be started."""
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "tandem.dashboard", "--logs-dir", str(logs_dir), "--port", str(settings.port),
             "--run", run_id, "--with-run"], stdin=subprocess.DEVNULL, **own_group())
    except OSError as exc:
        print(f"dashboard could not be started: {exc}", file=sys.stderr)
        return None


def stop_dashboard(process: subprocess.Popen[bytes] | None, wait_s: float = STOP_WAIT_S) -> None:
    """Once the run has ended: it leaves by itself; what is still there after `wait_s` is stopped."""
    if process is None:
        return
    try:
        process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        terminate_group(process.pid)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()
