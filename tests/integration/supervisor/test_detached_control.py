"""A run as a service, as a user types it: `invoke parallel --detach`, then `status`, `restart
NAME`, `stop NAME` and `stop` from other terminals, with real processes (the stub child)."""

from __future__ import annotations

import os
import re
import subprocess

import psutil

from tandem.contracts.run_record import RunRecord


def _invoke(workdir, task: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`invoke TASK ARGS…` in the run's folder, from another terminal."""
    return workdir.run(*args, task=task)


def _pids(pid_file):
    return [int(p) for p in pid_file.read_text().split()] if pid_file.exists() else []


def _running(proc: psutil.Process) -> bool:
    """Still the process we saw start (a reused PID is not), and not a zombie."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_detach_status_restart_stop_one_then_stop_all(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--status-steps", "600", "--sleep", "600", "--pid-file", str(pid_file)],
                   ["--sleep", "600", "--pid-file", str(pid_file)], shutdown={"grace_s": 3})

    started = workdir.run("--detach", timeout=60)
    assert started.returncode == 0, started.stderr
    supervisor = int(re.search(r"started in the background: supervisor pid (\d+)", started.stdout)[1])
    reap.append(supervisor)
    assert "invoke stop" in started.stdout and "invoke logs --follow" in started.stdout
    assert os.getsid(supervisor) == supervisor  # its own session: the terminal's SIGHUP never reaches it
    workdir.wait_for(lambda: len(_pids(pid_file)) == 2, what="both children to start")
    reap.extend(_pids(pid_file))
    train, crawl = (workdir.record()["processes"][name]["pid"] for name in ("train", "crawl"))
    train_proc, crawl_proc = psutil.Process(train), psutil.Process(crawl)
    watchdog = next(p.pid for p in psutil.Process(supervisor).children()
                    if "tandem.supervisor.watchdog" in " ".join(p.cmdline()))

    status = _invoke(workdir, "status")
    assert status.returncode == 0
    assert re.search(r"train running \d+/600 steps", status.stdout) and "crawl running" in status.stdout

    restarted = _invoke(workdir, "restart", "crawl")
    assert restarted.returncode == 0, restarted.stderr
    assert "restart crawl (asked by invoke restart crawl): pid" in restarted.stdout
    new_crawl = int(re.search(r"crawl: running, pid (\d+), restart 1", restarted.stdout)[1])
    reap.append(new_crawl)
    new_crawl_proc = psutil.Process(new_crawl)
    assert not _running(crawl_proc), "the restarted crawl's old process is still running"
    assert _running(train_proc), "the restart of crawl touched train"

    stopped_one = _invoke(workdir, "stop", "crawl")
    assert stopped_one.returncode == 0, stopped_one.stderr
    assert "crawl: stopped" in stopped_one.stdout
    assert stopped_one.stderr == "" and len(workdir.records()) == 1  # `crawl` was the process, not the task
    assert not _running(new_crawl_proc)
    assert _running(train_proc) and workdir.alive(supervisor)

    stopped = _invoke(workdir, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert re.search(r"run \d+_\d+ interrupted \(exit 143\)", stopped.stdout)
    workdir.wait_for(lambda: not workdir.alive(supervisor), what="the supervisor to exit")
    workdir.wait_for(lambda: not workdir.alive(watchdog), what="the watchdog to exit")
    assert not [p for p in (train_proc, crawl_proc, new_crawl_proc) if _running(p)], "a child is still running"

    record = RunRecord.load(workdir.root / "logs" / "runs" / f"{workdir.record()['run_id']}.json")
    assert (record.status, record.exit_code) == ("interrupted", 143)
    assert record.interrupted_reason == "stop requested by invoke stop"
    crawl_entry = record.processes["crawl"]
    assert crawl_entry.restarts == 1 and crawl_entry.status == "stopped"
    assert [a.reason for a in crawl_entry.attempts] == ["stopped for a restart (invoke restart crawl)",
                                                        "stopped on request (invoke stop crawl)"]
    assert record.processes["train"].attempts[-1].reason == "stopped on request"

    again = _invoke(workdir, "stop")
    assert again.returncode == 1
    assert f"error: nothing is running: the latest run, {record.run_id}, interrupted at" in again.stderr


def test_nothing_to_stop_or_restart_is_a_clear_error(workdir):
    result = _invoke(workdir, "stop")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: nothing is running: no run recorded yet in {os.path.join('logs', 'runs')}"
    result = _invoke(workdir, "restart", "crawl")
    assert result.returncode == 1 and "nothing is running" in result.stderr


def test_a_detached_run_that_cannot_start_says_why_here(workdir, reap):
    pid_file = workdir.root / "pids"
    workdir.config(["--sleep", "600", "--pid-file", str(pid_file)], None, shutdown={"grace_s": 2})
    first = workdir.start()
    reap.append(first.pid)
    workdir.wait_for(lambda: len(_pids(pid_file)) == 1, what="the first run's child")
    reap.extend(_pids(pid_file))
    second = workdir.run("--detach", timeout=60)
    assert second.returncode == 2
    assert "another tandem supervisor is running in this folder" in second.stderr
    assert len(workdir.records()) == 1
    first.terminate()
    first.wait(timeout=30)
