"""The child protocol (docs/child-protocol.md): what a supervised process is told through its
environment, and how it reports progress through its status file. Both sides use this module:
a child script needs nothing else of the supervisor, and the supervisor reads status files only
through `read_status_file`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json
from tandem.fileio.safe_read import NotReadable, read_regular_file

ENV_RUN_ID = "TANDEM_RUN_ID"
ENV_PROCESS = "TANDEM_PROCESS"
ENV_STATUS_FILE = "TANDEM_STATUS_FILE"
ENV_AUTO_RESUME = "TANDEM_AUTO_RESUME"
ENV_ERROR_FILE = "TANDEM_ERROR_FILE"

# A status file is a few hundred bytes; anything larger is not ours and is not read (a 100 MB
# file would otherwise be parsed, copied into the record and printed every few seconds).
STATUS_FILE_MAX_BYTES = 256 * 1024
# What is kept of the free-text fields: one line for a progress bar.
MAX_MESSAGE_CHARS = 300
MAX_UNIT_CHARS = 40
# An error file holds one exception; what is kept of it (the end of a traceback says most).
ERROR_FILE_MAX_BYTES = 256 * 1024
MAX_ERROR_TYPE_CHARS = 200
MAX_ERROR_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 16000


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


@dataclass
class Progress:
    """What a child last reported (docs/child-protocol.md); `metrics` keys: `contracts.metrics`."""

    done: int | float | None = None
    total: int | float | None = None
    unit: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Progress | None:
        if not isinstance(data, Mapping):
            return None
        metrics = data.get("metrics")
        return cls(_number(data.get("done")), _number(data.get("total")),
                   shorten(str(data.get("unit") or ""), MAX_UNIT_CHARS),
                   dict(metrics) if isinstance(metrics, dict) else {},
                   shorten(str(data.get("message") or ""), MAX_MESSAGE_CHARS))


def shorten(text: str, limit: int) -> str:
    """`text` on one line and at most `limit` characters, cut with `…`."""
    line = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return line if len(line) <= limit else line[: limit - 1] + "…"


class StatusFileRefused(Exception):
    """Something at the status path that is not a status file; `str()` says what (one line)."""


def read_status_file(path: Path) -> Progress | None:
    """The progress in a child's status file; None while there is none, or it is half-written
    or not a JSON object. Never blocks and never reads more than STATUS_FILE_MAX_BYTES: a path
    that holds a FIFO, a device, a folder or a larger file raises StatusFileRefused."""
    try:
        raw = read_regular_file(path, STATUS_FILE_MAX_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except NotReadable as exc:
        raise StatusFileRefused(f"{path}: {exc}; ignored") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return Progress.from_json(data) if isinstance(data, dict) else None


def _number(value: Any) -> int | float | None:
    """A count as children write it: a number, or a string such as "1,200" (regex groups)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value if value == value else None  # NaN is no count
    try:
        text = str(value).replace(",", "")
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ChildError:
    """The uncaught exception a child wrote to `$TANDEM_ERROR_FILE` as it died (torch elastic's
    error file): the supervisor's record and the report quote it instead of guessing from the
    log's last lines."""

    type: str  # `ValueError`, or `package.module.Error` for a class outside the builtins
    message: str
    traceback: str
    at: str = ""

    @property
    def headline(self) -> str:
        """`ValueError: bad value`, on one line."""
        message = shorten(self.message, MAX_MESSAGE_CHARS)
        return f"{self.type}: {message}" if message else self.type

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ChildError | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("type"), str) or not data["type"]:
            return None
        return cls(shorten(data["type"], MAX_ERROR_TYPE_CHARS), shorten(str(data.get("message") or ""),
                   MAX_ERROR_MESSAGE_CHARS), _tail(str(data.get("traceback") or ""), MAX_TRACEBACK_CHARS),
                   str(data.get("at") or ""))

    @classmethod
    def from_exception(cls, exc: BaseException) -> ChildError:
        kind = type(exc)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        # Each line cut apart first: a megabyte-long message must not push the frames out.
        lines = "".join(traceback.format_exception(exc)).splitlines()
        text = "\n".join(shorten(line, MAX_ERROR_MESSAGE_CHARS) for line in lines) + "\n"
        return cls(name, shorten(str(exc), MAX_ERROR_MESSAGE_CHARS), _tail(text, MAX_TRACEBACK_CHARS),
                   datetime.now().astimezone().isoformat(timespec="seconds"))


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[len(text) - limit + 1:]


def write_error_file(path: Path, exc: BaseException) -> None:
    """Replace `path` atomically with `exc` as a ChildError (docs/child-protocol.md)."""
    atomic_write_json(path, ChildError.from_exception(exc).to_json(), durable=False)


def read_error_file(path: Path) -> ChildError | None:
    """The child's error, or None: no file (a foreign child, or one that did not crash with an
    exception), a half-written or foreign one. Never blocks and never raises."""
    try:
        raw = read_regular_file(path, ERROR_FILE_MAX_BYTES)
        return ChildError.from_json(json.loads(raw.decode("utf-8")))
    except (OSError, NotReadable, UnicodeDecodeError, json.JSONDecodeError):
        return None


@dataclass(frozen=True)
class ChildEnvironment:
    """What the supervisor told this process through its environment (all optional: a script
    run by hand gets the defaults)."""

    run_id: str | None
    process: str | None
    status_file: Path | None
    auto_resume: bool
    error_file: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ChildEnvironment:
        env = os.environ if environ is None else environ
        status = env.get(ENV_STATUS_FILE)
        return cls(
            run_id=env.get(ENV_RUN_ID) or None,
            process=env.get(ENV_PROCESS) or None,
            status_file=Path(status) if status else None,
            auto_resume=_flag(env, ENV_AUTO_RESUME, True),
            error_file=Path(env[ENV_ERROR_FILE]) if env.get(ENV_ERROR_FILE) else None,
        )


class StatusReporter:
    """Replaces the status file atomically, at most once per `min_interval_s` unless forced.

    `{"done", "total", "unit", "metrics", "message", "updated_at"}` — the supervisor's progress
    bars, `invoke status` and the report read it. Without a path (run by hand) it does nothing.
    """

    def __init__(
        self,
        path: Path | None,
        unit: str,
        total: int | None = None,
        min_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.unit = unit
        self.total = total
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._last_write: float | None = None
        self.last: dict[str, Any] | None = None

    def update(
        self,
        done: int,
        *,
        total: int | None = None,
        metrics: Mapping[str, Any] | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> bool:
        """Record progress; returns True when the file was written."""
        if total is not None:
            self.total = total
        self.last = {
            "done": done,
            "total": self.total,
            "unit": self.unit,
            "metrics": dict(metrics or {}),
            "message": message or "",
            "updated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        now = self._clock()
        due = self._last_write is None or now - self._last_write >= self.min_interval_s
        if self.path is None or not (due or force):
            return False
        atomic_write_json(self.path, self.last, durable=False)
        self._last_write = now
        return True
