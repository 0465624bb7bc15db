"""Pre-flight checks: each process's `preflight` command (an argv list, like `command`), run side
by side before anything starts — before the lock, the record, the logs or any child.

The supervisor knows nothing of what a check looks at: a check passes by exiting 0, and one that
fails has its last line of output (stderr first, else stdout) shown as the run's one-line error,
exit 2 (docs/exit-codes.md). The kit's own scripts check with `--check`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tandem.common.process_groups import kill_group, own_group
from tandem.contracts.run_record import ProcessResources
from tandem.supervisor.launch_plan import SupervisorRequest, process_environment
from tandem.supervisor.supervisor_config import SupervisorSettings

PREFLIGHT_TIMEOUT_S = 120.0
POLL_S = 0.02


@dataclass(frozen=True)
class CheckFailure:
    name: str
    line: str  # one line for the console, `error: …`


def preflight_errors(settings: SupervisorSettings, request: SupervisorRequest, checks: Mapping[str, list[str]],
                     resources: Mapping[str, ProcessResources]) -> list[str]:
    """Run the processes' checks, each with the environment its process will have, less the
    run's own variables (there is no run yet); one `error: …` line per check that failed."""
    envs = {name: process_environment(settings.processes[name], name, request, resources[name]) for name in checks}
    return [failure.line for failure in run_preflights(checks, envs)]


def run_preflights(checks: Mapping[str, list[str]], envs: Mapping[str, dict[str, str]],
                   timeout_s: float = PREFLIGHT_TIMEOUT_S) -> list[CheckFailure]:
    """Run every check at once; the failures, in the order of `checks`."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    failures: dict[str, CheckFailure] = {}
    for name, argv in checks.items():
        try:
            started[name] = subprocess.Popen(argv, env=envs.get(name), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, **own_group())
        except OSError as exc:
            failures[name] = CheckFailure(name, f"error: {name}: its preflight could not start ({exc})")
    deadline = time.monotonic() + timeout_s
    for name, proc in started.items():
        try:
            out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            proc.communicate()
            failures[name] = CheckFailure(name, f"error: {name}: its preflight did not finish within "
                                                f"{timeout_s:g}s ({' '.join(checks[name])})")
            continue
        if proc.returncode != 0:
            failures[name] = CheckFailure(name, _failure_line(name, proc.returncode, out, err))
    return [failures[name] for name in checks if name in failures]


def _failure_line(name: str, code: int, out: bytes, err: bytes) -> str:
    line = _last_line(err) or _last_line(out)
    if line.startswith("error: "):
        return line
    if not line:
        return f"error: {name}: its preflight exited {code} without a message"
    return f"error: {name}: its preflight exited {code}: {line}"


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


