"""Files that are either the old version or the new one, never half of each.

Readers (the supervisor, `invoke status`, the trainer following the crawl) poll these files while
writers replace them; a rename within one folder is atomic on POSIX and on Windows
(`os.replace`), and the fsync before it makes the new content survive a power loss.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from tandem.fileio.disk_errors import naming

# What `open()` would give: read-write for all, less the user's umask (mkstemp's 0600 would
# make every record, status file and shard unreadable to the user's group).
NEW_FILE_MODE = 0o666


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step; `durable` fsyncs before the rename. An OSError
    (a full disk) names `path`, and no temporary file is left behind."""
    path = Path(path)
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = _create_temporary(path)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise
    if durable:
        fsync_dir(path.parent)


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new, exclusively created file beside `path`, with the user's umask applied."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, flags, NEW_FILE_MODE), name
        except FileExistsError:
            continue


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def atomic_write_json(path: Path, obj: Any, *, durable: bool = True) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_write_text(path, text, durable=durable)


def read_json(path: Path) -> Any | None:
    """The parsed file, or None when it is missing or (being foreign) not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable; a no-op where directories cannot be opened."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
