"""The event loop: one thread watches every child, owns the restart and stop policy, and puts
what happens on the event queue — one child's failure never stops another.

Signal handlers only put `SignalReceived` on the queue; the loop turns it into a stop. The
record, the supervisor log, the console and the progress history are subscribers of the queue
(`record_keeper`, `event_log`, `progress`), so this module decides and never formats or saves.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tandem.contracts.child_protocol import ENV_AUTO_RESUME, ENV_ERROR_FILE, ENV_STATUS_FILE, Progress, read_error_file
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_SIGTERM, STOPPED_EXIT_CODES, exit_code_for_signal
from tandem.contracts.run_record import ProcessResources, ProcessState, RunState, now_iso
from tandem.fileio.disk_errors import describe_os_error, naming
from tandem.fileio.log_tail import tail_lines
from tandem.supervisor.control import decide, exit_reason
from tandem.supervisor.dependencies import DependencyWatch
from tandem.supervisor.events import (
    ControlAnswered,
    ControlRequested,
    Event,
    EventQueue,
    LeftoversStopped,
    Notice,
    ProcessesKilled,
    ProcessExited,
    ProcessStarted,
    ProcessStartFailed,
    ProgressChanged,
    RestartRequested,
    RunEnded,
    SignalReceived,
    StoppedBeforeStart,
    StopRequested,
)
from tandem.supervisor.invoke_runner import LaunchSpec
from tandem.supervisor.process import ChildHandle, ProcessFactory
from tandem.supervisor.process_tree import LEFTOVER_GRACE_S, LeftoverStopper, ProcessTrees, describe_process, unique
from tandem.supervisor.progress import ProgressReader
from tandem.supervisor.progress_display import ProcessView, ProgressDisplay
from tandem.supervisor.state import ExitDecision, RestartTracker
from tandem.supervisor.subreaper import Orphans
from tandem.supervisor.supervisor_config import RestartPolicy

LOG_TAIL_LINES = 20


class Monitor(Protocol):
    def poll(self, pids: Mapping[str, int | None]) -> None: ...

    def summary(self) -> dict[str, Any]: ...


class RequestSource(Protocol):
    def poll(self) -> None:
        """Put the requests that arrived since the last call on the queue (control.ControlChannel)."""


@dataclass
class ChildPlan:
    """One process, fully resolved: argv, environment and files."""

    name: str
    argv: list[str]  # at the run's start
    env: dict[str, str]
    log_path: Path
    status_path: Path
    progress_pattern: str | None = None
    resources: ProcessResources = field(default_factory=lambda: ProcessResources(cpus=None, threads=None, nice=0))
    no_restart_exit_codes: tuple[int, ...] = (2,)
    requires: list[str] = field(default_factory=list)  # processes of this run it needs
    requires_grace_s: float | None = None
    upstream_path: Path | None = None  # where it is told that a required process failed
    # At every restart (after a crash, or asked for): without the run's fresh-start flag, since
    # a restart always resumes. None: the same as `argv`.
    restart_argv: list[str] | None = None


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
    state: ProcessState = ProcessState.PENDING
    handle: ChildHandle | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    reported: Progress | None = None  # the progress last put on the queue
    log_start: int = 0  # where the current attempt's output begins in its log
    request: ControlRequested | None = None  # the restart or stop asked for since its last start
    kill_at: float | None = None  # when a requested stop runs out of grace
    # Its group has had its SIGTERM since its last start: never a second one (the trainer takes
    # a second signal as "stop at once", mid-save); what follows, if anything, is SIGKILL.
    stopping: bool = False


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
        trees: ProcessTrees | None = None,  # None: fake children, whose trees are not looked at
        requests: RequestSource | None = None,
        orphans: Orphans | None = None,  # None: no subreaper (fake children, other systems)
    ) -> None:
        self.run_id = run_id
        self.options = options
        self.events = events
        self.display = display
        self.factory = factory
        self.monitor = monitor
        self.requests = requests
        self.clock = clock
        self.sleep = sleep
        self.children = [
            ManagedChild(p, RestartTracker(options.restart, options.auto_resume, p.no_restart_exit_codes),
                         ProgressReader(p.status_path, p.log_path, p.progress_pattern))
            for p in plans
        ]
        self.trees = trees
        self.orphans = orphans
        self.leftovers = LeftoverStopper()
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
            if self.requests is not None:
                self.requests.poll()
            self.events.drain()
            now = self.clock()
            for child in self.children:
                self._step(child, now)
            if self.stop_deadline is not None and not self.killed and now >= self.stop_deadline:
                self._kill_all(f"grace period of {self.options.grace_s:g}s is over")
            self.leftovers.tick(now)
            self.events.drain()
            if self.stop_signal is None:
                self.dependencies.tick(now)
                self.events.drain()
            if all(c.state.finished for c in self.children):
                self._stop_late_orphans(now)
                if not self.leftovers.busy:
                    break
            self._refresh_progress(now)
            if self.monitor is not None:
                self.monitor.poll({c.plan.name: c.handle.pid if c.handle and c.state is ProcessState.RUNNING
                                   else None for c in self.children})
            self.sleep(self.options.tick_s)
        self._refresh_progress(self.clock(), force=True)
        if self.orphans is not None:
            self.orphans.close(self.started_pids())
        self.display.close(self.views())
        return self._finish()

    def _step(self, child: ManagedChild, now: float) -> None:
        if child.state is ProcessState.RUNNING and child.handle is not None:
            exit_code = child.handle.poll()
            if exit_code is not None:
                self._on_exit(child, exit_code, now)
            elif child.kill_at is not None and now >= child.kill_at:
                child.kill_at = None
                grace = f"grace period of {self.options.grace_s:g}s is over"
                self.events.put(ProcessesKilled([child.plan.name], grace))
                child.handle.kill()
        elif child.state is ProcessState.BACKOFF and child.restart_at is not None and now >= child.restart_at:
            self._start(child, restart=True)

    def _start(self, child: ManagedChild, restart: bool) -> None:
        plan = child.plan
        env, argv = dict(plan.env), plan.argv
        number = child.tracker.on_restart() if restart else 0
        if restart:
            # A restarted child continues from its own state: a fresh start applies only once.
            env[ENV_AUTO_RESUME] = "1"
            argv = plan.restart_argv if plan.restart_argv is not None else plan.argv
            banner = f"restart {number} of {plan.name} (run {self.run_id}, {ENV_AUTO_RESUME}=1)"
        else:
            banner = f"{plan.name} started by run {self.run_id}: {json.dumps(plan.argv)}"
        try:
            self._clear_error_file(plan)  # an earlier attempt's exception is not this one's
            log_start = self._mark_log(plan.log_path, banner)
            handle = self.factory.start(LaunchSpec(argv, plan.log_path, None, env, plan.resources.cpus,
                                                   plan.resources.nice))
        except OSError as exc:
            child.state = ProcessState.FAILED
            self.events.put(ProcessStartFailed(plan.name, describe_os_error(exc)))
            return
        child.handle = handle
        child.state = ProcessState.RUNNING
        child.started_at = self.clock()
        child.restart_at = None
        child.log_start = log_start
        child.tracker.on_start()
        child.request, child.kill_at, child.stopping = None, None, False
        self.events.put(ProcessStarted(plan.name, handle.pid, handle.create_time, number, str(plan.log_path)))

    def _on_exit(self, child: ManagedChild, exit_code: int, now: float) -> None:
        assert child.handle is not None
        uptime = now - child.started_at
        self._refresh_child_progress(child)  # its last words count for whether it made progress
        requested = child.request if self.stop_signal is None else None
        decision = (ExitDecision(ProcessState.STOPPED, None, exit_reason(requested)) if requested is not None
                    else child.tracker.on_exit(exit_code, uptime, stop_requested=self.stop_signal is not None,
                                               now=now))
        if requested is None:
            decision = self.dependencies.decide_exit(child.plan.name, exit_code, decision)
        failure = decision.state is not ProcessState.SUCCEEDED and not (
            decision.state is ProcessState.STOPPED and exit_code in STOPPED_EXIT_CODES)
        # Only what this attempt wrote: an earlier attempt's error is not this one's.
        tail = tail_lines(child.plan.log_path, LOG_TAIL_LINES, since=child.log_start) if failure else None
        error_file = child.plan.env.get(ENV_ERROR_FILE)
        exception = read_error_file(Path(error_file)) if failure and error_file else None
        child.state = decision.state
        if decision.state is ProcessState.BACKOFF:
            assert decision.restart_in_s is not None
            child.restart_at = now + decision.restart_in_s
        asked = None if requested is None or failure else (
            "restart" if isinstance(requested, RestartRequested) else "stop")
        self.events.put(ProcessExited(child.plan.name, child.handle.pid, exit_code, uptime, decision.state.value,
                                      decision.reason, tail, exception, asked))
        self._stop_leftovers(child, now)
        if isinstance(requested, RestartRequested):
            self._start(child, restart=True)

    def _stop_leftovers(self, child: ManagedChild, now: float) -> None:
        """Whatever the ended process left running (a daemon it forked) is stopped and reported."""
        if self.trees is None or child.handle is None:
            return
        left = self.trees.left_behind(child.plan.name, child.handle.pid, child.plan.env.get(ENV_STATUS_FILE))
        if self.orphans is not None:  # what hid from the trees was re-parented to the supervisor
            running = self._running_names()
            self.orphans.scan(self.started_pids(), [*running, child.plan.name])
            left = unique([*left, *self.orphans.left_by(child.plan.name, running, found=left)])
        if left:
            self.events.put(LeftoversStopped(child.plan.name, [describe_process(p) for p in left]))
            if self.stop_deadline is not None:  # its group had the stop's SIGTERM: the same deadline
                self.leftovers.stop(left, now, max(self.stop_deadline - now, 0.0), group=child.handle.pid)
            else:
                self.leftovers.stop(left, now, min(self.options.grace_s, LEFTOVER_GRACE_S))

    def _stop_late_orphans(self, now: float) -> None:
        """Orphans that appeared after every process of the run had ended (a leftover's own
        child, re-parented when the leftover died): stopped as the last process's leftovers."""
        if self.orphans is None:
            return
        self.orphans.scan(self.started_pids(), ())
        last = max(self.children, key=lambda c: c.started_at).plan.name
        late = self.orphans.left_by(last, ())
        if late:
            self.events.put(LeftoversStopped(last, [describe_process(p) for p in late]))
            self.leftovers.stop(late, now, min(self.options.grace_s, LEFTOVER_GRACE_S))

    def _running_names(self) -> list[str]:
        return [c.plan.name for c in self.children if c.state is ProcessState.RUNNING]

    def started_pids(self) -> list[int]:
        """The children this supervisor started and waits for through their handles."""
        return [c.handle.pid for c in self.children if c.handle is not None]

    # -- stopping -------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, SignalReceived):
            self._handle_signal(event.signum, self.clock())
        elif isinstance(event, ControlRequested):
            self._on_request(event, self.clock())

    def _handle_signal(self, signum: int, now: float, requested_by: str | None = None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
            self.stop_deadline = now + self.options.grace_s
            self.events.put(StopRequested(signal.Signals(signum).name, self.options.grace_s, requested_by))
            for child in self.children:
                if child.state is ProcessState.RUNNING and child.handle is not None:
                    self._terminate(child)
                elif child.state in (ProcessState.BACKOFF, ProcessState.PENDING):
                    child.state = ProcessState.STOPPED
                    self.events.put(StoppedBeforeStart(child.plan.name))
        elif not self.killed:
            self._kill_all(f"second stop ({requested_by})" if requested_by
                           else f"second signal ({signal.Signals(signum).name})")

    def _on_request(self, request: ControlRequested, now: float) -> None:
        """A restart or stop from the control channel, decided here like a signal."""
        name = getattr(request, "name", None)
        child = next((c for c in self.children if c.plan.name == name), None)
        decision = decide(request, child.state if child else None, child.request if child else None,
                          self.stop_signal is not None, self.killed)
        pid = child.handle.pid if child and child.handle and child.state is ProcessState.RUNNING else None
        self.events.put(ControlAnswered(
            request.request_id, request.sender, "restart" if isinstance(request, RestartRequested) else "stop",
            name, decision.outcome, decision.accepted, pid, child.state.value if child else None,
            self.options.grace_s))
        if decision.act == "stop_run" or decision.act == "kill_run":
            self._handle_signal(signal.SIGTERM, now, requested_by=request.sender)
            return
        if child is None or decision.act is None:
            return
        child.request = request
        if decision.act == "terminate" and child.handle is not None:
            child.kill_at = now + self.options.grace_s
            self._terminate(child)
        elif decision.act == "kill" and child.handle is not None:
            self.events.put(ProcessesKilled([child.plan.name], f"second stop ({request.sender})"))
            child.handle.kill()
        elif decision.act == "start":
            self._start(child, restart=True)
        elif decision.act == "cancel":
            child.state = ProcessState.STOPPED
            self.events.put(StoppedBeforeStart(child.plan.name))

    @staticmethod
    def _terminate(child: ManagedChild) -> None:
        """SIGTERM to the child's group, once per start."""
        if child.handle is not None and not child.stopping:
            child.stopping = True
            child.handle.terminate()

    def _kill_all(self, why: str) -> None:
        self.killed = True
        running = [c for c in self.children if c.state is ProcessState.RUNNING and c.handle is not None]
        if running:
            self.events.put(ProcessesKilled([c.plan.name for c in running], why))
        for child in running:
            assert child.handle is not None
            child.handle.kill()
        self.leftovers.kill_all()

    # -- progress ---------------------------------------------------------------------------------
    def _refresh_progress(self, now: float, force: bool = False) -> None:
        if not force and now - self._last_progress < self.options.progress_interval_s:
            return
        self._last_progress = now
        for child in self.children:
            self._refresh_child_progress(child)
            if self.trees is not None and child.state is ProcessState.RUNNING and child.handle is not None:
                self.trees.remember(child.plan.name, child.handle.pid)
        if self.orphans is not None:  # new orphans get their names; ended ones are reaped
            self.orphans.scan(self.started_pids(), self._running_names())
        self.events.drain()
        self.display.update(self.views())

    def _refresh_child_progress(self, child: ManagedChild) -> None:
        progress = child.reader.read()
        while child.reader.problems:
            self.events.put(Notice(f"{child.plan.name}: status file {child.reader.problems.pop(0)}"))
        if progress is not None and progress != child.reported:
            child.reported = progress
            child.tracker.progress.observe(progress)
            self.events.put(ProgressChanged(child.plan.name, progress))

    def views(self) -> list[ProcessView]:
        return [ProcessView(c.plan.name, c.state.value, c.tracker.restarts, c.reader.latest)
                for c in self.children]

    # -- the end ----------------------------------------------------------------------------------
    def _finish(self) -> int:
        reason = None
        if self.stop_signal is not None:
            status, code = RunState.INTERRUPTED, exit_code_for_signal(self.stop_signal)
        elif all(c.state is ProcessState.SUCCEEDED for c in self.children):
            status, code = RunState.SUCCEEDED, EXIT_OK
        elif all(c.state is ProcessState.SUCCEEDED or (c.state is ProcessState.STOPPED and c.request is not None)
                 for c in self.children):
            status, code = RunState.INTERRUPTED, EXIT_SIGTERM  # stopped on request, as SIGTERM would
            asked = sorted({c.request.sender for c in self.children if c.request is not None})
            reason = f"every unfinished process stopped on request ({', '.join(asked)})"
        else:
            status, code = RunState.FAILED, EXIT_FAILED
        self.events.put(RunEnded(self.run_id, status, code, reason))
        self.events.drain()
        return code

    @staticmethod
    def _clear_error_file(plan: ChildPlan) -> None:
        error_file = plan.env.get(ENV_ERROR_FILE)
        if error_file:
            Path(error_file).unlink(missing_ok=True)

    def _mark_log(self, log_path: Path, banner: str) -> int:
        """Append the banner; returns the log's size after it, where the child's output begins."""
        # Written while the child is not running, so it can never land inside one of its lines.
        # Non-blocking: a FIFO at the log path fails the start instead of freezing the loop.
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o666)
        with naming(log_path), open(fd, "ab") as handle:
            separator = "\n" if os.fstat(fd).st_size > 0 else ""
            handle.write(f"{separator}===== tandem {now_iso()}: {banner} =====\n".encode())
            handle.flush()
            return os.fstat(fd).st_size
