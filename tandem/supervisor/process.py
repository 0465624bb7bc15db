"""One running child as the event loop sees it: poll, terminate, kill — never block.

`ProcessFactory` is the seam unit tests replace with fakes; the real one starts children through
Invoke's asynchronous runner (`runner.launch`).
"""

from __future__ import annotations

from typing import Protocol

import psutil
from invoke.runners import Promise

from tandem.supervisor.invoke_runner import LaunchSpec, SupervisedLocal, launch


class ChildHandle(Protocol):
    pid: int
    create_time: float | None

    def poll(self) -> int | None:
        """The exit code once the child has exited (negative: killed by that signal), else None."""

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


class ProcessFactory(Protocol):
    def start(self, spec: LaunchSpec) -> ChildHandle: ...


class InvokeChild:
    """A child started by `SupervisedLocal`; `poll()` never waits."""

    def __init__(self, promise: Promise) -> None:
        self._promise = promise
        runner = promise.runner
        assert isinstance(runner, SupervisedLocal)
        self._runner = runner
        self.pid: int = runner.get_pid()
        self.create_time: float | None = process_create_time(self.pid)
        self._exit_code: int | None = None

    def poll(self) -> int | None:
        if self._exit_code is None and self._runner.process_is_finished:
            # The child has exited, so join() returns at once: its IO threads saw no pipes.
            result = self._promise.join()
            self._exit_code = result.exited
            # What the leader left running (its group, a daemon) is the event loop's to stop:
            # one SIGTERM, then SIGKILL after a grace period (process_tree.py).
        return self._exit_code

    def terminate(self) -> None:
        self._runner.terminate()

    def kill(self) -> None:
        self._runner.kill()


class InvokeProcessFactory:
    def start(self, spec: LaunchSpec) -> ChildHandle:
        return InvokeChild(launch(spec))


def process_create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
