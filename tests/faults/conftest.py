"""Fixtures of the fault-injection suite (docs/faults.md): a tagged folder per test, and a
small filesystem for a full disk where this machine can mount one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fault_runs import FaultRun


@pytest.fixture
def fault(tmp_path: Path) -> Iterator[FaultRun]:
    run = FaultRun(tmp_path)
    yield run
    run.cleanup()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs, mounted for the test; skipped where this machine cannot mount one."""
    mount = shutil.which("mount")
    if sys.platform != "linux" or mount is None:
        pytest.skip("a small filesystem needs Linux and mount(8)")
    point = tmp_path / "small_disk"
    point.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
