"""A full disk, told apart from other write failures, so that it can be said in one line:
"no space left on <path>".

Python's own writes raise OSError(ENOSPC). Libraries do not all keep the errno: torch's zip
writer says `RuntimeError: [enforce fail at inline_container.cc:…] … file write failed` (or
`unexpected pos`, or `basic_ios::clear: iostream error`), safetensors says `IoError(… StorageFull …)`.
For those the free space left where the write went decides.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
FULL_WORDS = ("No space left on device", "Disk quota exceeded", "StorageFull", "QuotaExceeded")
TORCH_WRITER_WORDS = ("inline_container", "PytorchStreamWriter", "file write failed", "iostream error",
                      "unexpected pos")
NEARLY_FULL_BYTES = 16 * 2**20  # less than this left after a failed write: the write ran out of room


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
        if isinstance(link, OSError) and link.errno in FULL_ERRNOS:
            return Path(link.filename) if isinstance(link.filename, (str, os.PathLike)) else where
        if any(word in str(link) for word in FULL_WORDS):
            return where
    torch_write = any(isinstance(link, RuntimeError) and any(w in str(link) for w in TORCH_WRITER_WORDS)
                      for link in links)
    return where if torch_write and free_bytes(where) < NEARLY_FULL_BYTES else None


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
