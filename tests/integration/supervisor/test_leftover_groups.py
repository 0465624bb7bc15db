"""What an ended child left in its process group, against real processes: found by the group
scan even when nothing else would find it, and never sent a second SIGTERM when the group had
one already (a stop of the run signals the whole group at once).

The member here cleared its environment (no `TANDEM_STATUS_FILE` marker) and was never seen
below the child (no `ProcessTrees.remember`): only its process group gives it away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from support.processes import kill_all, wait_for

from tandem.common.process_groups import own_group
from tandem.supervisor.process_tree import LeftoverStopper, ProcessTrees

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX groups, Linux signal order")

# Notes each SIGTERM it gets and survives it; a real-time signal is the test's "all delivered?"
# probe: Linux delivers pending standard signals (SIGTERM) before real-time ones, and Python runs
# the handlers in signal-number order, so once "RT" is noted any earlier SIGTERM has been too.
MEMBER = """
import signal, sys, time
def note(word):
    with open(sys.argv[1], "a") as out:
        out.write(word + "\\n")
signal.signal(signal.SIGTERM, lambda *_: note("TERM"))
signal.signal(signal.SIGRTMIN, lambda *_: note("RT"))
note("ready")
while True:
    time.sleep(1)
"""
# Leads its own group, starts the member in it with an empty environment, says its PID, exits.
LEADER = """
import subprocess, sys
member = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], env={})
print(member.pid, flush=True)
"""


@pytest.fixture
def left_member(tmp_path: Path):
    """(leader pid, member process, notes file): the leader has ended and been reaped."""
    notes = tmp_path / "notes"
    leader = subprocess.Popen([sys.executable, "-c", LEADER, MEMBER, str(notes)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ}, **own_group())
    assert leader.stdout is not None
    member = psutil.Process(int(leader.stdout.readline()))
    leader.wait(timeout=30)
    wait_for(lambda: notes.exists() and "ready" in notes.read_text(), what="the member to be ready")
    yield leader.pid, member, notes
    kill_all([member.pid])


def test_the_group_scan_finds_a_member_that_nothing_else_would(left_member) -> None:
    leader, member, _ = left_member
    assert os.getpgid(member.pid) == leader
    assert ProcessTrees().left_behind("train", leader, marker="/no/such/status.json") == [member]


def test_a_member_of_a_group_that_had_its_sigterm_gets_sigkill_not_a_second_sigterm(left_member) -> None:
    leader, member, notes = left_member
    stopper = LeftoverStopper()
    stopper.stop([member], now=0.0, grace_s=5.0, group=leader)
    member.send_signal(signal.SIGRTMIN)
    wait_for(lambda: "RT" in notes.read_text(), what="the member to take the probe signal")
    assert notes.read_text().split() == ["ready", "RT"]  # no SIGTERM came before the probe
    stopper.tick(now=5.0)
    wait_for(lambda: not member.is_running() or member.status() == psutil.STATUS_ZOMBIE, what="SIGKILL")


def test_a_process_left_outside_a_stopping_group_gets_its_sigterm(left_member) -> None:
    _, member, notes = left_member
    LeftoverStopper().stop([member], now=0.0, grace_s=5.0, group=None)
    wait_for(lambda: "TERM" in notes.read_text(), what="the SIGTERM")
