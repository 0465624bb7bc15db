"""The event loop: one thread watches every child, owns the restart and stop policy, and
records each exit on its own — one child's failure never stops another.

Signal handlers only call `request_stop`, which appends to a list; everything else happens
here, between polls, so no state is ever changed from inside a handler.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tandem.contracts.child_protocol import ENV_AUTO_RESUME
from tandem.contracts.run_record import RunRecord, now_iso
from tandem.fileio.log_tail import tail_lines
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.invoke_runner import LaunchSpec
from tandem.supervisor.printer import ProcessView, ProgressDisplay
from tandem.supervisor.process import ChildHandle, ProcessFactory
from tandem.supervisor.progress import ProgressHistory, ProgressReader
from tandem.supervisor.resources import ResourcePlan
from tandem.supervisor.state import ChildState, ExitDecision, RestartTracker
from tandem.supervisor.supervisor_config import RestartPolicy

LOG_TAIL_LINES = 20
RECORD_PROGRESS_EVERY_S = 5.0
EXIT_FOR_SIGNAL: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


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
    resources: ResourcePlan = field(default_factory=lambda: ResourcePlan(cpus=None, threads=None, nice=0))


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


class Supervisor:
    def __init__(
        self,
        plans: list[ChildPlan],
        options: LoopOptions,
        record: RunRecord,
        events: EventLog,
        display: ProgressDisplay,
        factory: ProcessFactory,
        progress_log: Path,
        monitor: Monitor | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options
        self.record = record
        self.events = events
        self.display = display
        self.factory = factory
        self.history = ProgressHistory(progress_log)
        self.monitor = monitor
        self.clock = clock
        self.sleep = sleep
        self.children = [
            ManagedChild(p, RestartTracker(options.restart, options.auto_resume),
                         ProgressReader(p.status_path, p.log_path, p.progress_pattern))
            for p in plans
        ]
        self.pending_signals: list[int] = []
        self.stop_signal: int | None = None
        self.stop_deadline: float | None = None
        self.killed = False
        self._last_progress = float("-inf")
        self._last_record_progress = float("-inf")
        self._loop_started = clock()

    # -- called from signal handlers: record the wish, nothing else --------------------------
    def request_stop(self, signum: int) -> None:
        self.pending_signals.append(signum)

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> int:
        self._loop_started = self.clock()
        for child in self.children:
            self._start(child, restart=False)
        while True:
            now = self.clock()
            self._handle_signals(now)
            for child in self.children:
                self._step(child, now)
            if self.stop_deadline is not None and not self.killed and now >= self.stop_deadline:
                self._kill_all(f"grace period of {self.options.grace_s:g}s is over")
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
        entry = self.record.process(plan.name)
        env = dict(plan.env)
        if restart:
            number = child.tracker.on_restart()
            entry["restarts"] = number
            env[ENV_AUTO_RESUME] = "1"  # a restarted child continues from its own state
            banner = (f"restart {number} of {plan.name} (run {self.record.data['run_id']}, "
                      f"{ENV_AUTO_RESUME}=1)")
        else:
            banner = f"{plan.name} started by run {self.record.data['run_id']}: {json.dumps(plan.argv)}"
        self._mark_log(plan.log_path, banner)
        try:
            handle = self.factory.start(LaunchSpec(plan.argv, plan.log_path, None, env, plan.resources.cpus,
                                                   plan.resources.nice))
        except OSError as exc:
            self._on_start_error(child, exc)
            return
        child.handle = handle
        child.state = ChildState.RUNNING
        child.started_at = self.clock()
        child.restart_at = None
        entry.update(pid=handle.pid, create_time=handle.create_time, status="running")
        entry["started_at"] = entry["started_at"] or now_iso()
        entry["attempts"].append({"pid": handle.pid, "started_at": now_iso(), "ended_at": None,
                                  "exit_code": None, "uptime_s": None, "reason": None})
        self.record.save()
        self.events(f"{plan.name}: {'restarted' if restart else 'started'} (pid {handle.pid}), "
                    f"log {plan.log_path}")

    def _on_start_error(self, child: ManagedChild, exc: OSError) -> None:
        entry = self.record.process(child.plan.name)
        child.state = ChildState.FAILED
        entry.update(status="failed", ended_at=now_iso(),
                     error={"reason": f"could not start: {exc}", "log_tail": []})
        self.record.save()
        self.events(f"{child.plan.name}: could not start: {exc}")

    def _on_exit(self, child: ManagedChild, exit_code: int, now: float) -> None:
        uptime = now - child.started_at
        decision = child.tracker.on_exit(exit_code, uptime, stop_requested=self.stop_signal is not None)
        entry = self.record.process(child.plan.name)
        attempt = entry["attempts"][-1]
        attempt.update(ended_at=now_iso(), exit_code=exit_code, uptime_s=round(uptime, 3),
                       reason=decision.reason)
        entry.update(exit_code=exit_code, status=decision.state.value)
        if decision.state is not ChildState.SUCCEEDED:
            tail = tail_lines(child.plan.log_path, LOG_TAIL_LINES)
            if decision.state is not ChildState.STOPPED or exit_code not in (0, -15, 143):
                attempt["log_tail"] = tail
                entry["error"] = {"reason": decision.reason, "log_tail": tail}
        child.state = decision.state
        if decision.state is ChildState.BACKOFF:
            assert decision.restart_in_s is not None
            child.restart_at = now + decision.restart_in_s
        else:
            entry["ended_at"] = now_iso()
        self._refresh_child_progress(child, now)
        self.record.save()
        self.events(f"{child.plan.name}: {self._exit_words(decision)} (pid {entry['pid']}, "
                    f"uptime {uptime:.1f}s)")

    @staticmethod
    def _exit_words(decision: ExitDecision) -> str:
        return {ChildState.SUCCEEDED: "succeeded", ChildState.FAILED: "failed",
                ChildState.STOPPED: "stopped", ChildState.BACKOFF: "crashed"}[decision.state] + \
            f": {decision.reason}"

    # -- stopping -------------------------------------------------------------------------------
    def _handle_signals(self, now: float) -> None:
        while self.pending_signals:
            signum = self.pending_signals.pop(0)
            name = signal.Signals(signum).name
            if self.stop_signal is None:
                self.stop_signal = signum
                self.stop_deadline = now + self.options.grace_s
                self.events(f"{name} received: stopping all processes "
                            f"(grace {self.options.grace_s:g}s; Ctrl-C again to force)")
                for child in self.children:
                    if child.state is ChildState.RUNNING and child.handle is not None:
                        child.handle.terminate()
                    elif child.state in (ChildState.BACKOFF, ChildState.PENDING):
                        self._mark_stopped_without_running(child)
            elif not self.killed:
                self._kill_all(f"second signal ({name})")

    def _mark_stopped_without_running(self, child: ManagedChild) -> None:
        child.state = ChildState.STOPPED
        entry = self.record.process(child.plan.name)
        entry.update(status="stopped", ended_at=now_iso())
        self.record.save()

    def _kill_all(self, why: str) -> None:
        self.killed = True
        running = [c for c in self.children if c.state is ChildState.RUNNING and c.handle is not None]
        if running:
            self.events(f"{why}: killing {', '.join(c.plan.name for c in running)}")
        for child in running:
            assert child.handle is not None
            child.handle.kill()

    # -- progress ---------------------------------------------------------------------------------
    def _refresh_progress(self, now: float, force: bool = False) -> None:
        if not force and now - self._last_progress < self.options.progress_interval_s:
            return
        self._last_progress = now
        for child in self.children:
            self._refresh_child_progress(child, now)
        self.display.update(self._views())
        if force or now - self._last_record_progress >= RECORD_PROGRESS_EVERY_S:
            self._last_record_progress = now
            self.record.save()

    def _refresh_child_progress(self, child: ManagedChild, now: float) -> None:
        progress = child.reader.read()
        if progress is not None:
            self.record.process(child.plan.name)["progress"] = progress
            self.history.append(child.plan.name, progress, now - self._loop_started)

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
        self.record.data.update(status=status, exit_code=code, ended_at=now_iso())
        self.record.save()
        return code

    def _mark_log(self, log_path: Path, banner: str) -> None:
        # Written while the child is not running, so it can never land inside one of its lines.
        with open(log_path, "ab") as handle:
            separator = "\n" if handle.tell() > 0 else ""
            handle.write(f"{separator}===== tandem {now_iso()}: {banner} =====\n".encode())
