"""Real supervisor runs (`invoke parallel` in a subprocess) against the stub child."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.config_files import merged
from support.paths import REPO, STUB_CHILD
from support.processes import alive, wait_for


class Workdir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def config(self, train: list[str] | None, crawl: list[str] | None,
               patterns: dict[str, str] | None = None, **policy: Any) -> Path:
        processes: dict[str, Any] = {}
        for name, args in (("train", train), ("crawl", crawl)):
            if args is not None:
                processes[name] = {"command": ["{python}", str(STUB_CHILD), *args]}
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
        data = merged(data, policy)
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

    alive = staticmethod(alive)
    wait_for = staticmethod(wait_for)


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    return Workdir(tmp_path)

