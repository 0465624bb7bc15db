"""OS errors as one line a person can act on: which file, and what went wrong with it.

Python's `write()` raises `OSError(ENOSPC)` without a file name, so a full disk deep inside a
save reads as `[Errno 28] No space left on device` with no hint of where. `naming(path)` puts
the path on errors raised inside it; `describe_os_error` turns one into the line the user reads
("no space left on logs/runs/20261130_090000.json").
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


@contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Re-raise an OSError without a file name as the same error naming `path`."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise type(exc)(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def describe_os_error(exc: OSError) -> str:
    """`no space left on PATH`, `permission denied: PATH`, … — one line, no errno numbers."""
    where = exc.filename if exc.filename is not None else "the disk"
    if is_disk_full(exc):
        return f"no space left on {where}"
    what = (exc.strerror or type(exc).__name__).lower()
    return f"{what}: {where}" if exc.filename is not None else what
