"""Stopping: signals to the supervisor, process trees, kill -9 of the supervisor, the lock."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import psutil
import pytest


def _pids(workdir, pid_file, count):
    workdir.wait_for(lambda: pid_file.exists() and len(pid_file.read_text().split()) >= count,
                     what="children to start")
    return [int(p) for p in pid_file.read_text().split()]


def test_sigterm_stops_a_stubborn_tree_within_grace(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--ignore-term", "--grandchild", "--pid-file", str(pid_file), "--sleep", "600"],
                   ["--sleep", "600", "--pid-file", str(pid_file)], shutdown={"grace_s": 2})
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 3)
    reap.extend(pids)
    supervisor.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    supervisor.wait(timeout=30)
    took = time.monotonic() - sent
    assert supervisor.returncode == 143
    assert not [p for p in pids if workdir.alive(p)], "a process of the trees survived"
    assert took <= 2 + 2 + 1.5  # grace + the 2 s the issue allows, + report-free finishing
    record = workdir.record()
    assert record["status"] == "interrupted" and record["exit_code"] == 143
    assert {e["status"] for e in record["processes"].values()} == {"stopped"}
    log = (workdir.root / "logs" / "parallel_train_crawl.log").read_text()
    assert "SIGTERM received" in log and "grace period of 2s is over: killing train" in log


def test_second_ctrl_c_forces_at_once(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--ignore-term", "--pid-file", str(pid_file), "--sleep", "600"], None,
                   shutdown={"grace_s": 60})
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 1)
    reap.extend(pids)
    supervisor.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert workdir.alive(pids[0])  # it ignores SIGTERM; the grace period is long
    supervisor.send_signal(signal.SIGINT)
    supervisor.wait(timeout=10)
    assert supervisor.returncode == 130
    assert not workdir.alive(pids[0])
    assert workdir.record()["status"] == "interrupted"


def test_well_behaved_children_stop_fast(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--sleep", "600", "--pid-file", str(pid_file)],
                   ["--sleep", "600", "--pid-file", str(pid_file)], shutdown={"grace_s": 30})
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 2)
    reap.extend(pids)
    supervisor.send_signal(signal.SIGTERM)
    supervisor.wait(timeout=10)
    assert supervisor.returncode == 143
    assert not [p for p in pids if workdir.alive(p)]


def test_kill_9_of_the_supervisor_then_watchdog_stops_the_children(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--sleep", "600", "--grandchild", "--pid-file", str(pid_file)],
                   ["--sleep", "600", "--pid-file", str(pid_file)], shutdown={"grace_s": 2},
                   report={"enabled": True, "plots": False})
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 3)
    reap.extend(pids)
    supervisor.kill()
    supervisor.wait()
    workdir.wait_for(lambda: not [p for p in pids if workdir.alive(p)], timeout=2 + 4,
                     what="the watchdog to stop the orphaned children")
    workdir.wait_for(lambda: workdir.record().get("report") is not None, timeout=15,
                     what="the watchdog to write the interrupted run's report")
    record = workdir.record()
    assert record["status"] == "interrupted"
    assert {e["status"] for e in record["processes"].values()} == {"stopped"}
    assert "died" in record["interrupted_reason"]
    report = (workdir.root / record["report"]).read_text()
    assert "interrupted" in report and record["run_id"].replace("_", "\\_") in report


def test_kill_9_of_supervisor_and_watchdog_then_next_run_stops_leftovers_and_resumes(workdir, reap):
    pid_file = workdir.root / "pids"
    env_file = workdir.root / "env.json"
    workdir.config(["--sleep", "600", "--pid-file", str(pid_file)], None, shutdown={"grace_s": 2})
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 1)
    reap.extend(pids)
    watchdogs = [p for p in psutil.Process(supervisor.pid).children()
                 if "tandem.supervisor.watchdog" in " ".join(p.cmdline())]
    assert len(watchdogs) == 1
    watchdogs[0].kill()  # power loss of both: nobody is left to clean up
    supervisor.kill()
    supervisor.wait()
    time.sleep(0.5)
    assert workdir.alive(pids[0])
    first = workdir.record()
    assert first["status"] == "running"

    workdir.config(["--env-file", str(env_file)], None)
    result = workdir.run()
    assert result.returncode == 0, result.stderr
    assert not workdir.alive(pids[0]), "the leftover child was not stopped (it would run twice)"
    records = workdir.records()
    assert records[0]["run_id"] == first["run_id"] and records[0]["status"] == "interrupted"
    assert records[0]["processes"]["train"]["status"] == "stopped"
    assert records[1]["status"] == "succeeded"
    assert '"TANDEM_AUTO_RESUME": "1"' in env_file.read_text()


def test_pid_reuse_is_not_mistaken_for_a_leftover(workdir, reap):
    """A record naming a live PID with another create time must not get that process killed."""
    import json

    bystander = psutil.Popen(["sleep", "30"])
    reap.append(bystander.pid)
    runs = workdir.root / "logs" / "runs"
    runs.mkdir(parents=True)
    (runs / "20000101_000000.json").write_text(json.dumps({
        "run_id": "20000101_000000", "status": "running", "supervisor_pid": 999999,
        "supervisor_create_time": 1.0,
        "processes": {"train": {"pid": bystander.pid, "create_time": bystander.create_time() - 100,
                                "status": "running"}}}))
    workdir.config(["--lines", "1"], None)
    assert workdir.run().returncode == 0
    assert workdir.alive(bystander.pid)
    assert workdir.records()[0]["status"] == "interrupted"


def test_second_supervisor_in_the_same_folder_refuses(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--sleep", "600", "--pid-file", str(pid_file)], None, shutdown={"grace_s": 2})
    first = workdir.start()
    reap.extend(_pids(workdir, pid_file, 1))
    second = workdir.run(timeout=30)
    assert second.returncode == 2
    assert "another tandem supervisor is running in this folder" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert len(workdir.records()) == 1
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=15)


@pytest.mark.slow
def test_flood_of_200_mb_leaves_supervisor_memory_flat(workdir):
    workdir.config(["--flood-mb", "200"], ["--flood-mb", "10"])
    supervisor = workdir.start()
    proc = psutil.Process(supervisor.pid)
    samples, early = [], None
    log: Path | None = None
    while supervisor.poll() is None:
        try:
            samples.append(proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        # The baseline is the supervisor once the flood is under way (its imports done and the
        # first 20 MB passed through), not a moment of its start-up, which a busy machine stretches.
        if log is None and (workdir.root / "logs" / "runs").is_dir():
            with contextlib.suppress(AssertionError, ValueError, KeyError, OSError):
                log = workdir.root / workdir.record()["processes"]["train"]["log_file"]
        if early is None and log is not None and log.exists() and log.stat().st_size > 20_000_000:
            early = samples[-1]
        time.sleep(0.05)
    assert supervisor.returncode == 0
    log = workdir.root / workdir.record()["processes"]["train"]["log_file"]
    assert log.stat().st_size >= 200_000_000
    assert early is not None, "the flood was never seen under way"
    peak = max(samples)
    assert peak < 100 * 2**20, f"supervisor peak RSS {peak / 2**20:.0f} MB"
    assert peak - early < 15 * 2**20, f"supervisor RSS grew by {(peak - early) / 2**20:.0f} MB"


def test_signal_to_supervisor_group_does_not_reach_children_directly(workdir, reap):
    """Children lead their own sessions: a terminal's Ctrl-C reaches the supervisor only, which
    then stops them in order (so they cannot die half-way through a write on the raw signal)."""
    pid_file = workdir.root / "pids"
    workdir.config(["--sleep", "600", "--pid-file", str(pid_file)], None)
    supervisor = workdir.start()
    pids = _pids(workdir, pid_file, 1)
    reap.extend(pids)
    assert os.getpgid(pids[0]) == pids[0] != os.getpgid(supervisor.pid)
    supervisor.send_signal(signal.SIGTERM)
    supervisor.wait(timeout=15)
