"""Junk in a running run's control folder: a FIFO or a folder named like a request, and a
request whose sender carries newlines and markup. The run must go on, answer `invoke stop`,
and never copy the junk into its record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO
from support.processes import wait_for


def _control_folder(fault) -> Path:
    runs = fault.logs_dir / "runs"
    wait_for(lambda: runs.is_dir() and any(p.is_dir() and (p / "control").is_dir() for p in runs.iterdir()),
             timeout=30, what="the run's control folder")
    return next(p / "control" for p in runs.iterdir() if (p / "control").is_dir())


def _invoke_stop(fault) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "stop", "--logs-dir",
                           str(fault.logs_dir)], cwd=fault.root, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def _ended(supervisor: subprocess.Popen[str], fault, timeout: float = 30) -> tuple[int, str]:
    """The supervisor's exit status; a supervisor still running after `timeout` is killed and
    the test fails (the old code froze on a FIFO)."""
    try:
        out, _err = supervisor.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        supervisor.kill()
        supervisor.communicate()
        pytest.fail(f"the supervisor did not end within {timeout:g}s (frozen by the control folder?)")
    return supervisor.returncode, out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_request_is_ignored_and_the_run_still_answers_a_stop(fault):
    fault.config({"train": fault.child("--sleep", "600")})
    supervisor = fault.start()
    control = _control_folder(fault)
    os.mkfifo(control / "x.request.json")
    wait_for(lambda: "x.request.json" in fault.supervisor_log(), timeout=30,
             what="the supervisor to say it ignored the FIFO")
    stop = _invoke_stop(fault)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    code, _out = _ended(supervisor, fault)
    assert code == 143
    assert fault.supervisor_log().count("x.request.json") == 1  # said once, not on every poll
    assert (control / "x.request.json").exists()  # not ours: left where it is
    fault.wait_nothing_left(timeout=10)


def test_a_folder_named_like_a_request_does_not_end_the_run(fault):
    fault.config({"train": fault.child("--sleep", "600")})
    supervisor = fault.start()
    control = _control_folder(fault)
    (control / "x.request.json").mkdir()
    wait_for(lambda: "x.request.json" in fault.supervisor_log() or supervisor.poll() is not None, timeout=30,
             what="the supervisor to notice the folder")
    assert supervisor.poll() is None, "the run ended because of a folder in its control folder"
    supervisor.send_signal(signal.SIGTERM)
    code, _out = _ended(supervisor, fault)
    assert code == 143
    assert fault.record()["processes"]["train"]["status"] == "stopped"
    assert "x.request.json: a folder, not a file; ignored" in fault.supervisor_log()
    fault.wait_nothing_left(timeout=10)


def test_a_senders_newlines_and_markup_never_reach_the_record(fault):
    fault.config({"train": fault.child("--sleep", "600")})
    supervisor = fault.start()
    control = _control_folder(fault)
    sender = "evil\nline two\r\n<script>alert(1)</script>" + "x" * 500
    request = {"id": "abc123", "action": "stop", "process": None, "sender": sender}
    (control / ".tmp-abc123").write_text(json.dumps(request))
    os.replace(control / ".tmp-abc123", control / "abc123.request.json")
    code, _out = _ended(supervisor, fault)
    assert code == 143
    reason = fault.record()["interrupted_reason"]
    assert reason.startswith("stop requested by evil line two")
    assert "\n" not in reason and "\r" not in reason and "<" not in reason and ">" not in reason
    assert len(reason) <= len("stop requested by ") + 100
    log = fault.supervisor_log()
    assert "<script>" not in log and "evil\n" not in log
    fault.wait_nothing_left(timeout=10)
