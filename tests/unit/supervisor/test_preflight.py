"""Pre-flight checks: argv lists run side by side; a failure is its own last line."""

from __future__ import annotations

import json
import sys

from tandem.contracts.child_protocol import ENV_ERROR_FILE, ENV_RUN_ID, ENV_STATUS_FILE
from tandem.contracts.run_record import ProcessResources
from tandem.contracts.upstream import ENV_UPSTREAM_FILE
from tandem.supervisor.launch_plan import SupervisorRequest, child_environment
from tandem.supervisor.preflight import preflight_errors, run_preflights
from tandem.supervisor.supervisor_config import ProcessSpec, SupervisorSettings

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


def test_a_check_sees_the_environment_its_process_will_have_less_the_runs_own(tmp_path):
    """One environment builder: what the check is told is what the child is told, but for the
    run's id and files (there is no run yet), thread variables and the config's `env` included."""
    seen = tmp_path / "env.json"
    dump = [PY, "-c", f"import json, os; json.dump(dict(os.environ), open({str(seen)!r}, 'w'))"]
    settings = SupervisorSettings(processes={"crawl": ProcessSpec(command=dump, env={"MINE": "1"})})
    request = SupervisorRequest(config_path=tmp_path / "parallel.yaml", kind="crawl", auto_resume=False)
    resources = ProcessResources(cpus=None, threads=3, nice=0)
    assert preflight_errors(settings, request, {"crawl": dump}, {"crawl": resources}) == []
    child = child_environment(settings.processes["crawl"], "crawl", "20260101_000000", tmp_path, request, resources)
    run_only = {ENV_RUN_ID, ENV_STATUS_FILE, ENV_UPSTREAM_FILE, ENV_ERROR_FILE}
    checked = json.loads(seen.read_text())
    expected = {k: v for k, v in child.items() if k not in run_only}
    assert {k: checked.get(k) for k in expected} == expected  # (Python may add LC_CTYPE of its own)
    assert not run_only & set(checked)
    assert checked["OMP_NUM_THREADS"] == "3" and checked["MINE"] == "1" and checked["TANDEM_AUTO_RESUME"] == "0"
