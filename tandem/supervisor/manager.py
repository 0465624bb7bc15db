"""The event loop: one thread watches every child, owns the restart and stop policy, and puts
what happens on the event queue — one child's failure never stops another.

Signal handlers only put `SignalReceived` on the queue; the loop turns it into a stop. The
record, the supervisor log, the console and the progress history are subscribers of the queue
(`record_keeper`, `event_log`, `progress`), so this module decides and never formats or saves.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tandem.contracts.child_protocol import ENV_AUTO_RESUME, Progress
from tandem.contracts.run_record import ProcessResources, now_iso
from tandem.fileio.log_tail import tail_lines
from tandem.supervisor.dependencies import DependencyWatch
from tandem.supervisor.events import (
    Event,
    EventQueue,
    ProcessesKilled,
    ProcessExited,
    ProcessStarted,
    ProcessStartFailed,
    ProgressChanged,
    RunEnded,
    SignalReceived,
    StoppedBeforeStart,
    StopRequested,
)
from tandem.supervisor.invoke_runner import LaunchSpec
from tandem.supervisor.printer import ProcessView, ProgressDisplay
from tandem.supervisor.process import ChildHandle, ProcessFactory
from tandem.supervisor.progress import ProgressReader
from tandem.supervisor.state import ChildState, RestartTracker
from tandem.supervisor.supervisor_config import RestartPolicy

LOG_TAIL_LINES = 20
EXIT_FOR_SIGNAL: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}
# Exit codes of a child that a stop asked to end: its way of saying "stopped", not a failure.
STOP_EXIT_CODES = (0, -signal.SIGTERM, 128 + signal.SIGTERM)


class Monitor(Protocol):
    def poll(self, pids: Mapping[str, int | None]) -> None: ...

    def summary(self) -> dict[str, Any]: ...


@dataclass
class ChildPlan:
    """One process, fully resolved: argv, environment and files."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    status_path: Path
    progress_pattern: str | None = None
    resources: ProcessResources = field(default_factory=lambda: ProcessResources(cpus=None, threads=None, nice=0))
    requires: list[str] = field(default_factory=list)  # processes of this run it needs
    requires_grace_s: float | None = None
    upstream_path: Path | None = None  # where it is told that a required process failed


@dataclass
class LoopOptions:
    restart: RestartPolicy
    grace_s: float
    auto_resume: bool
    progress_interval_s: float = 1.0
    tick_s: float = 0.1


@dataclass
class ManagedChild:
    plan: ChildPlan
    tracker: RestartTracker
    reader: ProgressReader
    state: ChildState = ChildState.PENDING
    handle: ChildHandle | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    reported: Progress | None = None  # the progress last put on the queue
    log_offset: int = 0  # where this attempt's own lines begin in the log


