"""Pre-flight checks: argv lists run side by side; a failure is its own last line."""

from __future__ import annotations

import sys

from tandem.supervisor.preflight import run_preflights

PY = sys.executable


def test_checks_run_side_by_side(tmp_path):
    flag = tmp_path / "flag"
    # The first check passes only once the second has run: in turn, the first would time out.
    waits = [PY, "-c", f"import os, sys, time\nfor _ in range(200):\n    if os.path.exists({str(flag)!r}): "
                       "sys.exit(0)\n    time.sleep(0.05)\nsys.exit(1)"]
    makes = [PY, "-c", f"open({str(flag)!r}, 'w').close()"]
    assert run_preflights({"train": waits, "crawl": makes}, {}) == []


def test_a_failure_is_its_last_line_and_a_hanging_check_is_stopped(tmp_path):
    failing = [PY, "-c", "import sys; print('looking'); print('error: c.yaml: seeds: empty', file=sys.stderr); "
                         "sys.exit(2)"]
    hanging = [PY, "-c", "import time; time.sleep(60)"]
    failures = run_preflights({"crawl": failing, "train": hanging}, {}, timeout_s=1.0)
    assert [(f.name, f.line) for f in failures] == [
        ("crawl", "error: c.yaml: seeds: empty"),
        ("train", f"error: train: its preflight did not finish within 1s ({' '.join(hanging)})")]


def test_a_program_that_cannot_start_is_named(tmp_path):
    [failure] = run_preflights({"crawl": [str(tmp_path / "missing")]}, {})
    assert failure.line.startswith("error: crawl: its preflight could not start (")
