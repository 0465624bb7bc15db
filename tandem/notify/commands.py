"""Running a helper program (sound player, desktop notifier) that must never hang the caller."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tandem.common.process_groups import kill_group, own_group


@dataclass(frozen=True)
class CommandResult:
    status: str  # "ok" | "failed" | "timeout" | "error"
    exit_code: int | None
    detail: str  # the helper's last stderr line, or why it could not run


def run_bounded(argv: Sequence[str], timeout_s: float, env: Mapping[str, str] | None = None) -> CommandResult:
    """Run `argv` with no stdin, stderr kept for the log, and a hard deadline.

    The helper gets its own session/process group so that on timeout the whole group is killed:
    a player that forks a sound server client must not survive, nor keep a pipe open that a
    plain `subprocess.run(timeout=…)` would then wait on forever.
    """
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=stderr, env=dict(env) if env is not None else None, **own_group())
        except OSError as exc:
            return CommandResult("error", None, str(exc))
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return CommandResult("timeout", None, f"no exit after {timeout_s:g} s; killed")
        stderr.seek(0)
        lines = stderr.read().decode("utf-8", errors="replace").strip().splitlines()
    detail = lines[-1] if lines else ""
    return CommandResult("ok" if code == 0 else "failed", code, detail)


def _kill_group(proc: subprocess.Popen) -> None:
    if not kill_group(proc.pid):
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
