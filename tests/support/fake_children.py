"""Fake children and a fake clock for the event loop's unit tests: policy, not processes."""

from __future__ import annotations

from typing import Any


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeChild:
    """Exits with `exit_code` after `runs_for` seconds of the fake clock; obeys SIGTERM (ending
    with `term_exit_code`: -15 killed by it, 143 a clean stop of its own) unless stubborn."""

    def __init__(self, pid: int, clock: FakeClock, exit_code: int, runs_for: float, stubborn: bool,
                 term_exit_code: int = -15) -> None:
        self.pid, self.create_time = pid, 1.0
        self.clock, self.exit_code, self.stubborn = clock, exit_code, stubborn
        self.term_exit_code = term_exit_code
        self.exit_at: float | None = clock.now + runs_for
        self.signals: list[str] = []

    def poll(self) -> int | None:
        if self.exit_at is not None and self.clock.now >= self.exit_at:
            return self.exit_code
        return None

    def terminate(self) -> None:
        self.signals.append("TERM")
        if not self.stubborn:
            self.exit_code, self.exit_at = self.term_exit_code, self.clock.now

    def kill(self) -> None:
        self.signals.append("KILL")
        self.exit_code, self.exit_at = -9, self.clock.now


class FakeFactory:
    """Starts the next (exit code, seconds) of each name's list; remembers every start and its env."""

    def __init__(self, clock: FakeClock, behaviours: dict[str, list[tuple[int, float]]], stubborn: bool = False,
                 term_exit_code: int = -15):
        self.clock, self.behaviours, self.stubborn = clock, behaviours, stubborn
        self.term_exit_code = term_exit_code
        self.started: list[tuple[str, float, FakeChild]] = []
        self.envs: list[dict[str, str]] = []
        self.argvs: list[list[str]] = []

    def start(self, spec: Any) -> FakeChild:
        name = spec.log_path.stem
        exit_code, runs_for = self.behaviours[name].pop(0)
        child = FakeChild(100 + len(self.started), self.clock, exit_code, runs_for, self.stubborn, self.term_exit_code)
        self.started.append((name, self.clock.now, child))
        self.envs.append(dict(spec.env))
        self.argvs.append(list(spec.argv))
        return child
