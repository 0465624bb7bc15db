"""Starting a child through Invoke's runner: the argv runs as given (no shell, no string that
loses its quoting), its output lands in its log, and the runner runs nothing but its own spec."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tandem.supervisor.invoke_runner import LaunchSpec, SupervisedLocal, launch, supervisor_context


def test_the_argv_runs_as_given_with_only_its_environment(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import os, sys; print(sys.argv[1:], os.environ.get('HOME'), os.environ['X'])",
            "two words", "$HOME", "'quoted'"]
    result = launch(LaunchSpec(argv, tmp_path / "child.log", env={"X": "a b"})).join()
    assert result.exited == 0
    assert result.command == LaunchSpec(argv, tmp_path / "child.log").command_line
    assert (tmp_path / "child.log").read_text().strip() == "['two words', '$HOME', \"'quoted'\"] None a b"


def test_the_exit_code_is_a_result_not_an_exception(tmp_path: Path) -> None:
    assert launch(LaunchSpec([sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "log")).join().exited == 3


def test_a_runner_refuses_a_command_that_is_not_its_own(tmp_path: Path) -> None:
    runner = SupervisedLocal(supervisor_context(), LaunchSpec(["true"], tmp_path / "log"))
    with pytest.raises(ValueError, match="not 'rm -rf x'"):
        runner.start("rm -rf x", "/bin/sh", {})
    assert not (tmp_path / "log").exists()


def test_every_child_shares_one_context(tmp_path: Path) -> None:
    first = launch(LaunchSpec(["true"], tmp_path / "a.log"))
    second = launch(LaunchSpec(["true"], tmp_path / "b.log"))
    first.join(), second.join()
    assert first.runner.context is second.runner.context
