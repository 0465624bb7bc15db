"""Tasks run from any folder inside the project work in the project folder, where tasks.py is:
the configs, logs, records and reports are the project's, and paths typed by the user are taken
from where they were typed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from support.paths import REPO, STUB_CHILD


def invoke_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No -r: Invoke finds tasks.py by looking upwards from the current folder, as for a user.
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=folder, capture_output=True, text=True,
                          timeout=90, stdin=subprocess.DEVNULL)


def test_a_task_run_from_a_subfolder_works_in_the_project_folder(tmp_path):
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", project / "tasks.py")
    config = {"processes": {"train": {"command": ["{python}", str(STUB_CHILD), "--lines", "2"]}},
              "monitor": {"enabled": False}, "notify": {"enabled": False}, "report": {"plots": False}}
    (project / "configs" / "parallel.yaml").write_text(yaml.safe_dump(config))
    deep = project / "notes" / "today"
    deep.mkdir(parents=True)

    run = invoke_in(deep, "parallel")
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(list((project / "logs" / "runs").glob("*.json"))) == 1 and not (deep / "logs").exists()
    assert len(list((project / "_docs").glob("*_parallel_train_crawl.md"))) == 1

    status = invoke_in(deep, "status")
    assert status.returncode == 0 and "train succeeded" in status.stdout

    (deep / "mine.yaml").write_text(yaml.safe_dump(config))
    typed = invoke_in(deep, "parallel", "--config", "mine.yaml")  # relative to where it was typed
    assert typed.returncode == 0, typed.stderr
    assert len(list((project / "logs" / "runs").glob("*.json"))) == 2
