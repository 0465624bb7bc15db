"""A live run of stub children with the dashboard on, and a headless Chromium to look at it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.paths import STUB_CHILD, invoke_argv

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1100")


class LiveRun:
    def __init__(self, root: Path) -> None:
        self.root = root

    def configure(self, steps: int = 600) -> None:
        stub = ["{python}", str(STUB_CHILD), "--status-steps", str(steps), "--sleep", str(steps)]
        data: dict[str, Any] = {
            "processes": {"train": {"command": [*stub, "--report-as", "train"]},
                          "crawl": {"command": [*stub, "--report-as", "crawl"]}},
            "restart": {"max_restarts": 2, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5},
            "shutdown": {"grace_s": 3},
            "monitor": {"enabled": True, "interval_s": 1},
            "notify": {"enabled": False}, "report": {"enabled": False},
            "dashboard": {"enabled": True, "port": 0},
        }
        (self.root / "parallel.yaml").write_text(yaml.safe_dump(data))

    def invoke(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(invoke_argv(*args), cwd=self.root, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def dashboard(self) -> dict[str, Any]:
        return json.loads((self.root / "logs" / "dashboard.json").read_text())

    def record(self) -> dict[str, Any]:
        return json.loads(sorted((self.root / "logs" / "runs").glob("*.json"))[-1].read_text())


@pytest.fixture
def live_run(tmp_path: Path) -> LiveRun:
    return LiveRun(tmp_path)


def _browser_missing() -> str | None:
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[dev]')"
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "no chromium on PATH (Debian: apt-get install chromium chromium-driver; `make test` does it as root)"
    if not shutil.which("chromedriver"):
        return "no chromedriver on PATH (Debian: apt-get install chromium-driver)"
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        pytest.skip(f"the dashboard's browser test needs headless Chromium: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="tandem-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
