"""Whatever fails inside the supervisor: children stopped as trees, the record says what
happened, one line on stderr, exit 1 — never a traceback, never a child left under PID 1."""

from __future__ import annotations

import time

from support.fault_runs import one_line
from support.processes import wait_for


def test_full_disk_while_children_run_stops_them_and_says_where(fault, small_disk):
    """One child fills the disk and runs on; the other ends, so the record must be saved."""
    fault.logs_dir = small_disk / "logs"
    fault.config({"train": fault.child("--fill-log", "--session-grandchild", "--sleep", "600"),
                  "crawl": fault.child("--sleep", "2", "--exit", "0")})
    result = fault.run(timeout=90)
    line = one_line(result.stderr)
    assert result.returncode == 1, result.stderr
    assert "no space left on" in line and str(small_disk) in line
    fault.wait_nothing_left(timeout=10)


def test_record_path_turned_into_a_folder_is_one_line_and_the_children_are_stopped(fault):
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child("--daemon", "--pid-file", str(pid_file), "--sleep", "600"),
                  "crawl": fault.child("--record-folder", "--sleep", "1", "--exit", "0")})
    started = time.monotonic()
    result = fault.run(timeout=60)
    line = one_line(result.stderr)
    assert result.returncode == 1
    assert "is a directory" in line and "logs/runs/" in line
    assert time.monotonic() - started < 30
    fault.wait_nothing_left(timeout=10)
    log = fault.supervisor_log()
    assert "supervisor failed" in log


def test_supervisor_error_is_in_the_record_when_the_disk_allows(fault):
    """A status path that a child turns into a folder used to crash the loop; now it is one
    notice, and the run goes on to its normal end."""
    fault.config({"train": fault.child("--status-folder", "--sleep", "1.5")})
    result = fault.run()
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    assert "a folder, not a file; ignored" in result.stdout
    assert fault.record()["status"] == "succeeded"
    fault.wait_nothing_left(timeout=5)


def test_watchdog_outlives_a_failed_supervisor_until_the_record_is_final(fault, small_disk):
    """The record cannot be saved on a full disk: the watchdog must not be stopped, and it must
    not leave anything running either."""
    fault.logs_dir = small_disk / "logs"
    fault.config({"train": fault.child("--fill-log", "--sleep", "600"),
                  "crawl": fault.child("--sleep", "2")})
    result = fault.run(timeout=90)
    assert result.returncode == 1
    assert "the run record could not be updated" in one_line(result.stderr)
    wait_for(lambda: not fault.left(), timeout=15, what="the watchdog to end once nothing is left")
