"""The last lines of a log, read from its end only: logs grow for days and may be gigabytes."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

# Words that mark the line a program says why it failed ("error: …", "RuntimeError: …",
# "training failed", "FATAL"); the supervisor's own `===== tandem …` banners never count.
ERROR_WORDS = re.compile(r"error|fail|exception|fatal|traceback|cannot|can't|could not|denied|refused",
                         re.IGNORECASE)
BANNER_PREFIX = "===== tandem"


def last_log_line(log_file: Path, max_bytes: int = 8192) -> str:
    """The last non-empty line of a log, read from its end only."""
    lines = tail_lines(log_file, 1, max_bytes)
    return lines[-1] if lines else ""


def tail_lines(log_file: Path | None, count: int, max_bytes: int = 64 * 1024, since: int = 0) -> list[str]:
    """The last `count` non-blank lines of a log, read from its end only (logs may be gigabytes),
    and never from before byte `since` (where one attempt of a restarted process began)."""
    if log_file is None or count <= 0:
        return []
    try:
        # Non-blocking: a log path a child turned into a FIFO must not stall the supervisor.
        fd = os.open(log_file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return []
        with open(fd, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(size - max(max_bytes, count * 512), min(since, size))
            handle.seek(start)
            chunk = handle.read()
    except OSError:
        return []
    lines = [line for line in chunk.decode("utf-8", "replace").splitlines() if line.strip()]
    cut = start > since  # the read began inside a line
    if cut and len(lines) > 1:
        lines = lines[1:]  # the first line read is probably cut
    elif cut and lines:
        lines = [f"[…] {lines[0]}"]  # one line longer than the block: its end is what there is
    return lines[-count:]


def error_line(lines: list[str]) -> str | None:
    """The line of a log's tail that most likely says why the program failed: the last one with
    an error word, else the last line; None when there is none. Generic, as the supervisor and
    the report know nothing of what the program is."""
    own = [line for line in lines if line.strip() and not line.startswith(BANNER_PREFIX)]
    for line in reversed(own):
        if ERROR_WORDS.search(line):
            return line.strip()
    return own[-1].strip() if own else None
