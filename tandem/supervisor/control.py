"""The supervisor's end of the control channel (`tandem.contracts.control_channel`): requests
found in the run's control folder become events on the queue, the loop decides what to do
with each (`decide`, a table without processes or clocks), and the answer goes back to the
client as a reply file. A request is handled like a signal: it only puts an event on the
queue, and the loop acts on it between two polls of the children.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.contracts.control_channel import (
    ControlReply,
    ControlRequest,
    NotARequest,
    open_control_dir,
    take_requests,
    write_reply,
)
from tandem.contracts.run_record import ProcessState
from tandem.supervisor.event_log import describe_event
from tandem.supervisor.events import (
    ControlAnswered,
    ControlRequested,
    Event,
    EventQueue,
    Notice,
    RestartRequested,
    StopProcessRequested,
    StopRunRequested,
)

POLL_EVERY_S = 0.2


class ControlChannel:
    """Looks into the run's control folder at most every `poll_every_s` (one directory listing,
    a few microseconds when it is empty) and answers the loop's decisions."""

    def __init__(self, run_dir: Path, events: EventQueue, poll_every_s: float = POLL_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = open_control_dir(run_dir)
        self._events = events
        self._poll_every_s = poll_every_s
        self._clock = clock
        self._next_poll = float("-inf")
        self._passed_over: set[str] = set()  # entries that are not regular files: said once

    def poll(self) -> None:
        now = self._clock()
        if now < self._next_poll:
            return
        self._next_poll = now + self._poll_every_s
        for request in take_requests(self.folder, self._passed_over):
            if isinstance(request, NotARequest):
                self._passed_over.add(request.name)
                self._events.put(Notice(f"control: {self.folder / request.name}: {request.why}; ignored"))
                continue
            event = request_event(request)
            if event is None:
                self._events.put(Notice(f"control: ignored a malformed or foreign request in {self.folder}"))
            else:
                self._events.put(event)

    def __call__(self, event: Event) -> None:
        """Subscribed to the queue: each answer becomes the reply its client waits for."""
        if isinstance(event, ControlAnswered):
            write_reply(self.folder, ControlReply(event.request_id, event.accepted, describe_event(event) or ""))


def request_event(request: ControlRequest | None) -> ControlRequested | None:
    if request is None:
        return None
    if request.action == "restart" and request.process is not None:
        return RestartRequested(request.id, request.sender, request.process)
    if request.action == "stop":
        if request.process is None:
            return StopRunRequested(request.id, request.sender)
        return StopProcessRequested(request.id, request.sender, request.process)
    return None


@dataclass(frozen=True)
class Decision:
    outcome: str  # a key of event_log.CONTROL_OUTCOMES
    accepted: bool
    act: str | None = None  # terminate, kill, start, cancel, stop_run, kill_run; None: nothing


def decide(request: ControlRequested, state: ProcessState | None, pending: ControlRequested | None,
           run_stopping: bool, run_killed: bool) -> Decision:
    """What the loop does with `request`, given the state of the process it names (None: no
    such process), the request that process is already carrying out, and the run's stop."""
    if isinstance(request, StopRunRequested):
        if not run_stopping:
            return Decision("stopping_run", True, "stop_run")
        if not run_killed:
            return Decision("forcing_run", True, "kill_run")
        return Decision("killing_run", True)
    if run_stopping:
        return Decision("run_stopping", False)
    if state is None:
        return Decision("unknown", False)
    running = state is ProcessState.RUNNING
    if isinstance(request, RestartRequested):
        if running:
            return Decision("busy", False) if pending is not None else Decision("restarting", True, "terminate")
        return Decision("starting", True, "start")
    if running:
        if isinstance(pending, StopProcessRequested):
            return Decision("forcing", True, "kill")  # a second stop: no more grace, as a second Ctrl-C
        return Decision("stopping", True, "terminate")
    if state in (ProcessState.BACKOFF, ProcessState.PENDING):
        return Decision("cancelled", True, "cancel")
    return Decision("ended", False)


def exit_reason(request: ControlRequested) -> str:
    """The reason an attempt ended when a request asked for it (the record keeps it)."""
    what = "stopped for a restart" if isinstance(request, RestartRequested) else "stopped on request"
    return f"{what} ({request.sender})"
