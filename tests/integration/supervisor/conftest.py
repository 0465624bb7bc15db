"""Real supervisor runs (`invoke parallel` in a subprocess) against the stub child."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
STUB = REPO / "tests" / "stubs" / "child.py"


class Workdir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def config(self, train: list[str] | None, crawl: list[str] | None,
               patterns: dict[str, str] | None = None, **policy: Any) -> Path:
        processes: dict[str, Any] = {}
        for name, args in (("train", train), ("crawl", crawl)):
            if args is not None:
                processes[name] = {"command": ["{python}", str(STUB), *args]}
                if patterns and name in patterns:
                    processes[name]["progress_pattern"] = patterns[name]
        data: dict[str, Any] = {
            "processes": processes,
            "restart": {"max_restarts": 2, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5},
            "shutdown": {"grace_s": 3},
            "monitor": {"enabled": False},
            "notify": {"enabled": False},
            "report": {"enabled": False},
        }
        for key, value in policy.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key].update(value)
            else:
                data[key] = value
        path = self.root / "parallel.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    def invoke_argv(self, task: str = "parallel", *flags: str) -> list[str]:
        config = ["--config", "parallel.yaml"] if task == "parallel" else []
        if task in ("train", "crawl"):
            config = ["--parallel-config", "parallel.yaml"]
        return [sys.executable, "-m", "invoke", "-r", str(REPO), task, *config, *flags]

    def run(self, *flags: str, task: str = "parallel", timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.invoke_argv(task, *flags), cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self, *flags: str, task: str = "parallel") -> subprocess.Popen[str]:
        return subprocess.Popen(self.invoke_argv(task, *flags), cwd=self.root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted((self.root / "logs" / "runs").glob("*.json"))]

    def record(self) -> dict[str, Any]:
        records = self.records()
        assert records, "no run record written"
        return records[-1]

    def log(self, name: str) -> str:
        return (self.root / self.record()["processes"][name]["log_file"]).read_text(encoding="utf-8")

    @staticmethod
    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    return Workdir(tmp_path)


@pytest.fixture
def reap() -> Any:
    """Processes a test started; whatever is still alive at the end is killed by PID."""
    started: list[int] = []
    yield started
    for pid in started:
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass
