"""Real stub processes for the monitor, and a clock the test moves by hand."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Allocates `step_mb` more memory every time the parent writes a line to its stdin, so a test
# can take a sample between steps; exits on EOF. With --tree the allocating happens in a child
# of the started process, which the monitor must count as part of the tree.
ALLOCATOR = textwrap.dedent("""
    import subprocess, sys
    if sys.argv[1:2] == ["--tree"]:
        sys.exit(subprocess.call([sys.executable, sys.argv[0], *sys.argv[2:]]))
    step_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    held = []
    print("ready", flush=True)
    for line in sys.stdin:
        block = bytearray(step_mb * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page so that it counts in RSS
        held.append(block)
        print("grown", flush=True)
""")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def allocator(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    script = tmp_path / "allocator.py"
    script.write_text(ALLOCATOR)
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, str(script), *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
