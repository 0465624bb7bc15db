"""Ctrl-C, SIGTERM and SIGHUP stay live from the first line of a run to the last.

While the event loop runs, a signal only puts `SignalReceived` on the queue (the loop stops the
children in order). Before the loop and after it — recovering an earlier run, writing the
report, a webhook that never answers — there is nothing to stop in order, so a signal ends that
work at once: `RunInterrupted` is raised where the program is, and the run exits 128 + the
signal's number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; docs/exit-codes.md). It derives from
BaseException so that the `except Exception` guards around the report and the notification
let it through.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from tandem.contracts.exit_codes import STOP_SIGNALS, exit_code_for_signal


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class RunInterrupted(BaseException):
    """A stop signal arrived while no event loop was there to take it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"{signal_name(signum)} received")
        self.signum = signum
        self.exit_code = exit_code_for_signal(signum)


def raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise RunInterrupted(signum)


Handler = Callable[[int, FrameType | None], None]


@contextmanager
def stop_signals_call(handler: Handler) -> Iterator[None]:
    """Every stop signal calls `handler` inside the block; the previous handlers come back after."""
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
