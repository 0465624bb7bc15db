"""Runs of the supervisor under attack, for tests/faults/ (docs/faults.md).

Each test runs the supervisor as a user does (`invoke parallel` in a subprocess, in its own
folder) with `tests/support/attack_child.py` as its children. Every process a test starts
carries the test's own tag in its command line, so what is left afterwards is found by that
tag (and by PID) and killed one PID at a time — never by name. The tag is also the name of the
test's folder, so the supervisor and its watchdog, whose command lines name their config and
record, carry it too.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import psutil
import yaml

from support.config_files import merged
from support.paths import REPO
from support.processes import wait_for

ATTACK_CHILD = REPO / "tests" / "support" / "attack_child.py"


def tagged(tag: str) -> list[psutil.Process]:
    """Live processes whose command line carries `tag` (zombies count as gone)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] != psutil.STATUS_ZOMBIE and tag in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


class FaultRun:
    """One folder, one config, one supervisor at a time; the children carry `tag`."""

    def __init__(self, tmp_path: Path) -> None:
        self.tag = f"tandem-fault-{uuid.uuid4().hex[:12]}"
        self.root = tmp_path / self.tag
        self.root.mkdir()
        self.logs_dir = self.root / "logs"

    def child(self, *args: str) -> list[str]:
        return ["{python}", str(ATTACK_CHILD), "--tag", self.tag, *args]

    def config(self, processes: dict[str, list[str] | dict[str, Any]], **sections: Any) -> Path:
        """`processes` maps a name to its argv, or to its whole entry (`{"command": …, …}`)."""
        data: dict[str, Any] = {
            "processes": {name: spec if isinstance(spec, dict) else {"command": spec}
                          for name, spec in processes.items()},
            "restart": {"max_restarts": 2, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5},
            "shutdown": {"grace_s": 2},
            "monitor": {"enabled": False},
            "notify": {"enabled": False},
            "report": {"enabled": False},
            "logs_dir": str(self.logs_dir),
            "progress_interval_s": 0.2,
        }
        data = merged(data, sections)
        path = self.root / "parallel.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    def argv(self, task: str = "parallel", *flags: str) -> list[str]:
        return [sys.executable, "-m", "invoke", "-r", str(REPO), task, "--config", str(self.root / "parallel.yaml"),
                *flags]

    def run(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(), cwd=self.root, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(), cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL)

    def records(self) -> list[dict[str, Any]]:
        runs = self.logs_dir / "runs"
        return [json.loads(p.read_text()) for p in sorted(runs.glob("*.json")) if p.is_file()]

    def record(self) -> dict[str, Any]:
        records = self.records()
        assert records, "no run record written"
        return records[-1]

    def supervisor_log(self) -> str:
        path = self.logs_dir / "parallel_train_crawl.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def left(self) -> list[psutil.Process]:
        return tagged(self.tag)

    def wait_nothing_left(self, timeout: float = 15) -> None:
        wait_for(lambda: not self.left(), timeout=timeout, what=f"every process tagged {self.tag} to end")

    def cleanup(self) -> None:
        for proc in self.left():
            try:
                proc.kill()
            except psutil.Error:
                pass


def one_line(stderr: str) -> str:
    """stderr is exactly one line, no traceback; returns it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr[-2000:]}"
    assert "Traceback" not in stderr
    return lines[0]


class SilentServer:
    """A loopback HTTP endpoint that takes connections and never answers (a hanging webhook)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections.append(connection)  # kept open, never read from or answered

    def close(self) -> None:
        self._listener.close()
        for connection in self.connections:
            connection.close()
