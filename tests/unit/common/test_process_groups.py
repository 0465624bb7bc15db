"""One way to stop what the kit started: a program that leads its own group is stopped with
everything it started, and a group already gone is not an error."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from support.processes import alive, kill_all, wait_for

from tandem.common.process_groups import kill_group, own_group, signal_group, terminate_group

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

# A leader that starts a grandchild, says its PID and waits.
LEADER = ("import subprocess, sys, time; c = subprocess.Popen(['sleep', '600']); "
          "print(c.pid, flush=True); time.sleep(600)")


def _leader_with_grandchild() -> tuple[subprocess.Popen[str], int]:
    leader = subprocess.Popen([sys.executable, "-c", LEADER], stdout=subprocess.PIPE, text=True, **own_group())
    assert leader.stdout is not None
    return leader, int(leader.stdout.readline())


@pytest.mark.parametrize("stop", [terminate_group, kill_group])
def test_stopping_a_group_reaches_the_grandchildren(stop) -> None:
    leader, grandchild = _leader_with_grandchild()
    try:
        assert stop(leader.pid)
        leader.wait(timeout=30)
        wait_for(lambda: not alive(grandchild), what="the grandchild to end")
    finally:
        kill_all([leader.pid, grandchild])


def test_a_group_already_gone_is_not_an_error() -> None:
    leader = subprocess.Popen([sys.executable, "-c", "pass"], **own_group())
    leader.wait(timeout=30)
    assert signal_group(leader.pid, signal.SIGTERM) is False
    assert kill_group(leader.pid) is False
