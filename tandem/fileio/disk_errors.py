"""OS errors as one line a person can act on: which file, and what went wrong with it.

Python's `write()` raises `OSError(ENOSPC)` without a file name, so a full disk deep inside a
save reads as `[Errno 28] No space left on device` with no hint of where. `naming(path)` puts
the path on errors raised inside it; `describe_os_error` turns one into the line the user reads
("no space left on logs/runs/20261130_090000.json").

Libraries do not all keep the errno: torch's zip writer says `RuntimeError: [enforce fail at
inline_container.cc:…] … file write failed` (or `unexpected pos`, or `basic_ios::clear: iostream
error`), safetensors says `IoError(… StorageFull …)`, SQLite `database or disk is full` or just
`disk I/O error`. For those `full_disk_path` lets the free space left where the write went decide.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
FULL_WORDS = ("No space left on device", "Disk quota exceeded", "StorageFull", "QuotaExceeded",
              "database or disk is full")  # the last: SQLite, which names no file
# Failed writes that do not say why: a full disk when (and only when) the disk is nearly full.
UNEXPLAINED_WRITE_WORDS = ("inline_container", "PytorchStreamWriter", "file write failed", "iostream error",
                           "unexpected pos",  # torch's zip writer
                           "disk I/O error")  # SQLite
NEARLY_FULL_BYTES = 16 * 2**20  # less than this left after a failed write: the write ran out of room


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


class NoSpaceLeft(Exception):
    """A write under `path` failed for lack of space; `doing` says what was being written."""

    def __init__(self, path: Path, doing: str) -> None:
        super().__init__(f"no space left on {path} ({doing})")
        self.path = path
        self.doing = doing


def full_disk_path(exc: BaseException, where: Path) -> Path | None:
    """The path that ran out of space, when `exc` (raised while writing under `where`) comes from
    a full disk or quota; None for any other failure."""
    links = list(_chain(exc))
    for link in links:
        if isinstance(link, OSError) and link.errno in DISK_FULL_ERRNOS:
            return Path(link.filename) if isinstance(link.filename, (str, os.PathLike)) else where
        if any(word in str(link) for word in FULL_WORDS):
            return where
    unexplained = any(any(w in str(link) for w in UNEXPLAINED_WRITE_WORDS) for link in links)
    return where if unexplained and free_bytes(where) < NEARLY_FULL_BYTES else None


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem of `path` (or of its nearest
    existing parent)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__
