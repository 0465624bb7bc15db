"""Every mistake a user makes on the command line or in a child's config, through the real tasks,
configs and scripts: one line naming the flag, or the file and key; exit 2; no child started,
no record, no report, no sound (README "Exit status"; docs/exit-codes.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO

PLAYERS = ("paplay", "aplay", "ffplay", "afplay", "notify-send")


@pytest.fixture
def project(tmp_path: Path, fake_bin) -> Path:
    """A copy of the shipped configs beside the real scripts; sound players that record calls."""
    (tmp_path / "scripts").symlink_to(REPO / "scripts")
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    for player in PLAYERS:
        fake_bin.add(player)
    return tmp_path


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), *args], cwd=project,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("args", "needles"), [
    (["parallel", "--crawl-config", "nope.yaml"], ["nope.yaml: config file not found"]),
    (["parallel", "--train-config", "nope.yaml"], ["nope.yaml: config file not found"]),
    (["parallel", "--crawl-target", "-5"], ["--crawl-target: must be at least 1"]),
    (["parallel", "--crawl-workers", "0"], ["--crawl-workers: must be at least 1"]),
    (["parallel", "--crawl-target", "abc"], ["--crawl-target: expected a whole number, got 'abc'"]),
    (["parallel", "--crawl-targt", "5"], ["unknown flag --crawl-targt", "did you mean --crawl-target?"]),
    (["parallel", "--crawl-target"], ["--crawl-target needs a value"]),
    (["paralel"], ["did you mean parallel?"]),
    (["parallel", "--set", "crawl.workers=0"], ["--set workers: must be at least 1"]),
    (["parallel", "--set", "train.training.max_stepz=3"], ["--set training.max_stepz: unknown key",
                                                           "did you mean 'training.max_steps'?"]),
    (["parallel", "--set", "eval.x=1"], ["--set eval.x=1: no process 'eval'"]),
    (["crawl", "--target", "0"], ["--target: must be at least 1, got 0"]),
    (["crawl", "--no-web-crawl"], ["configs/crawl_config.yaml: sources: --no-web-crawl needs"]),
    (["crawl", "--set", "scheduler=lifo"], ["--set scheduler: must be one of quality, fifo, got 'lifo'"]),
    (["train", "--config", "nope.yaml"], ["nope.yaml: config file not found"]),
    (["restart"], ["invoke restart: NAME is needed (see invoke --help restart)"]),
    (["dashboard", "--port", "abc"], ["--port: expected a whole number, got 'abc'"]),
    (["dashboard", "--port", "70000"], ["--port: must be at most 65535, got 70000"]),
])
def test_a_mistake_is_one_line_and_exit_2_with_nothing_started(project, fake_bin, args, needles):
    result = invoke(project, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert not (project / "logs").exists() and not (project / "_docs").exists()
    assert not (project / "data").exists() and not (project / "outputs").exists()
    assert all(fake_bin.calls(player) == [] for player in PLAYERS)


def test_a_bad_key_in_a_childs_config_names_that_file_and_key(project):
    crawl = project / "configs" / "crawl_config.yaml"
    crawl.write_text(crawl.read_text().replace("min_delay_s: 1.0", "min_delay_s: -1"))
    result = invoke(project, "parallel")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: configs/crawl_config.yaml: politeness.min_delay_s: delays must "
                                     "be 0 or more")
    assert not (project / "logs").exists()
