"""Which file a resume position belongs to: a local input's size, modification time and a hash
of its head (the first 64 KiB).

A position is only meaningful in the file it was taken in. When the file under a saved position
is not the same one at the next run, one of two things happened: it grew with the same head (a
download that was cut short and then completed, a file put in place whole), and the reading goes
on from the position; or it is another file under the same name, and the position means nothing
in it: the file is read again from its start, and that is said and counted, never mixed into
the old position silently. Remote inputs carry no identity (a HEAD request for each would cost a
round trip per file): their positions are taken as they are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

HEAD_BYTES = 64 * 1024

Identity = list[int | str]  # [size, mtime_ns, sha256 of the head]: JSON in the frontier's meta
Change = Literal["same", "grown", "changed"]


def identity_of(path: Path) -> Identity:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, _head_hash(path, HEAD_BYTES)]


def change_since(saved: Identity, path: Path) -> tuple[Change, Identity]:
    """How the file at `path` differs from `saved`, and its identity now. The head is hashed only
    when the size or the time differ (a `stat` for the unchanged files of a resume); a file that
    was shorter than a head is compared on the bytes it had. OSError when it cannot be read."""
    status = path.stat()
    if [status.st_size, status.st_mtime_ns] == [int(saved[0]), int(saved[1])]:
        return "same", list(saved)
    now = identity_of(path)
    old_size = int(saved[0])
    head = now[2] if old_size >= HEAD_BYTES else _head_hash(path, old_size)
    if head != saved[2] or int(now[0]) < old_size:
        return "changed", now
    return ("same" if int(now[0]) == old_size else "grown"), now


def _head_hash(path: Path, size: int) -> str:
    with path.open("rb") as stream:
        return hashlib.sha256(stream.read(size)).hexdigest()
