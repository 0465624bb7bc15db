"""`requires:` between processes, generic: the supervisor does not know what flows between them.

When a required process has failed for good, every unfinished process that requires it is told
once, through its upstream file (`tandem.contracts.upstream`); from then on none of its exits is
restarted (what it needs will not come back), and if it still runs `requires_grace_s` after being
told it gets SIGTERM, then SIGKILL once `shutdown.grace_s` has passed too. The event loop calls
`tick` once per round and passes every exit decision through `decide_exit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tandem.contracts.run_record import ProcessState, now_iso
from tandem.contracts.upstream import UpstreamFailure, write_upstream_failure
from tandem.supervisor.events import (
    DependentStopping,
    DependentTold,
    Event,
    EventQueue,
    ProcessesKilled,
    ProcessExited,
    ProcessStartFailed,
    StoppedBeforeStart,
)
from tandem.supervisor.process import ChildHandle
from tandem.supervisor.state import ExitDecision, describe_exit


class Requirements(Protocol):
    """What this module reads of a process's plan (`manager.ChildPlan`)."""

    @property
    def name(self) -> str: ...

    @property
    def requires(self) -> Sequence[str]: ...

    @property
    def requires_grace_s(self) -> float | None: ...

    @property
    def upstream_path(self) -> Path | None: ...


class WatchedChild(Protocol):
    """A process as the event loop holds it (`manager.ManagedChild`): its plan, its state, which
    this module may end, and its handle, to stop it. A protocol, so that the loop imports this
    module and never the other way round."""

    state: ProcessState
    handle: ChildHandle | None
    stopping: bool  # its group has had its SIGTERM since its last start

    @property
    def plan(self) -> Requirements: ...


@dataclass
class _Told:
    failed: list[str]
    deadline: float | None  # when it is stopped if still running
    stop_sent_at: float | None = None


class DependencyWatch:
    def __init__(self, children: Sequence[WatchedChild], events: EventQueue, kill_after_s: float) -> None:
        self.children = {child.plan.name: child for child in children}
        self.events = events
        self.kill_after_s = kill_after_s
        self.told: dict[str, _Told] = {}
        self._reasons: dict[str, str] = {}  # why each process last ended, from the events
        events.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ProcessExited):
            self._reasons[event.name] = event.reason
        elif isinstance(event, ProcessStartFailed):
            self._reasons[event.name] = f"could not start: {event.error}"

    def tick(self, now: float) -> None:
        for name, child in self.children.items():
            told = self.told.get(name)
            if told is None:
                failed = [r for r in child.plan.requires if self.children[r].state is ProcessState.FAILED]
                if failed and not child.state.finished:
                    self._tell(child, failed, now)
            elif told.deadline is not None and now >= told.deadline:
                self._enforce(child, told, now)

    def decide_exit(self, name: str, exit_code: int, decision: ExitDecision) -> ExitDecision:
        """The restart policy's decision, made final for a process that was told."""
        told = self.told.get(name)
        if told is None or decision.state in (ProcessState.SUCCEEDED, ProcessState.STOPPED):
            return decision
        upstream = ", ".join(told.failed)
        if told.stop_sent_at is not None:
            return ExitDecision(ProcessState.STOPPED, None, f"stopped: still running after {upstream} failed")
        return ExitDecision(ProcessState.FAILED, None, f"{describe_exit(exit_code)} after {upstream}, which it "
                                                     "requires, failed (not restarted)")

    def _tell(self, child: WatchedChild, failed: list[str], now: float) -> None:
        grace = child.plan.requires_grace_s
        reasons = {name: self._reasons.get(name, "failed") for name in failed}
        if child.plan.upstream_path is not None:
            write_upstream_failure(child.plan.upstream_path, UpstreamFailure(reasons, now_iso(), grace))
        self.told[child.plan.name] = _Told(failed, None if grace is None else now + grace)
        self.events.put(DependentTold(child.plan.name, reasons, grace))

    def _enforce(self, child: WatchedChild, told: _Told, now: float) -> None:
        name = child.plan.name
        if child.state is ProcessState.BACKOFF:
            child.state = ProcessState.STOPPED
            self.events.put(StoppedBeforeStart(name))
        elif child.state is ProcessState.RUNNING and child.handle is not None:
            if told.stop_sent_at is None:
                told.stop_sent_at = now
                assert child.plan.requires_grace_s is not None  # a deadline means a grace period
                self.events.put(DependentStopping(name, told.failed, child.plan.requires_grace_s))
                if not child.stopping:  # a stop asked for it (invoke stop NAME) may have sent one already
                    child.stopping = True
                    child.handle.terminate()
            elif now >= told.stop_sent_at + self.kill_after_s:
                told.deadline = None  # once is enough
                self.events.put(ProcessesKilled([name], f"{name} ignored SIGTERM for {self.kill_after_s:g}s"))
                child.handle.kill()
