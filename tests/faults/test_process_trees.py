"""No process outlives its run: daemons, grandchildren in their own session, children started
the moment before the supervisor was killed with -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import psutil
import pytest
from support.fault_runs import ATTACK_CHILD
from support.processes import alive, wait_for


def _pids(pid_file, count):
    wait_for(lambda: pid_file.exists() and len(pid_file.read_text().split()) >= count, timeout=20,
             what="the child to write its pids")
    return [int(p) for p in pid_file.read_text().split()]


@pytest.mark.parametrize("how", ["--daemon", "--session-grandchild"])
def test_what_a_process_leaves_running_is_stopped_when_it_ends_and_reported(fault, how):
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child(how, "--pid-file", str(pid_file), "--sleep", "1")})
    result = fault.run()
    assert result.returncode == 0, result.stderr
    left = _pids(pid_file, 2)[1]
    wait_for(lambda: not alive(left), timeout=10, what=f"the process left behind (pid {left}) to be stopped")
    entry = fault.record()["processes"]["train"]
    assert entry["status"] == "succeeded"
    assert [f"pid {left}" in item for item in entry["leftovers"]] == [True]
    assert f"left 1 process(es) running; stopping pid {left}" in result.stdout
    fault.wait_nothing_left(timeout=5)


@pytest.mark.skipif(sys.platform != "linux", reason="the child subreaper is Linux's")
def test_a_daemon_that_clears_its_environment_is_found_stopped_and_named(fault):
    """Double fork, setsid, an empty environment: no tree, group or marker finds it; it is
    re-parented to the supervisor (its subreaper), which stops it and names it."""
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child("--hidden-daemon", "--pid-file", str(pid_file), "--sleep", "1")})
    result = fault.run()
    assert result.returncode == 0, result.stderr
    daemon = _pids(pid_file, 2)[1]
    wait_for(lambda: not alive(daemon), timeout=10, what=f"the hidden daemon (pid {daemon}) to be stopped")
    entry = fault.record()["processes"]["train"]
    assert entry["status"] == "succeeded"
    assert [f"pid {daemon}" in item for item in entry["leftovers"]] == [True]
    assert f"stopping pid {daemon}" in result.stdout
    fault.wait_nothing_left(timeout=5)


@pytest.mark.skipif(sys.platform != "linux", reason="the child subreaper is Linux's")
def test_orphans_that_end_by_themselves_are_reaped_during_the_run(fault):
    """A daemon that exits on its own while the run goes on is re-parented to the supervisor
    and must not stay a zombie there."""
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child("--hidden-daemon", "--pid-file", str(pid_file), "--sleep", "600"),
                  "crawl": fault.child("--sleep", "600")}, progress_interval_s=0.2)
    supervisor = fault.start()
    daemon = _pids(pid_file, 2)[1]
    wait_for(lambda: psutil.Process(daemon).ppid() == supervisor.pid, timeout=10,
             what="the daemon to be re-parented to the supervisor")
    psutil.Process(daemon).kill()
    wait_for(lambda: not psutil.pid_exists(daemon), timeout=10, what="the supervisor to reap the daemon")
    supervisor.send_signal(signal.SIGTERM)
    supervisor.communicate(timeout=30)
    assert supervisor.returncode == 143
    fault.wait_nothing_left(timeout=5)


def test_the_watchdog_sends_one_sigterm_then_waits(fault):
    """A child whose final commit takes a second must not get a second SIGTERM in between."""
    counts = fault.root / "terms"
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child("--count-term", str(counts), "--pid-file", str(pid_file), "--sleep", "600")},
                 shutdown={"grace_s": 5})
    supervisor = fault.start()
    child = _pids(pid_file, 1)[0]
    supervisor.kill()
    supervisor.wait()
    wait_for(lambda: not alive(child), timeout=15, what="the watchdog to stop the child")
    assert counts.read_text().count("TERM") == 1, counts.read_text()
    wait_for(lambda: fault.record()["status"] == "interrupted", timeout=5, what="the record to be final")
    fault.wait_nothing_left(timeout=5)


def _kill_when_the_child_appears(fault, supervisor, delay_s):
    """kill -9 the supervisor `delay_s` after its child process exists (the moment its PID may
    not be in the record yet); returns the PIDs of the child tree seen."""
    root = psutil.Process(supervisor.pid)
    deadline = time.monotonic() + 30
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and not children:
        try:
            children = [p for p in root.children() if "attack_child.py" in " ".join(p.cmdline())]
        except psutil.Error:
            children = []
    assert children, "the child never started"
    time.sleep(delay_s)
    supervisor.kill()
    supervisor.wait()
    return [p.pid for p in children]


@pytest.mark.slow
def test_kill_9_at_random_moments_after_a_start_leaves_nothing_running(fault):
    """Seeded: the same moments every run. Half the delays fall inside the first 20 ms, where
    the child exists but its PID may not be in the record yet."""
    moments = random.Random(11)
    delays = [moments.uniform(0, 0.02) for _ in range(3)] + [moments.uniform(0.02, 0.6) for _ in range(2)]
    fault.config({"train": fault.child("--sleep", "600", "--daemon")}, shutdown={"grace_s": 2})
    for trial, delay in enumerate(delays):
        supervisor = fault.start()
        seen = _kill_when_the_child_appears(fault, supervisor, delay)
        wait_for(lambda: not fault.left(), timeout=15,
                 what=f"trial {trial} (kill -9 {delay * 1000:.0f} ms after start): the watchdog to stop everything")
        assert not [pid for pid in seen if alive(pid)]
        records = fault.records()
        assert len(records) == trial + 1, "a run record was lost or written twice"
        assert records[-1]["status"] == "interrupted", records[-1]
    assert all(r["status"] == "interrupted" for r in fault.records())


def test_the_next_run_stops_a_child_whose_pid_never_reached_the_record(fault):
    """The record as a supervisor killed with -9 (its watchdog too) right after a start leaves
    it: the child runs, its entry has no PID. The next run must find it by its marker."""
    runs = fault.logs_dir / "runs"
    status = (runs / "20000101_000000" / "train.status.json").resolve()
    status.parent.mkdir(parents=True)
    orphan = subprocess.Popen([sys.executable, str(ATTACK_CHILD), "--tag", fault.tag, "--sleep", "600"],
                              env={**os.environ, "TANDEM_RUN_ID": "20000101_000000", "TANDEM_STATUS_FILE": str(status)},
                              start_new_session=True, stdout=subprocess.DEVNULL)
    (runs / "20000101_000000.json").write_text(json.dumps({
        "run_id": "20000101_000000", "status": "running", "supervisor_pid": 999_999_999,
        "supervisor_create_time": 1.0, "cwd": str(fault.root),
        "processes": {"train": {"command": ["x"], "pid": None, "create_time": None, "status": "pending",
                                "status_file": str(status), "attempts": []}}}))
    fault.config({"train": fault.child("--sleep", "0.2")})
    result = fault.run()
    assert result.returncode == 0, result.stderr
    orphan.wait(timeout=10)  # stopped (and reaped here, its parent)
    first, second = fault.records()
    assert first["status"] == "interrupted" and first["processes"]["train"]["status"] == "stopped"
    assert second["status"] == "succeeded"
    fault.wait_nothing_left(timeout=5)


def test_sigterm_to_a_run_stops_a_daemon_too(fault):
    pid_file = fault.root / "pids"
    fault.config({"train": fault.child("--daemon", "--pid-file", str(pid_file), "--sleep", "600")},
                 shutdown={"grace_s": 2})
    supervisor = fault.start()
    pids = _pids(pid_file, 2)
    supervisor.send_signal(signal.SIGTERM)
    supervisor.communicate(timeout=20)
    assert supervisor.returncode == 143
    assert not [pid for pid in pids if alive(pid)]
    fault.wait_nothing_left(timeout=5)
