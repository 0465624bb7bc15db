"""The installed `tandem` command as a user types it (`python -m tandem` is the same command):
the tasks of tasks.py, `tandem init` in an empty folder, the project found from a subfolder or
named by --project, and usage lines that name the command the user typed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import yaml
from support.paths import REPO, STUB_CHILD


def run(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=folder, capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL)


def tandem(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(folder, sys.executable, "-m", "tandem", *args)


def task_lines(listing: str) -> list[str]:
    """`--list` without its title (Invoke titles a bundled namespace "Subcommands")."""
    title, *lines = listing.splitlines()
    assert title in ("Available tasks:", "Subcommands:")
    return lines


def test_tandem_lists_exactly_the_tasks_of_tasks_py(tmp_path):
    installed, checkout = tandem(tmp_path, "--list"), run(REPO, sys.executable, "-m", "invoke", "--list")
    assert installed.returncode == checkout.returncode == 0, installed.stderr + checkout.stderr
    assert task_lines(installed.stdout) == task_lines(checkout.stdout)
    assert any(line.split()[:1] == ["init"] for line in task_lines(installed.stdout))


def test_each_flag_keeps_its_help_under_both_programs(tmp_path):
    for result in (tandem(tmp_path, "--help", "init"), run(REPO, sys.executable, "-m", "invoke", "--help", "status")):
        assert result.returncode == 0, result.stderr
        assert "where to write the project" in result.stdout or "RUN_ID (YYYYMMDD_HHMMSS)" in result.stdout


def test_init_then_the_project_is_found_from_a_subfolder_and_by_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    made = tandem(project, "init")
    assert made.returncode == 0, made.stderr
    assert "next: tandem demo" in made.stdout
    assert all((project / name).is_dir() for name in ("configs", "logs", "data", "outputs", "_docs"))
    config = {"processes": {"train": {"command": ["{python}", str(STUB_CHILD), "--lines", "2"]}},
              "monitor": {"enabled": False}, "notify": {"enabled": False}, "report": {"plots": False}}
    (project / "configs" / "parallel.yaml").write_text(yaml.safe_dump(config))
    deep = project / "notes" / "today"
    deep.mkdir(parents=True)

    ran = tandem(deep, "parallel")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert len(list((project / "logs" / "runs").glob("*.json"))) == 1 and not (deep / "logs").exists()
    assert len(list((project / "_docs").glob("*_parallel_train_crawl.md"))) == 1

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for folder, args in ((deep, ["status"]), (elsewhere, ["--project", "../project", "status"])):
        status = tandem(folder, *args)
        assert status.returncode == 0 and "train succeeded" in status.stdout, status.stdout + status.stderr
    assert not (elsewhere / "logs").exists()
    missing = tandem(elsewhere, "--project", "nope", "status")
    assert (missing.returncode, missing.stderr) == (2, "error: --project nope: no such folder\n")


def test_a_detached_run_names_the_tandem_command_and_runs_in_the_project(tmp_path):
    assert tandem(tmp_path, "init").returncode == 0
    config = {"processes": {"train": {"command": ["{python}", str(STUB_CHILD), "--lines", "2"]}},
              "monitor": {"enabled": False}, "notify": {"enabled": False}, "report": {"plots": False}}
    (tmp_path / "configs" / "parallel.yaml").write_text(yaml.safe_dump(config))
    started = tandem(tmp_path / "logs", "parallel", "--detach")
    assert started.returncode == 0, started.stdout + started.stderr
    assert "tandem logs --follow" in started.stdout and "tandem stop" in started.stdout
    [record] = (tmp_path / "logs" / "runs").glob("*.json")
    supervisor = psutil.Process(json.loads(record.read_text())["supervisor_pid"])
    deadline = time.monotonic() + 120  # a stub child that prints two lines: seconds, even on a loaded machine
    while supervisor.is_running() and supervisor.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert json.loads(record.read_text())["status"] == "succeeded"


def test_init_refuses_to_overwrite_a_file_naming_it_unless_forced(tmp_path):
    assert tandem(tmp_path, "init", "mine").returncode == 0
    config = tmp_path / "mine" / "configs" / "crawl_config.yaml"
    config.write_text("target: 5\n")

    refused = tandem(tmp_path, "init", "mine")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: mine/configs/crawl_config.yaml: already there;")
    assert len(refused.stderr.splitlines()) == 1 and config.read_text() == "target: 5\n"

    forced = tandem(tmp_path, "init", "mine", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "moved aside: mine/configs/crawl_config.yaml.before-init-" in forced.stdout
    assert config.read_bytes() == (REPO / "configs" / "crawl_config.yaml").read_bytes()
    assert [p.read_text() for p in config.parent.glob("crawl_config.yaml.before-init-*")] == ["target: 5\n"]


def test_usage_lines_name_the_command_the_user_typed(tmp_path):
    typo = tandem(tmp_path, "parallel", "--crawl-targt", "5")
    assert (typo.returncode, typo.stderr) == (2, "error: tandem parallel: unknown flag --crawl-targt; did you mean "
                                                 "--crawl-target? (tandem --help parallel lists them)\n")
    # A console script, as pip writes one: a file named after the command.
    console = tmp_path / "tandem-crawl"
    console.write_text("from tandem.crawl.crawl_cli import run\nrun()\n")
    for folder, argv, command in (
            (REPO, [sys.executable, "scripts/crawl.py"], "scripts/crawl.py"),
            (tmp_path, [sys.executable, str(console)], "tandem-crawl"),
            (tmp_path, [sys.executable, "-m", "tandem.crawl"], "python -m tandem.crawl")):
        result = run(folder, *argv, "--bogus")
        assert result.returncode == 2
        assert result.stderr == f"error: {command}: unrecognized arguments: --bogus (see --help)\n"
        assert run(folder, *argv, "--help").stdout.startswith(f"usage: {command} ")
