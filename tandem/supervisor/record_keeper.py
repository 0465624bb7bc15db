"""The run record kept up to date from the event queue: the one place that changes it.

Every event that changes a process's state is saved at once (atomically); progress, which
changes every second, is saved at most every `progress_every_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tandem.contracts.run_record import ACTIVE_PROCESS_STATES, Attempt, ProcessError, ProcessState, RunRecord, RunState
from tandem.supervisor.events import (
    Event,
    LeftoversStopped,
    ProcessExited,
    ProcessStarted,
    ProcessStartFailed,
    ProgressChanged,
    RunEnded,
    StoppedBeforeStart,
    StopRequested,
    SupervisorFailed,
)

RECORD_PROGRESS_EVERY_S = 5.0
# A process restarted hundreds of times keeps this many of its first and of its last attempts
# in full; the ones between are counted (`attempts_omitted`), so the record stays small.
ATTEMPTS_KEPT_FIRST = 3
ATTEMPTS_KEPT_LAST = 10


class RecordKeeper:
    def __init__(self, record: RunRecord, progress_every_s: float = RECORD_PROGRESS_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.record = record
        self.progress_every_s = progress_every_s
        self._clock = clock
        self._last_progress_save = float("-inf")

    def __call__(self, event: Event) -> None:
        if isinstance(event, ProgressChanged):
            self.record.processes[event.name].progress = event.progress
            now = self._clock()
            if now - self._last_progress_save >= self.progress_every_s:
                self._last_progress_save = now
                self.record.save()
            return
        if self._apply(event):
            self.record.save()

    def _apply(self, event: Event) -> bool:
        """Change the record for `event`; False when the event changes nothing in it."""
        if isinstance(event, ProcessStarted):
            entry = self.record.processes[event.name]
            entry.pid, entry.create_time, entry.status = event.pid, event.create_time, ProcessState.RUNNING
            entry.restarts = event.restart
            entry.started_at = entry.started_at or event.at
            entry.ended_at = None  # started again after it had ended (a requested restart)
            entry.attempts.append(Attempt(pid=event.pid, started_at=event.at, number=event.restart + 1))
            if len(entry.attempts) > ATTEMPTS_KEPT_FIRST + ATTEMPTS_KEPT_LAST:
                del entry.attempts[ATTEMPTS_KEPT_FIRST]
                entry.attempts_omitted += 1
        elif isinstance(event, ProcessStartFailed):
            entry = self.record.processes[event.name]
            entry.status, entry.ended_at = ProcessState.FAILED, event.at
            entry.error = ProcessError(f"could not start: {event.error}")
        elif isinstance(event, ProcessExited):
            entry = self.record.processes[event.name]
            attempt = entry.attempts[-1]
            attempt.ended_at, attempt.exit_code = event.at, event.exit_code
            attempt.uptime_s, attempt.reason = round(event.uptime_s, 3), event.reason
            attempt.requested = event.requested
            entry.exit_code, entry.status = event.exit_code, event.state
            if event.log_tail is not None:
                attempt.log_tail, attempt.exception = event.log_tail, event.exception
                entry.error = ProcessError(event.reason, event.log_tail, event.exception)
            if event.state != ProcessState.BACKOFF:
                entry.ended_at = event.at
        elif isinstance(event, StoppedBeforeStart):
            entry = self.record.processes[event.name]
            entry.status, entry.ended_at = ProcessState.STOPPED, event.at
        elif isinstance(event, LeftoversStopped):
            self.record.processes[event.name].leftovers.extend(event.processes)
        elif isinstance(event, SupervisorFailed):
            for entry in self.record.processes.values():
                if entry.status in ACTIVE_PROCESS_STATES:
                    entry.status, entry.ended_at = ProcessState.STOPPED, event.at
            self.record.status, self.record.exit_code, self.record.ended_at = RunState.FAILED, 1, event.at
            self.record.supervisor_error = event.error
        elif isinstance(event, StopRequested):
            self.record.interrupted_reason = (f"stop requested by {event.requested_by}" if event.requested_by
                                              else f"{event.signal_name} received")
        elif isinstance(event, RunEnded):
            self.record.status, self.record.exit_code, self.record.ended_at = event.status, event.exit_code, event.at
            if event.reason and not self.record.interrupted_reason:
                self.record.interrupted_reason = event.reason
        else:
            return False
        return True

    def save_progress(self) -> None:
        """The latest progress of every process, now (at the end of the loop)."""
        self._last_progress_save = self._clock()
        self.record.save()
