"""One holder at a time: an OS file lock, released by the kernel even when the holder is killed
with -9, so a crash never leaves a stale lock behind (flock on POSIX, msvcrt on Windows).

Used for one supervisor per logs folder, one crawl per output folder and one trainer per
output folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl


class AlreadyLocked(Exception):
    """Another process holds the lock; `holder` is what it wrote into the file."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is locked by {holder}")
        self.path = path
        self.holder = holder


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, owner: str) -> None:
        """Take the lock without waiting and write `pid N, owner` into the file; raises
        AlreadyLocked when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if sys.platform == "win32":
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyLocked(self.path, holder) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, {owner}".encode())
        except OSError:  # a full disk: not held, and no descriptor left open
            os.close(fd)
            raise
        self._fd = fd

    def keep_across_exec(self) -> None:
        """Keep holding the lock after this process replaces itself with `os.exec*`: the
        descriptor is inherited and the PID written into the file stays the same. Children the
        new program starts with `close_fds` (subprocess's default) do not get it."""
        if self._fd is not None:
            os.set_inheritable(self._fd, True)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock; the file stays for the next holder
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
