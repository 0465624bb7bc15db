"""Files: created with the user's umask, and a log with a 3 MB line shown whole."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from support.paths import REPO


def test_records_and_resolved_config_follow_the_umask(fault):
    fault.config({"train": fault.child("--status-done", "5", "--sleep", "0.5")})
    old = os.umask(0o022)
    try:
        result = fault.run()
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    run_id = fault.record()["run_id"]
    runs = fault.logs_dir / "runs"
    written = [runs / f"{run_id}.json", runs / run_id / "parallel.resolved.yaml"]
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in written}
    assert modes == {path.name: 0o644 for path in written}


def test_invoke_logs_shows_a_3_mb_line_whole(fault):
    fault.config({"train": ["{python}", "-c", "print('first'); print('A' * 3_000_000); print('third')", fault.tag]})
    assert fault.run().returncode == 0
    shown = subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "logs", "--logs-dir", str(fault.logs_dir)],
                           capture_output=True, text=True, timeout=60, cwd=fault.root)
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if not line.startswith("[train] =====")]
    assert [len(line) for line in lines] == [len("[train] first"), len("[train] ") + 3_000_000, len("[train] third")]
