"""The hints name the command as the user can type it again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tandem.common.kit_command import ENV_KIT_COMMAND, kit_command


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV_KIT_COMMAND, raising=False)
    folder = tmp_path / "venv" / "bin"
    folder.mkdir(parents=True)
    program = folder / "invoke"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    return folder


def test_a_program_not_on_path_is_named_by_the_path_typed(bin_dir, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert kit_command(str(bin_dir / "invoke")) == os.path.join("venv", "bin", "invoke")
    assert kit_command("venv/bin/invoke") == "venv/bin/invoke"


def test_the_program_found_on_path_is_named_bare(bin_dir, monkeypatch):
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert kit_command(str(bin_dir / "invoke")) == "invoke"


def test_another_program_of_that_name_on_path_is_not_the_one_that_runs(bin_dir, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    (other / "invoke").write_text("#!/bin/sh\n")
    (other / "invoke").chmod(0o755)
    monkeypatch.setenv("PATH", f"{other}:/usr/bin:/bin")
    assert kit_command(str(bin_dir / "invoke")) == os.path.join("venv", "bin", "invoke")


def test_python_dash_m_is_named_so(bin_dir):
    assert kit_command("/somewhere/site-packages/invoke/__main__.py") == "python -m invoke"


def test_a_detached_run_names_what_its_starter_typed(bin_dir, monkeypatch):
    monkeypatch.setenv(ENV_KIT_COMMAND, ".venv/bin/invoke")
    assert kit_command("/somewhere/site-packages/invoke/__main__.py") == ".venv/bin/invoke"
