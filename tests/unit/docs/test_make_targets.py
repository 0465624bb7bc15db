"""The README promises that every task is also a make target (`make status`, `make restart
ARGS=crawl`): each name `invoke --list` shows is a rule of the Makefile that runs that task."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from support.paths import REPO, invoke_argv


def task_names() -> list[str]:
    listing = subprocess.run(invoke_argv("--list", "--list-format", "json"), capture_output=True, text=True,
                             timeout=60, check=True).stdout
    return [task["name"] for task in json.loads(listing)["tasks"]]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_every_task_is_a_make_target_that_runs_it() -> None:
    names = task_names()
    assert {"parallel", "status", "stop", "restart", "dashboard", "demo"} <= set(names)
    for name in names:
        # -n prints what would run; a missing rule is an error. The venv rule may print too.
        plan = subprocess.run(["make", "-n", "-C", str(REPO), name, "ARGS=--help"], capture_output=True,
                              text=True, timeout=60)
        assert plan.returncode == 0, f"make {name}: {plan.stderr.strip()}"
        assert f"invoke {name} --help" in plan.stdout, plan.stdout
