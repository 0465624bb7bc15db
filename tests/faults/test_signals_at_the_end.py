"""Ctrl-C and SIGTERM stay live to the last line of a run: a notification that hangs, a demo
whose own process is killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from support.fault_runs import SilentServer
from support.paths import REPO
from support.processes import alive, wait_for


@pytest.fixture
def silent_webhook() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_signal_during_a_hanging_notification_ends_the_run_at_once(fault, silent_webhook, signum, code):
    fault.config({"train": fault.child("--sleep", "0.2")},
                 notify={"enabled": True, "play_sound": False, "desktop": False, "webhook": silent_webhook.url,
                         "webhook_timeout_s": 60})
    supervisor = fault.start()
    wait_for(lambda: silent_webhook.connections, timeout=30, what="the notification to reach the webhook")
    sent = time.monotonic()
    supervisor.send_signal(signum)
    out, err = supervisor.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "the signal was ignored while the webhook hung"
    assert supervisor.returncode == code, err
    assert "Traceback" not in err
    assert "received during the end of the run" in fault.supervisor_log()
    assert fault.record()["status"] == "succeeded"  # the processes did succeed
    fault.wait_nothing_left(timeout=5)


def _in_folder(folder: Path) -> list[psutil.Process]:
    """Live processes that run in `folder` (the demo's children) or name it (its watchdog)."""
    found = []
    for proc in psutil.process_iter(["cwd", "cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE or proc.pid == os.getpid():
            continue
        if str(folder) in (proc.info["cwd"] or "") or str(folder) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_kill_9_of_invoke_demo_takes_the_demo_site_server_with_it(tmp_path):
    """In a scratch folder with the demo's own configs, so nothing of the checkout is touched."""
    (tmp_path / "scripts").symlink_to(REPO / "scripts")
    shutil.copytree(REPO / "configs" / "demo", tmp_path / "configs" / "demo")
    demo = subprocess.Popen([sys.executable, "-m", "invoke", "-r", str(REPO), "demo", "--pages", "40"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    invoke = psutil.Process(demo.pid)
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # served: the supervisor is about to start in this same process
            if line.startswith("demo site:"):
                break
        servers = [p for p in invoke.children() if "tandem.demosite" in " ".join(p.cmdline())]
        assert servers, "no demo site server found"
        demo.kill()
        demo.wait()
        wait_for(lambda: not alive(servers[0].pid), timeout=10, what="the demo site server to stop with invoke")
        wait_for(lambda: not _in_folder(tmp_path), timeout=60, what="every process of the demo to end")
    finally:
        for proc in _in_folder(tmp_path):
            try:
                proc.kill()
            except psutil.Error:
                pass
