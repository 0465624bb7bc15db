"""Configs as hostile input: counts far beyond what the machine holds, and a YAML alias bomb of
a few hundred bytes. Each is one line naming the file (or flag) and key, exit 2, at once —
never a run that eats the machine, never a traceback, never a value printed whole."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.fault_runs import one_line
from support.paths import REPO

CRAWL = REPO / "scripts" / "crawl.py"


def _crawl_check(tmp_path, text: str, *flags: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "crawl.yaml"
    config.write_text("seeds: [https://example.org/]\n" + text)
    return subprocess.run([sys.executable, str(CRAWL), "--config", str(config), "--check", *flags],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("text", "flags", "origin"), [
    ("workers: 1000000\n", (), "crawl.yaml: workers"),
    ("workers: 4\n", ("--workers", "100000000"), "--workers"),
    ("politeness: {per_host_concurrency: 100000}\n", (), "crawl.yaml: politeness.per_host_concurrency"),
])
def test_a_count_the_machine_cannot_hold_is_refused_before_the_crawl(tmp_path, text, flags, origin):
    done = _crawl_check(tmp_path, text, *flags)
    line = one_line(done.stderr)
    assert done.returncode == 2, done.stdout + done.stderr
    assert origin in line and "must be at most" in line
    assert "(" in line  # says why


def _alias_bomb(levels: int, width: int = 8) -> str:
    """`command: &a7 [&a6 [... [x, x, …], *a1, …], *a6, …]`: a few hundred bytes of YAML that
    stand for width**levels strings."""
    inner = "[" + ", ".join(["x"] * width) + "]"
    for level in range(1, levels):
        inner = f"[&a{level} {inner}" + f", *a{level}" * (width - 1) + "]"
    return f"processes:\n  train:\n    command: {inner}\n"


def test_a_yaml_alias_bomb_is_one_short_line(tmp_path):
    config = tmp_path / "parallel.yaml"
    config.write_text(_alias_bomb(7))  # 8**7 = 2 million strings behind 400 bytes
    assert len(config.read_bytes()) < 1000
    done = subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "parallel", "--config", str(config)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert str(config) in line and "alias" in line
    assert len(line) < len(str(config)) + 300
    assert not (tmp_path / "logs").exists()  # nothing started


def test_aliases_that_repeat_a_value_are_still_read(tmp_path):
    """Bounded, not banned: a config may name a value once and reuse it."""
    done = _crawl_check(tmp_path, "target: &n 5\nworkers: *n\n")
    assert done.returncode == 0, done.stderr
    assert "with 5 worker(s)" in done.stdout


def test_a_wrong_value_is_shown_short_however_long_it_is(tmp_path):
    done = _crawl_check(tmp_path, f"workers: [{', '.join(['12345678'] * 20000)}]\n")
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert "workers: expected an integer" in line and len(line) < 400
