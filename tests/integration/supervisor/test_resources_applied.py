"""Pinning and renicing a live child: every thread it has, not only the main one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tandem.supervisor.resources import apply_resources


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_apply_pins_and_renices_every_thread_of_a_running_child():
    code = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        deadline = time.monotonic() + 10
        while len(os.listdir(f"/proc/{child.pid}/task")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # let it start its second thread: every thread must be pinned
        assert apply_resources(child.pid, [cpu], 6) == []
        for tid in map(int, os.listdir(f"/proc/{child.pid}/task")):
            assert os.sched_getaffinity(tid) == {cpu}
            assert os.getpriority(os.PRIO_PROCESS, tid) == 6
    finally:
        child.kill()
        child.wait()
    assert apply_resources(child.pid, [cpu], 6) == []  # gone: nothing to do, nothing to report
