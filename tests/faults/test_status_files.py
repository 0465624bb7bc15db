"""What a child puts at its status path must never stall or swamp the supervisor."""

from __future__ import annotations

import json
import signal
import time

import psutil
from support.processes import wait_for


def test_a_fifo_at_the_status_path_never_freezes_the_supervisor(fault):
    fault.config({"train": fault.child("--status-fifo", "--sleep", "600")}, shutdown={"grace_s": 2})
    supervisor = fault.start()
    wait_for(lambda: "not a regular file" in fault.supervisor_log(), timeout=20,
             what="the supervisor to notice the FIFO (and not block on it)")
    supervisor.send_signal(signal.SIGINT)  # one Ctrl-C is enough: the loop is alive
    out, err = supervisor.communicate(timeout=15)
    assert supervisor.returncode == 130, err
    assert err.strip() == ""
    assert out.count("not a regular file") == 1  # said once, not every refresh
    fault.wait_nothing_left(timeout=5)


def test_a_100_mb_message_is_neither_copied_nor_printed(fault):
    fault.config({"train": fault.child("--status-message-mb", "100", "--sleep", "4")})
    supervisor = fault.start()
    peak = 0
    proc = psutil.Process(supervisor.pid)
    while supervisor.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out, err = supervisor.communicate()
    assert supervisor.returncode == 0, err
    assert peak < 150 * 2**20, f"supervisor peak RSS {peak / 2**20:.0f} MB"
    assert max(len(line) for line in out.splitlines()) < 1000
    record_file = fault.logs_dir / "runs" / f"{fault.record()['run_id']}.json"
    assert record_file.stat().st_size < 100_000
    assert "more than the 262144" in out  # said why it was not read


def test_a_long_message_is_cut_to_one_line_in_the_record_and_on_the_console(fault):
    fault.config({"train": fault.child("--status-message-lines", "5", "--sleep", "1.5")})
    result = fault.run()
    assert result.returncode == 0, result.stderr
    message = fault.record()["processes"]["train"]["progress"]["message"]
    assert "\n" not in message and len(message) <= 300 and message.endswith("…")
    final = [line for line in result.stdout.splitlines() if line.startswith("[final]")]
    assert final and len(final[0]) < 200
    json.dumps(fault.record())  # still a plain record
