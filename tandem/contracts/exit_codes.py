"""Exit status of every task and script (docs/exit-codes.md): what CI pipelines branch on."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a process (or the run) failed
EXIT_USAGE = 2  # bad flag or config: one line names it, nothing was started
EXIT_SIGHUP = 129
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
