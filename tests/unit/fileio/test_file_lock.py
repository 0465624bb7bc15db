"""The output-folder lock across `os.execv`: the trainer's preparing process becomes torchrun."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.processes import wait_for

from tandem.fileio.file_lock import AlreadyLocked, FileLock

TAKE_THEN_EXEC = """
import os, sys
from tandem.fileio.file_lock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire("trainer")
if sys.argv[2] == "keep":
    lock.keep_across_exec()
print("locked", flush=True)
os.execv(sys.executable, [sys.executable, "-c", "import time; print('exec', flush=True); time.sleep(60)"])
"""


@pytest.mark.parametrize(("keep", "held_after_exec"), [("keep", True), ("plain", False)])
def test_the_lock_outlives_exec_only_when_kept(tmp_path, keep, held_after_exec):
    path = tmp_path / "out.lock"
    process = subprocess.Popen([sys.executable, "-c", TAKE_THEN_EXEC, str(path), keep], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "locked"
        assert process.stdout.readline().strip() == "exec"  # the new program runs, same PID
        probe = FileLock(path)
        if held_after_exec:
            with pytest.raises(AlreadyLocked, match=f"pid {process.pid}, trainer"):
                probe.acquire("second")
        else:
            wait_for(lambda: _free(probe), timeout=10, what="the lock to be free")
    finally:
        process.kill()
        process.wait()


def _free(lock: FileLock) -> bool:
    try:
        lock.acquire("probe")
    except AlreadyLocked:
        return False
    lock.release()
    return True
