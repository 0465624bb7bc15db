"""A real, small filesystem for full-disk tests: a tmpfs of a few hundred KiB, mounted for the
test and unmounted after it. Needs root (or CAP_SYS_ADMIN); where mounting is not allowed the
test is skipped with the reason."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_tmpfs(mount_point: Path, size_kib: int) -> Iterator[Path]:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for a full disk needs root on Linux")
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def resize_tmpfs(mount_point: Path, size_kib: int) -> None:
    """Give a full tmpfs more room, as a person freeing space would."""
    subprocess.run(["mount", "-o", f"remount,size={size_kib}k", str(mount_point)], check=True)
