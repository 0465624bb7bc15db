"""The restart policy as a small state machine, free of processes and clocks.

pending → running → (exit 0) succeeded
                  → (crash) backoff → running … → failed once the restarts run out
                  → (stop requested) stopped

`max_restarts` bounds restarts in a row without a healthy run: a run that lasted `min_uptime_s`
or longer ends the streak, so a job that crashes once a week is not given up on after three
weeks, while one that dies at start-up is (as supervisord's startretries and PM2's exponential
backoff do). Each failed start in a streak doubles the wait, up to `backoff_max_s`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tandem.supervisor.supervisor_config import RestartPolicy


class ChildState(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    BACKOFF = "backoff"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def finished(self) -> bool:
        return self in (ChildState.SUCCEEDED, ChildState.FAILED, ChildState.STOPPED)


@dataclass(frozen=True)
class ExitDecision:
    state: ChildState
    restart_in_s: float | None  # set only with BACKOFF
    reason: str


class RestartTracker:
    def __init__(self, policy: RestartPolicy, auto_restart: bool) -> None:
        self.policy = policy
        self.auto_restart = auto_restart
        self.restarts = 0
        self.streak = 0  # crashes since the last healthy run

    def on_exit(self, exit_code: int, uptime_s: float, stop_requested: bool) -> ExitDecision:
        if stop_requested:
            return ExitDecision(ChildState.STOPPED, None, "stopped on request")
        if exit_code == 0:
            return ExitDecision(ChildState.SUCCEEDED, None, "exited 0")
        how = describe_exit(exit_code)
        healthy = uptime_s >= self.policy.min_uptime_s
        if not self.auto_restart:
            return ExitDecision(ChildState.FAILED, None, f"{how}; auto-resume is off")
        if healthy:
            self.streak = 0
        self.streak += 1
        if self.streak > self.policy.max_restarts:
            quick = "" if healthy else f", each within min_uptime_s={self.policy.min_uptime_s:g}"
            return ExitDecision(
                ChildState.FAILED,
                None,
                f"{how}; gave up after {self.policy.max_restarts} restart(s) in a row{quick}",
            )
        delay = min(self.policy.backoff_s * 2 ** (self.streak - 1), self.policy.backoff_max_s)
        start_kind = "healthy run" if healthy else f"failed start (up {uptime_s:.1f}s)"
        return ExitDecision(ChildState.BACKOFF, delay, f"{how} after a {start_kind}; restart in {delay:g}s")

    def on_restart(self) -> int:
        self.restarts += 1
        return self.restarts


def describe_exit(exit_code: int) -> str:
    if exit_code < 0:
        return f"killed by signal {-exit_code}"
    return f"exit code {exit_code}"
