"""`logs/parallel_train_crawl.log`: the supervisor's own events, appended across runs, and the
same lines on the console.

Each event is one timestamped line written with a single O_APPEND write, so the watchdog and a
supervisor can both append without tearing each other's lines. `describe_event` is the only
place where a lifecycle event becomes words.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.run_record import ProcessState, now_iso
from tandem.contracts.upstream import ENV_UPSTREAM_FILE
from tandem.fileio.disk_errors import naming
from tandem.fileio.log_tail import BANNER_PREFIX, error_line
from tandem.supervisor.events import (
    ControlAnswered,
    DependentStopping,
    DependentTold,
    Event,
    LeftoversStopped,
    Notice,
    ProcessesKilled,
    ProcessExited,
    ProcessStarted,
    ProcessStartFailed,
    RunEnded,
    RunStarted,
    StopRequested,
    SupervisorFailed,
)

EXIT_WORDS: dict[str, str] = {ProcessState.SUCCEEDED: "succeeded", ProcessState.FAILED: "failed",
                              ProcessState.STOPPED: "stopped", ProcessState.BACKOFF: "crashed"}
# What the loop made of a control request ({pid}, {state}, {grace} filled in from the answer).
CONTROL_OUTCOMES = {
    "restarting": "pid {pid} asked to stop (killed after {grace}s), then started again, told to resume",
    "starting": "it was {state}; started again, told to resume",
    "stopping": "pid {pid} asked to stop (killed after {grace}s); it will not be restarted",
    "forcing": "second stop: pid {pid} killed now",
    "cancelled": "it was {state}, waiting to start; it stays stopped",
    "ended": "it has already ended ({state}); nothing to do",
    "busy": "it is already being stopped or restarted; try again once that is done",
    "unknown": "no such process in this run",
    "run_stopping": "the run is stopping; nothing is started or stopped on its own now",
    "stopping_run": "stopping every process (killed after {grace}s; stop again to force)",
    "forcing_run": "second stop: killing every process now",
    "killing_run": "every process is already being killed",
}
CONSOLE_TAIL_LINES = 5


def append_supervisor_log(path: Path, message: str) -> None:
    line = f"{now_iso()} {message}".replace("\n", " ") + "\n"
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def describe_event(event: Event) -> str | None:
    """The line a person reads for `event`; None for events that are not worth a line."""
    if isinstance(event, RunStarted):
        return (f"{event.kind} run {event.run_id} started: {', '.join(event.names)} "
                f"(auto-resume {'on' if event.auto_resume else 'off'}, record {event.record_file})")
    if isinstance(event, Notice):
        return event.text
    if isinstance(event, ProcessStarted):
        return f"{event.name}: {'restarted' if event.restart else 'started'} (pid {event.pid}), log {event.log_file}"
    if isinstance(event, ProcessStartFailed):
        return f"{event.name}: could not start: {event.error}"
    if isinstance(event, ProcessExited):
        raised = f"; it raised {event.exception.headline}" if event.exception else ""
        return (f"{event.name}: {EXIT_WORDS[event.state]}: {event.reason}{raised} (pid {event.pid}, "
                f"uptime {event.uptime_s:.1f}s)")
    if isinstance(event, StopRequested):
        if event.requested_by is not None:
            return None  # the answer to the request said it (ControlAnswered, just before)
        return (f"{event.signal_name} received: stopping all processes "
                f"(grace {event.grace_s:g}s; Ctrl-C again to force)")
    if isinstance(event, ControlAnswered):
        what = f"{event.action} {event.name}" if event.name else f"{event.action} the run"
        outcome = CONTROL_OUTCOMES[event.outcome].format(pid=event.pid, state=event.state,
                                                         grace=f"{event.grace_s or 0:g}")
        return f"{what} (asked by {event.sender}): {outcome}"
    if isinstance(event, ProcessesKilled):
        return f"{event.why}: killing {', '.join(event.names)}"
    if isinstance(event, LeftoversStopped):
        return (f"{event.name}: ended but left {len(event.processes)} process(es) running; stopping "
                f"{'; '.join(event.processes)}")
    if isinstance(event, SupervisorFailed):
        stopped = f"; stopped {', '.join(event.stopped)}" if event.stopped else ""
        return f"supervisor failed: {event.error}{stopped}"
    if isinstance(event, DependentTold):
        then = (f"it is stopped if still running in {event.grace_s:g}s" if event.grace_s is not None
                else "it may finish with what it has")
        return (f"{event.name}: told through ${ENV_UPSTREAM_FILE} that {', '.join(event.failed)}, which it "
                f"requires, failed for good; {then}")
    if isinstance(event, DependentStopping):
        return (f"{event.name}: still running {event.grace_s:g}s after {', '.join(event.failed)} failed: "
                "stopping it")
    if isinstance(event, RunEnded):
        return f"run {event.run_id} {event.status} (exit {event.exit_code})"
    return None


def describe_output(event: Event) -> list[str]:
    """The child's own last lines under a failed exit, for the console (they are in its log
    already): what it said, rather than only what the supervisor saw."""
    if not isinstance(event, ProcessExited) or not event.log_tail:
        return []
    lines = [line for line in event.log_tail if not line.startswith(BANNER_PREFIX)][-CONSOLE_TAIL_LINES:]
    return [f"  {event.name} | {line}" for line in lines]


class EventLog:
    """Lines of one run: to the supervisor log file, and to the console through `echo`. Called
    with a line (`log(message)`, as the monitor, report and notification do), or subscribed to
    the event queue (`on_event`)."""

    def __init__(self, path: Path, run_id: str, echo: Callable[[str], None]) -> None:
        self.path = path
        self.run_id = run_id
        self._echo = echo
        self._shown_error: dict[str, str] = {}  # per process, the error line last shown, numbers aside

    def __call__(self, message: str) -> None:
        append_supervisor_log(self.path, f"[run {self.run_id}] {message}")
        self._echo(message)

    def on_event(self, event: Event) -> None:
        line = describe_event(event)
        if line is not None:
            self(line)
        output = describe_output(event)
        if output and isinstance(event, ProcessExited):
            # A crash that repeats itself (the same error line, counts and times aside) is shown once.
            said = re.sub(r"\d+", "#", error_line(event.log_tail or []) or "")
            if self._shown_error.get(event.name) != said:
                self._shown_error[event.name] = said
                for detail in output:
                    self._echo(detail)
