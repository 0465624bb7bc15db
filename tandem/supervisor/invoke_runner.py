"""Invoke's `Local` runner, made fit for children that run for days.

Registered through Invoke's config (`runners.local`), so `Context.run(..., asynchronous=True)`
still returns Invoke's `Promise`. What changes, and why (measured with invoke 3.0.3):
- the child writes straight into its log file's descriptor, stdout and stderr alike: no Python
  thread copies, decodes (splitting Japanese characters at chunk edges) or keeps the output;
  the stock path is quadratic and holds everything in memory;
- stdin is /dev/null: an asynchronous child that reads stdin would hang forever;
- the child leads its own session / process group, so it can be stopped as a whole tree;
  the stock `kill()` signals the shell's pid only and leaves grandchildren running;
- no shell: the argv list from the config runs as given.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from invoke import Config, Context
from invoke.runners import Local, Promise

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


class SupervisedLocal(Local):
    def start(self, command: str, shell: str, env: dict[str, Any]) -> None:
        spec: LaunchSpec = self.context.config.tandem.launch
        platform_kwargs: dict[str, Any] = {"start_new_session": True}
        if sys.platform == "win32":
            platform_kwargs = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        # Opened in append mode: a restart adds to the same file, and O_APPEND keeps each of the
        # child's writes whole even though stdout and stderr share the descriptor.
        with open(spec.log_path, "ab", buffering=0) as log:
            self.process = subprocess.Popen(
                spec.argv,
                env=env,
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **platform_kwargs,
            )
            # Popen returns once the program is exec'd: pinned before it starts its own threads.
            for problem in apply_resources(self.process.pid, spec.cpus, spec.nice):
                log.write(f"===== tandem: {problem} =====\n".encode())

    def send_signal_to_tree(self, signum: int) -> None:
        """Signal the child's whole process group; a group already gone is not an error."""
        pid = self.get_pid()
        try:
            if sys.platform == "win32":
                os.kill(pid, signum)
            else:
                os.killpg(pid, signum)
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def terminate(self) -> None:
        """Ask the tree to stop: SIGTERM to the group (Windows: CTRL_BREAK_EVENT)."""
        if sys.platform == "win32":
            self.send_signal_to_tree(signal.CTRL_BREAK_EVENT)
        else:
            self.send_signal_to_tree(signal.SIGTERM)

    def kill(self) -> None:
        """Stop the tree at once: SIGKILL to the group (Windows: taskkill /T /F)."""
        if sys.platform == "win32":
            subprocess.run(
                ["taskkill", "/T", "/F", "/PID", str(self.get_pid())],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        else:
            self.send_signal_to_tree(signal.SIGKILL)


def supervised_context(spec: LaunchSpec) -> Context:
    """A Context whose `run()` uses `SupervisedLocal` for this one launch."""
    return Context(
        Config(
            overrides={
                "runners": {"local": SupervisedLocal},
                "tandem": {"launch": spec},
                "run": {"warn": True, "hide": True, "in_stream": False},
            }
        )
    )


def launch(spec: LaunchSpec) -> Promise:
    """Start the child through Invoke's asynchronous API; returns at once with a Promise."""
    context = supervised_context(spec)
    env = dict(spec.env)
    promise = context.run(" ".join(spec.argv), asynchronous=True, env=env, replace_env=True)
    assert isinstance(promise, Promise)
    return promise
