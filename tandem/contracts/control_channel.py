"""The control channel (docs/service.md): how `invoke stop`, `invoke restart` and the dashboard's
buttons ask a running supervisor to act, from any terminal of the user who owns the run.

The channel is a folder, `RUN_DIR/control/`, that the supervisor creates for its owner alone
(mode 0700). A client drops one request file into it; the supervisor's loop looks into the
folder a few times a second, turns each request into an event, acts on it like on a signal, and
answers with a reply file beside it. Files rather than a socket or a named pipe: the same code
on every system, no listener thread in the supervisor, no 108-byte limit on a socket's path,
and a request waits safely while the supervisor is busy for a moment. Only the owner can enter
the folder (and the supervisor ignores any request file that is not its owner's). The folder
takes regular files only: a FIFO, a folder or a link named like a request is left where it is
and reported, never opened for a blocking read (docs/faults.md).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json, read_json
from tandem.fileio.safe_read import NotReadable, read_regular_file

CONTROL_DIR = "control"
REQUEST_SUFFIX = ".request.json"
REPLY_SUFFIX = ".reply.json"
ACTIONS = ("stop", "restart")
REPLY_TIMEOUT_S = 15.0
MAX_REQUEST_BYTES = 64 * 1024  # a request is a few dozen bytes
MAX_SENDER_CHARS = 100
# Kept out of a sender: the record, the log and the report show it, some of them as HTML.
_SENDER_UNSAFE = frozenset('<>&"`\\')


class ControlError(Exception):
    """A request that cannot be delivered or was not answered (one line for the user)."""


@dataclass(frozen=True)
class ControlRequest:
    id: str
    action: str  # one of ACTIONS
    process: str | None  # None: the whole run (stop only)
    sender: str  # who asks, in words: "invoke stop", "the dashboard"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "process": self.process, "sender": self.sender}

    @classmethod
    def from_json(cls, data: Any) -> ControlRequest | None:
        """The request in a file; None for anything that is not a well-formed request."""
        if not isinstance(data, dict):
            return None
        request_id, action, process = data.get("id"), data.get("action"), data.get("process")
        if not isinstance(request_id, str) or not request_id.isalnum() or action not in ACTIONS:
            return None
        if process is not None and not isinstance(process, str):
            return None
        if action == "restart" and process is None:
            return None
        sender = clean_sender(data.get("sender"))
        return cls(request_id, action, process, sender or "a client")


def clean_sender(sender: Any) -> str:
    """A request's `sender` as it may be written into the record and the log: one line of
    printable characters without markup, at most MAX_SENDER_CHARS long; "" for none."""
    if not isinstance(sender, str):
        return ""
    text = "".join(c if c.isprintable() and c not in _SENDER_UNSAFE else " " for c in sender[:4 * MAX_SENDER_CHARS])
    text = " ".join(text.split())
    return text if len(text) <= MAX_SENDER_CHARS else text[:MAX_SENDER_CHARS - 1] + "…"


@dataclass(frozen=True)
class NotARequest:
    """An entry named like a request that is not a regular file (a FIFO, a folder, a link):
    never opened for a blocking read, never removed; `why` says what it is."""

    name: str
    why: str


@dataclass(frozen=True)
class ControlReply:
    id: str
    accepted: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "accepted": self.accepted, "message": self.message}


def control_dir(run_dir: Path) -> Path:
    return Path(run_dir) / CONTROL_DIR


def open_control_dir(run_dir: Path) -> Path:
    """The supervisor's side: the run's control folder, for its owner only."""
    folder = control_dir(run_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform != "win32":
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask; this is not
    return folder


def owned_by_me(path: Path) -> bool:
    """Whether this user owns `path` (always true where the system has no owner ids)."""
    if not hasattr(os, "geteuid"):
        return True
    try:
        return os.stat(path).st_uid == os.geteuid()
    except OSError:
        return False


def take_requests(folder: Path, passed_over: Collection[str] = ()) -> list[ControlRequest | NotARequest | None]:
    """The supervisor's side: every request waiting in `folder`, each removed as it is read;
    None for a file that is not a request of this user (removed, never acted on); NotARequest
    for an entry that is not a regular file (left in place; named in `passed_over` next time,
    it is skipped without a look)."""
    found: list[ControlRequest | NotARequest | None] = []
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(REQUEST_SUFFIX)
                       and not entry.name.startswith(".") and entry.name not in passed_over)
    except OSError:
        return found
    for name in names:
        path = folder / name
        try:
            data = read_regular_file(path, MAX_REQUEST_BYTES, follow_symlinks=False)
        except FileNotFoundError:
            continue  # another reader took it
        except NotReadable as exc:
            if not _is_regular(path):
                found.append(NotARequest(name, "a symbolic link" if path.is_symlink() else str(exc)))
                continue
            data = b""  # a regular file too large to be a request: dropped like any malformed one
        request = ControlRequest.from_json(_parse(data)) if owned_by_me(path) else None
        try:
            path.unlink()
        except OSError:
            continue  # another reader took it: never act twice on one request
        found.append(request)
    return found


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _parse(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def write_reply(folder: Path, reply: ControlReply) -> None:
    atomic_write_json(folder / f"{reply.id}{REPLY_SUFFIX}", reply.to_json(), durable=False)


def send_request(run_dir: Path, action: str, process: str | None, sender: str,
                 still_running: Callable[[], bool] = lambda: True, timeout_s: float = REPLY_TIMEOUT_S,
                 sleep: Callable[[float], None] = time.sleep) -> ControlReply:
    """The client's side: deliver one request and wait for the supervisor's reply (while
    `still_running()` says the supervisor is there to give one)."""
    folder = control_dir(run_dir)
    if not folder.is_dir():
        raise ControlError(f"{folder}: the run has no control folder (its supervisor has not created it, "
                           f"or it is from an older tandem)")
    if not owned_by_me(folder):
        raise ControlError(f"{folder}: the run belongs to another user; only its owner can control it")
    request = ControlRequest(secrets.token_hex(8), action, process, sender)
    request_file = folder / f"{request.id}{REQUEST_SUFFIX}"
    reply_file = folder / f"{request.id}{REPLY_SUFFIX}"
    try:
        atomic_write_json(request_file, request.to_json(), durable=False)
    except OSError as exc:
        raise ControlError(f"{folder}: cannot write a request ({exc.strerror or exc})") from None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = read_json(reply_file)
        if isinstance(data, dict):
            try:
                reply_file.unlink()
            except OSError:
                pass
            return ControlReply(request.id, bool(data.get("accepted")), str(data.get("message") or ""))
        if not still_running():
            _withdraw(request_file)
            raise ControlError("the run's supervisor ended before it answered")
        sleep(0.05)
    _withdraw(request_file)
    raise ControlError(f"the supervisor did not answer within {timeout_s:g}s")


def _withdraw(request_file: Path) -> None:
    """A request nobody took is removed, so that it is not acted on later by surprise."""
    try:
        request_file.unlink()
    except OSError:
        pass
