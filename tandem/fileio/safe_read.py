"""Reading a file that another program controls, without letting it stall or swamp the reader.

A child decides what sits at its status path: a FIFO (an `open()` that blocks until someone
writes), a device, a folder, or a 100 MB file. The supervisor must read such paths without
blocking and without copying more than a small, fixed amount, so the one reader of status
files (`tandem.contracts.child_protocol.read_status_file`) goes through `read_regular_file`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotReadable(Exception):
    """The path is not a regular file of at most the allowed size; `str()` says why."""


def read_regular_file(path: Path, max_bytes: int, follow_symlinks: bool = True) -> bytes:
    """The whole content of the regular file at `path`, at most `max_bytes` long.

    Opened non-blocking (a FIFO or device never stalls the caller) and without becoming a
    controlling terminal; anything but a regular file, or a larger one, raises NotReadable, and
    so does a symbolic link unless `follow_symlinks`. A missing file raises FileNotFoundError as
    `open` does.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotReadable("a folder, not a file") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise NotReadable(f"cannot be opened ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NotReadable("a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable("not a regular file (a FIFO, socket or device)")
        if info.st_size > max_bytes:
            raise NotReadable(f"{info.st_size} bytes, more than the {max_bytes} allowed")
        chunks = []
        remaining = max_bytes + 1  # one byte more tells a file that grew since fstat
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise NotReadable(f"more than the {max_bytes} bytes allowed")
        return data
    finally:
        os.close(fd)
