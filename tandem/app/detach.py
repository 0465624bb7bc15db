"""`invoke parallel --detach` (and `train`, `crawl`, `demo`): the very same task, started in the
background in a session of its own, so that closing the terminal or losing the SSH connection
(SIGHUP) does not reach it. Its console goes to a file under `logs/detached/`; lock, recovery,
watchdog, record, report and notification are those of an attached run, since it is one.

The command returns once the run's record names the new supervisor, with everything needed to
follow it from any terminal; a run that fails before that (a bad config, another run holding
the lock) returns its error and exit status here, as the attached task would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from tandem.app.parallel_config import load_parallel_config
from tandem.common.kit_command import ENV_KIT_COMMAND, kit_command
from tandem.common.typed_config import ConfigError
from tandem.contracts.run_record import RecordError, RunRecord
from tandem.dashboard.discovery import DashboardInfo, read_dashboard_info

DETACHED_DIR = "detached"
START_TIMEOUT_S = 300.0  # recovery of a dead run's leftovers and the demo site come first
DASHBOARD_WAIT_S = 15.0


def detached_argv(workspace: Path, task: str, options: dict[str, Any]) -> list[str]:
    """`python -m tandem --project WORKSPACE TASK --flag value …`: the task as a user would type it,
    minus --detach, with the command that works without a checkout's tasks.py."""
    argv = [sys.executable, "-m", "tandem", "--project", str(workspace), task]
    for name, value in options.items():
        flag = "--" + name.rstrip("_").replace("_", "-")  # Invoke's `set_` is `--set`
        if isinstance(value, bool):
            argv += [flag] if value else []
        elif isinstance(value, list):
            argv += [item for each in value for item in (flag, str(each))]  # a repeatable flag
        elif value is not None:
            argv += [flag, str(value)]
    return argv


def detach(argv: list[str], config_path: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
           start_timeout_s: float = START_TIMEOUT_S) -> int:
    """Start `argv` in the background and return once its run is recorded; the printed next
    steps name the command as the user typed it (`kit_command`)."""
    try:
        config = load_parallel_config(config_path)
    except ConfigError as exc:
        print(f"error: {exc}", file=err)
        return 2
    logs_dir = Path(config.logs_dir)
    console = _console_file(logs_dir / DETACHED_DIR)
    with open(console, "ab") as handle:
        # The run's own hints (in its console and log) name the command its starter typed.
        env = {**os.environ, ENV_KIT_COMMAND: kit_command()}
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                 env=env, **_background())
    deadline = time.monotonic() + start_timeout_s
    while time.monotonic() < deadline:
        record = _record_of(logs_dir / "runs", child.pid)
        if record is not None:
            dashboard = _wait_for_dashboard(logs_dir, record) if config.dashboard.enabled else None
            _describe(record, console, logs_dir, dashboard, out)
            return 0
        code = child.poll()
        if code is not None:
            text = console.read_text(encoding="utf-8", errors="replace").strip()
            print(text or f"error: the run exited {code} before it started (see {console})", file=err)
            return code or 1
        time.sleep(0.1)
    print(f"the run (pid {child.pid}) is still starting after {start_timeout_s:g}s; its output: {console}",
          file=out)
    return 0


def _console_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    for suffix in ("", *(f"-{n}" for n in range(2, 100))):
        path = folder / f"{stamp}{suffix}.log"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return path
        except FileExistsError:
            continue
    raise OSError(f"{folder}: no free name for the console file")


def _background() -> dict[str, Any]:
    if sys.platform == "win32":
        flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        return {"creationflags": flags}
    return {"start_new_session": True}


def _record_of(runs_dir: Path, pid: int) -> RunRecord | None:
    """The newest record written by the supervisor with this pid, if there is one yet."""
    for path in sorted(runs_dir.glob("*.json"), reverse=True)[:3]:
        try:
            record = RunRecord.load(path)
        except RecordError:
            continue
        if record.supervisor_pid == pid:
            return record
    return None


def _wait_for_dashboard(logs_dir: Path, record: RunRecord) -> DashboardInfo | None:
    deadline = time.monotonic() + DASHBOARD_WAIT_S
    while time.monotonic() < deadline:
        info = read_dashboard_info(logs_dir)
        if info is not None and info.run_id == record.run_id:
            return info
        time.sleep(0.1)
    return None


def _describe(record: RunRecord, console: Path, logs_dir: Path, dashboard: DashboardInfo | None,
              out: TextIO) -> None:
    where = "" if logs_dir == Path("logs") else f" --logs-dir {logs_dir}"
    kit = kit_command()
    lines = [f"run {record.run_id} ({record.kind}) started in the background: supervisor pid {record.supervisor_pid}"]
    for name, entry in record.processes.items():
        lines.append(f"  {name} log: {entry.log_file}")
    lines += [f"  supervisor log: {record.supervisor_log}", f"  console: {console}", f"  record: {record.path}",
              f"follow:    {kit} logs --follow{where}    (status: {kit} status{where})",
              f"stop:      {kit} stop{where}    (one process: {kit} stop NAME; restart one: {kit} restart NAME)"]
    if dashboard is not None:
        lines.append(f"dashboard: {dashboard.link_for(out)}")
    else:
        lines.append(f"dashboard: {kit} dashboard{where}")
    print("\n".join(lines), file=out, flush=True)
