"""The restart policy as a small state machine, free of processes and clocks (times come in as
arguments, so every rule is a unit test).

pending → running → (exit 0) succeeded
                  → (crash) backoff → running … → failed once a limit is reached
                  → (an exit code in no_restart_exit_codes) failed at once
                  → (stop requested) stopped

A crash loop must end, however the child behaves:
- `max_restarts` bounds restarts in a row without a healthy run. A run is healthy when it lasted
  `min_uptime_s` *and* made progress: its status `done` passed the best seen before that start,
  or its `metrics.checkpoint` changed (a child that reports no figures is judged by uptime
  alone). A job that crashes once a week after a week of work is not given up on; one that
  crashes the same way after every start is, however long each start lasts (supervisord's
  startretries, PM2's exponential backoff, plus progress).
- `max_restarts_total` bounds restarts in the whole run, and `max_restarts_per_window` those
  within `window_s` (systemd's StartLimitBurst / StartLimitIntervalSec).
- An exit code listed in `no_restart_exit_codes` (systemd's RestartPreventExitStatus; 2, bad
  usage or config, by default) is never retried: a restart cannot mend a bad flag.
Each failed start in a streak doubles the wait, up to `backoff_max_s`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tandem.contracts.child_protocol import Progress
from tandem.contracts.run_record import ProcessState
from tandem.supervisor.supervisor_config import RestartPolicy


@dataclass(frozen=True)
class ExitDecision:
    state: ProcessState
    restart_in_s: float | None  # set only with BACKOFF
    reason: str


class ProgressTracker:
    """Whether a child got further during its current run than before it: the best `done` and
    the newest checkpoint it reported, compared with what they were when the run started."""

    def __init__(self) -> None:
        self.reports_figures = False
        self._best_done: float | None = None
        self._checkpoint: Any = None
        self._baseline_done: float | None = None
        self._baseline_checkpoint: Any = None
        self._first_start = True

    def started(self) -> None:
        self._baseline_done, self._baseline_checkpoint = self._best_done, self._checkpoint
        self._first_start = self._best_done is None and self._checkpoint is None

    def observe(self, progress: Progress) -> None:
        """A new status from the child (only new ones: a re-read of the same file is not news)."""
        done = progress.done
        checkpoint = progress.metrics.get("checkpoint")
        if done is not None:
            self.reports_figures = True
            if self._first_start and self._baseline_done is None:
                self._baseline_done = done  # the first figure of the first run is where it began
            self._best_done = done if self._best_done is None else max(self._best_done, done)
        if checkpoint is not None:
            self.reports_figures = True
            if self._first_start and self._baseline_checkpoint is None:
                self._baseline_checkpoint = checkpoint
            self._checkpoint = checkpoint

    def progressed(self) -> bool:
        done_grew = (self._best_done is not None and self._baseline_done is not None
                     and self._best_done > self._baseline_done)
        new_checkpoint = self._checkpoint is not None and self._checkpoint != self._baseline_checkpoint
        return done_grew or new_checkpoint


class RestartTracker:
    def __init__(self, policy: RestartPolicy, auto_restart: bool,
                 no_restart_exit_codes: Collection[int] = (2,)) -> None:
        self.policy = policy
        self.auto_restart = auto_restart
        self.no_restart_exit_codes = frozenset(no_restart_exit_codes)
        self.restarts = 0
        self.streak = 0  # crashes since the last healthy run
        self.progress = ProgressTracker()
        self._decided = 0  # restarts decided in the whole run
        self._recent: deque[float] = deque()  # when each restart within the window was decided

    def on_start(self) -> None:
        self.progress.started()

    def on_exit(self, exit_code: int, uptime_s: float, stop_requested: bool, now: float = 0.0) -> ExitDecision:
        if stop_requested:
            return ExitDecision(ProcessState.STOPPED, None, "stopped on request")
        if exit_code == 0:
            return ExitDecision(ProcessState.SUCCEEDED, None, "exited 0")
        how = describe_exit(exit_code)
        if exit_code in self.no_restart_exit_codes:
            return ExitDecision(ProcessState.FAILED, None,
                                f"{how}, listed in no_restart_exit_codes: not restarted (a bad flag or config "
                                f"does not mend itself)")
        if not self.auto_restart:
            return ExitDecision(ProcessState.FAILED, None, f"{how}; auto-resume is off")
        healthy, health = self._judge(uptime_s)
        if healthy:
            self.streak = 0
        self.streak += 1
        limit = self._limit_reached(now)
        if limit is not None:
            return ExitDecision(ProcessState.FAILED, None, f"{how} after a {health}; gave up: {limit}")
        if self.streak > self.policy.max_restarts:
            quick = "" if healthy else f", none of them healthy ({health})"
            return ExitDecision(ProcessState.FAILED, None,
                                f"{how}; gave up after {self.policy.max_restarts} restart(s) in a row{quick}")
        self._decided += 1
        self._recent.append(now)
        delay = min(self.policy.backoff_s * 2 ** (self.streak - 1), self.policy.backoff_max_s)
        return ExitDecision(ProcessState.BACKOFF, delay, f"{how} after a {health}; restart in {delay:g}s")

    def on_restart(self) -> int:
        self.restarts += 1
        return self.restarts

    def _judge(self, uptime_s: float) -> tuple[bool, str]:
        """(healthy, how the run is described)."""
        if uptime_s < self.policy.min_uptime_s:
            return False, f"failed start (up {uptime_s:.1f}s)"
        if self.progress.reports_figures and not self.progress.progressed():
            return False, f"run without progress (up {uptime_s:.1f}s)"
        return True, "healthy run"

    def _limit_reached(self, now: float) -> str | None:
        total = self.policy.max_restarts_total
        if total is not None and self._decided >= total:
            return f"{total} restart(s) in all (restart.max_restarts_total)"
        while self._recent and self._recent[0] <= now - self.policy.window_s:
            self._recent.popleft()
        burst = self.policy.max_restarts_per_window
        if burst is not None and len(self._recent) >= burst:
            return f"{burst} restart(s) within {self.policy.window_s:g}s (restart.max_restarts_per_window)"
        return None


def describe_exit(exit_code: int) -> str:
    if exit_code < 0:
        return f"killed by signal {-exit_code}"
    return f"exit code {exit_code}"