class Supervisor:
    def __init__(
        self,
        run_id: str,
        plans: list[ChildPlan],
        options: LoopOptions,
        events: EventQueue,
        display: ProgressDisplay,
        factory: ProcessFactory,
        monitor: Monitor | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.run_id = run_id
        self.options = options
        self.events = events
        self.display = display
        self.factory = factory
        self.monitor = monitor
        self.clock = clock
        self.sleep = sleep
        self.children = [
            ManagedChild(p, RestartTracker(options.restart, options.auto_resume),
                         ProgressReader(p.status_path, p.log_path, p.progress_pattern))
            for p in plans
        ]
        events.subscribe(self._on_event)
        self.dependencies = DependencyWatch(self.children, events, options.grace_s)
        self.stop_signal: int | None = None
        self.stop_deadline: float | None = None
        self.killed = False
        self._last_progress = float("-inf")
        self.loop_started = clock()

    # -- called from signal handlers: put the fact on the queue, nothing else -------------------
    def request_stop(self, signum: int) -> None:
        self.events.put(SignalReceived(signum))

    def elapsed_s(self) -> float:
        return self.clock() - self.loop_started

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> int:
        self.loop_started = self.clock()
        for child in self.children:
            self._start(child, restart=False)
        while True:
            self.events.drain()
            now = self.clock()
            for child in self.children:
                self._step(child, now)
            if self.stop_deadline is not None and not self.killed and now >= self.stop_deadline:
                self._kill_all(f"grace period of {self.options.grace_s:g}s is over")
            self.events.drain()
            if self.stop_signal is None:
                self.dependencies.tick(now)
                self.events.drain()
            if all(c.state.finished for c in self.children):
                break
            self._refresh_progress(now)
            if self.monitor is not None:
                self.monitor.poll({c.plan.name: c.handle.pid if c.handle and c.state is ChildState.RUNNING
                                   else None for c in self.children})
            self.sleep(self.options.tick_s)
        self._refresh_progress(self.clock(), force=True)
        self.display.close(self._views())
        return self._finish()

    def _step(self, child: ManagedChild, now: float) -> None:
        if child.state is ChildState.RUNNING and child.handle is not None:
            exit_code = child.handle.poll()
            if exit_code is not None:
                self._on_exit(child, exit_code, now)
        elif child.state is ChildState.BACKOFF and child.restart_at is not None and now >= child.restart_at:
            self._start(child, restart=True)

    def _start(self, child: ManagedChild, restart: bool) -> None:
        plan = child.plan
        env = dict(plan.env)
        number = child.tracker.on_restart() if restart else 0
        if restart:
            env[ENV_AUTO_RESUME] = "1"  # a restarted child continues from its own state
            banner = f"restart {number} of {plan.name} (run {self.run_id}, {ENV_AUTO_RESUME}=1)"
        else:
            banner = f"{plan.name} started by run {self.run_id}: {json.dumps(plan.argv)}"
        child.log_offset = self._mark_log(plan.log_path, banner)
        try:
            handle = self.factory.start(LaunchSpec(plan.argv, plan.log_path, None, env, plan.resources.cpus,
                                                   plan.resources.nice))
        except OSError as exc:
            child.state = ChildState.FAILED
            self.events.put(ProcessStartFailed(plan.name, str(exc)))
            return
        child.handle = handle
        child.state = ChildState.RUNNING
        child.started_at = self.clock()
        child.restart_at = None
        self.events.put(ProcessStarted(plan.name, handle.pid, handle.create_time, number, str(plan.log_path)))

    def _on_exit(self, child: ManagedChild, exit_code: int, now: float) -> None:
        assert child.handle is not None
        uptime = now - child.started_at
        decision = child.tracker.on_exit(exit_code, uptime, stop_requested=self.stop_signal is not None)
        decision = self.dependencies.decide_exit(child.plan.name, exit_code, decision)
        failure = decision.state is not ChildState.SUCCEEDED and not (
            decision.state is ChildState.STOPPED and exit_code in STOP_EXIT_CODES)
        tail = tail_lines(child.plan.log_path, LOG_TAIL_LINES, start=child.log_offset) if failure else None
        child.state = decision.state
        if decision.state is ChildState.BACKOFF:
            assert decision.restart_in_s is not None
            child.restart_at = now + decision.restart_in_s
        self._refresh_child_progress(child)
        self.events.put(ProcessExited(child.plan.name, child.handle.pid, exit_code, uptime, decision.state.value,
                                      decision.reason, tail))

    # -- stopping -------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, SignalReceived):
            self._handle_signal(event.signum, self.clock())

    def _handle_signal(self, signum: int, now: float) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
            self.stop_deadline = now + self.options.grace_s
            self.events.put(StopRequested(signal.Signals(signum).name, self.options.grace_s))
            for child in self.children:
                if child.state is ChildState.RUNNING and child.handle is not None:
                    child.handle.terminate()
                elif child.state in (ChildState.BACKOFF, ChildState.PENDING):
                    child.state = ChildState.STOPPED
                    self.events.put(StoppedBeforeStart(child.plan.name))
        elif not self.killed:
            self._kill_all(f"second signal ({signal.Signals(signum).name})")

    def _kill_all(self, why: str) -> None:
        self.killed = True
        running = [c for c in self.children if c.state is ChildState.RUNNING and c.handle is not None]
        if running:
            self.events.put(ProcessesKilled([c.plan.name for c in running], why))
        for child in running:
            assert child.handle is not None
            child.handle.kill()

    # -- progress ---------------------------------------------------------------------------------
    def _refresh_progress(self, now: float, force: bool = False) -> None:
        if not force and now - self._last_progress < self.options.progress_interval_s:
            return
        self._last_progress = now
        for child in self.children:
            self._refresh_child_progress(child)
        self.events.drain()
        self.display.update(self._views())

    def _refresh_child_progress(self, child: ManagedChild) -> None:
        progress = child.reader.read()
        if progress is not None and progress != child.reported:
            child.reported = progress
            self.events.put(ProgressChanged(child.plan.name, progress))

    def _views(self) -> list[ProcessView]:
        return [ProcessView(c.plan.name, c.state.value, c.tracker.restarts, c.reader.latest)
                for c in self.children]

    # -- the end ----------------------------------------------------------------------------------
    def _finish(self) -> int:
        if self.stop_signal is not None:
            status, code = "interrupted", EXIT_FOR_SIGNAL.get(self.stop_signal, 128 + self.stop_signal)
        elif all(c.state is ChildState.SUCCEEDED for c in self.children):
            status, code = "succeeded", 0
        else:
            status, code = "failed", 1
        self.events.put(RunEnded(self.run_id, status, code))
        self.events.drain()
        return code

    def _mark_log(self, log_path: Path, banner: str) -> int:
        """Append the banner; returns where the attempt's own lines will begin."""
        # Written while the child is not running, so it can never land inside one of its lines.
        with open(log_path, "ab") as handle:
            separator = "\n" if handle.tell() > 0 else ""
            handle.write(f"{separator}===== tandem {now_iso()}: {banner} =====\n".encode())
            return handle.tell()
