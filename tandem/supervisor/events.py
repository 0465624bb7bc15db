"""Lifecycle facts of a supervised run, as typed messages on one queue (honcho's `Message`).

The event loop decides what happened and puts it on the queue; the record keeper, the
supervisor log and the console each take every event and do their one job with it. A signal
handler may only put `SignalReceived` (a `SimpleQueue.put` is safe there); the loop turns it
into a decision.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field

from tandem.contracts.child_protocol import ChildError
from tandem.contracts.run_record import Progress, now_iso


@dataclass(frozen=True)
class Event:
    at: str = field(default_factory=now_iso, kw_only=True)  # wall-clock time, ISO 8601


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: str
    kind: str
    names: list[str]
    auto_resume: bool
    record_file: str


@dataclass(frozen=True)
class Notice(Event):
    """A line worth a place in the supervisor log that changes no state (resources, report)."""

    text: str


@dataclass(frozen=True)
class ProcessStarted(Event):
    name: str
    pid: int
    create_time: float | None
    restart: int  # 0 for the first start
    log_file: str


@dataclass(frozen=True)
class ProcessStartFailed(Event):
    name: str
    error: str


@dataclass(frozen=True)
class ProcessExited(Event):
    name: str
    pid: int
    exit_code: int
    uptime_s: float
    state: str  # what the restart policy made of it: succeeded, failed, stopped or backoff
    reason: str
    log_tail: list[str] | None  # the log's last lines, for exits that count as failures
    exception: ChildError | None = None  # what the child wrote to its error file, for those exits too
    # "restart" or "stop": the exit a request asked for (invoke restart/stop, the dashboard), not a failure.
    requested: str | None = None


@dataclass(frozen=True)
class ProgressChanged(Event):
    name: str
    progress: Progress


@dataclass(frozen=True)
class SignalReceived(Event):
    signum: int


@dataclass(frozen=True)
class StopRequested(Event):
    signal_name: str
    grace_s: float
    requested_by: str | None = None  # the control channel's sender; None for a signal


# -- requests through the control channel (tandem.supervisor.control), decided by the loop ----
@dataclass(frozen=True)
class ControlRequested(Event):
    request_id: str
    sender: str  # who asked, in words: "invoke restart", "the dashboard"


@dataclass(frozen=True)
class RestartRequested(ControlRequested):
    """Stop one process (grace, then kill) and start it again, told to resume."""

    name: str


@dataclass(frozen=True)
class StopProcessRequested(ControlRequested):
    """Stop one process for good; the others go on."""

    name: str


@dataclass(frozen=True)
class StopRunRequested(ControlRequested):
    """Stop the whole run, as a first Ctrl-C does (a second one forces)."""


@dataclass(frozen=True)
class ControlAnswered(Event):
    """What the loop made of a request; its words are the reply the client prints."""

    request_id: str
    sender: str
    action: str  # "restart" or "stop"
    name: str | None  # None: the whole run
    outcome: str  # a key of event_log.CONTROL_OUTCOMES
    accepted: bool
    pid: int | None = None
    state: str | None = None  # the process's state when the request came
    grace_s: float | None = None


@dataclass(frozen=True)
class StoppedBeforeStart(Event):
    """A pending process, or one waiting to restart, that a stop leaves stopped."""

    name: str


@dataclass(frozen=True)
class ProcessesKilled(Event):
    names: list[str]
    why: str


@dataclass(frozen=True)
class LeftoversStopped(Event):
    """Processes an ended process left running (a daemon, a grandchild), now being stopped."""

    name: str
    processes: list[str]  # `pid 123 (command)` each


@dataclass(frozen=True)
class SupervisorFailed(Event):
    """The supervisor itself failed (a full disk, a bug): the run ends at once, exit 1."""

    error: str  # one line
    stopped: list[str]  # the processes it stopped


@dataclass(frozen=True)
class DependentTold(Event):
    """A process was told (its upstream file) that processes it requires failed for good."""

    name: str
    failed: dict[str, str]  # required process → why it failed
    grace_s: float | None  # it is stopped if still running this much later (None: never)


@dataclass(frozen=True)
class DependentStopping(Event):
    """A told process still ran when its grace period ended: it gets SIGTERM now."""

    name: str
    failed: list[str]
    grace_s: float


@dataclass(frozen=True)
class RunEnded(Event):
    run_id: str
    status: str  # succeeded, failed or interrupted
    exit_code: int
    reason: str | None = None  # why it was interrupted, when no signal or stop of the run says it


Subscriber = Callable[[Event], None]


class EventQueue:
    """One queue, many subscribers; `drain` hands every queued event to each in order."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def put(self, event: Event) -> None:
        """Reentrant: the one thing a signal handler does."""
        self._queue.put(event)

    def drain_best_effort(self) -> list[Exception]:
        """Hand every queued event to each subscriber even when one of them fails (the
        supervisor's last events after a failure); returns the failures."""
        failures: list[Exception] = []
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return failures
            for subscriber in self._subscribers:
                try:
                    subscriber(event)
                except Exception as exc:
                    failures.append(exc)

    def drain(self) -> list[Event]:
        handled: list[Event] = []
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return handled
            for subscriber in self._subscribers:
                subscriber(event)
            handled.append(event)
