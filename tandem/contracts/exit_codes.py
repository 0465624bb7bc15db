"""Exit status of every task and script (docs/exit-codes.md): what CI pipelines branch on.

The one table from a stop signal to the exit status: the supervisor, the crawl, the trainer and
the tasks' Ctrl-C all read it here.
"""

from __future__ import annotations

import signal

EXIT_OK = 0
EXIT_FAILED = 1  # a process (or the run) failed
EXIT_USAGE = 2  # bad flag or config: one line names it, nothing was started
EXIT_SIGHUP = 129
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

# The signals that stop a run or a child politely (SIGHUP and SIGBREAK where the platform has them).
STOP_SIGNALS: tuple[int, ...] = tuple(
    s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")) if s is not None)
EXIT_FOR_SIGNAL: dict[int, int] = {signal.SIGINT: EXIT_SIGINT, signal.SIGTERM: EXIT_SIGTERM,
                                   **({signal.SIGHUP: EXIT_SIGHUP} if hasattr(signal, "SIGHUP") else {})}
# How a child that a SIGTERM asked to stop may end without failing: done anyway, killed by the
# signal itself (negative: Popen's way), or its own clean stop (143).
STOPPED_EXIT_CODES: tuple[int, ...] = (EXIT_OK, -signal.SIGTERM, EXIT_SIGTERM)


def exit_code_for_signal(signum: int | None) -> int:
    """130 for SIGINT, 143 for SIGTERM (also when no signal is known), 129 for SIGHUP, else 128 + N."""
    if signum is None:
        return EXIT_SIGTERM
    return EXIT_FOR_SIGNAL.get(signum, 128 + signum)
