"""Invoke's `Local` runner, made fit for children that run for days.

One runner per child, made with the child's `LaunchSpec` and run through Invoke's own
`Runner.run(..., asynchronous=True)`, which returns Invoke's `Promise`; every runner shares one
Invoke `Context`. What changes from the stock runner, and why (measured with invoke 3.0.3):
- no shell: the argv list from the config runs as given. Invoke's `run()` takes a command
  string; it gets the argv quoted for a shell (`shlex.join`), which is what its `Result`
  shows, and `start()` refuses any other string rather than run something else;
- the child writes straight into its log file's descriptor, stdout and stderr alike: no Python
  thread copies, decodes (splitting Japanese characters at chunk edges) or keeps the output;
  the stock path is quadratic and holds everything in memory;
- stdin is /dev/null: an asynchronous child that reads stdin would hang forever;
- the child leads its own process group (common/process_groups.py), so it is stopped as a whole
  tree; the stock `kill()` signals the leader's pid only and leaves grandchildren running.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from invoke import Config, Context
from invoke.runners import Local, Promise

from tandem.common.process_groups import kill_group, own_group, terminate_group
from tandem.supervisor.resources import apply_resources


@dataclass
class LaunchSpec:
    """How to start one child: the per-call part Invoke's `run()` signature has no room for."""

    argv: list[str]
    log_path: Path
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    cpus: tuple[int, ...] | None = None  # pin to these CPUs (None: wherever the supervisor may run)
    nice: int = 0

    @property
    def command_line(self) -> str:
        """The argv as one shell-quoted line: Invoke's name for the command."""
        return shlex.join(self.argv)


class SupervisedLocal(Local):
    def __init__(self, context: Context, spec: LaunchSpec) -> None:
        super().__init__(context)
        self.spec = spec

    def start(self, command: str, shell: str, env: dict[str, Any]) -> None:
        """Start `self.spec.argv` (never through `shell`) with Invoke's `env`."""
        if command != self.spec.command_line:
            raise ValueError(f"this runner starts {self.spec.command_line!r}, not {command!r}")
        # Opened in append mode: a restart adds to the same file, and O_APPEND keeps each of the
        # child's writes whole even though stdout and stderr share the descriptor.
        with open(self.spec.log_path, "ab", buffering=0) as log:
            self.process = subprocess.Popen(
                self.spec.argv, env=env, cwd=self.spec.cwd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, **own_group())
            # Popen returns once the program is exec'd: pinned before it starts its own threads.
            for problem in apply_resources(self.process.pid, self.spec.cpus, self.spec.nice):
                log.write(f"===== tandem: {problem} =====\n".encode())

    def terminate(self) -> None:
        """Ask the tree to stop: SIGTERM to the group (Windows: CTRL_BREAK_EVENT)."""
        terminate_group(self.get_pid())

    def kill(self) -> None:
        """Stop the tree at once: SIGKILL to the group (Windows: taskkill /T /F)."""
        kill_group(self.get_pid())


@cache
def supervisor_context() -> Context:
    """The one Invoke Context every child's runner shares: output hidden, a non-zero exit is a
    result (never an exception), no stdin."""
    return Context(Config(overrides={"run": {"warn": True, "hide": True, "in_stream": False}}))


def launch(spec: LaunchSpec) -> Promise:
    """Start the child through Invoke's asynchronous API; returns at once with a Promise."""
    runner = SupervisedLocal(supervisor_context(), spec)
    promise = runner.run(spec.command_line, asynchronous=True, env=dict(spec.env), replace_env=True)
    assert isinstance(promise, Promise)
    return promise
