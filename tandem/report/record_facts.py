"""The facts the report derives from a run record (docs/run-record.md).

The record arrives typed (`contracts.run_record`), odd values already read as empty; the
formatters here still take anything, since some values come from child-written metrics.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.contracts.child_protocol import ChildError
from tandem.contracts.run_record import ProcessState, RunRecord
from tandem.fileio.log_tail import error_line


def resolve(path: str | None, root: Path) -> Path | None:
    """Record paths are relative to the folder the supervisor ran in, unless absolute."""
    if not path:
        return None
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(root) / candidate


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def seconds_between(start: Any, end: Any) -> float | None:
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None or (begin.tzinfo is None) != (finish.tzinfo is None):
        return None
    return max((finish - begin).total_seconds(), 0.0)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h{minutes:02d}m"
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_bytes(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(amount) < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TiB"


def format_exit(code: Any) -> str:
    """`3`, or `-9 (SIGKILL)` for a child killed by a signal."""
    if not isinstance(code, int) or isinstance(code, bool):
        return "–"
    if code < 0:
        try:
            return f"{code} ({signal.Signals(-code).name})"
        except ValueError:
            return str(code)
    return str(code)


def format_time(value: Any, with_offset: bool = False) -> str:
    """`2026-11-28 14:00:00` in the offset the record was written in (`+09:00` appended on request)."""
    moment = parse_time(value)
    if moment is None:
        return "–"
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}" if with_offset and offset else text


def format_number(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}g}" if abs(value) < 1e-3 else f"{value:,.{digits}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Failure:
    """One child exit that was a failure (it caused a restart or ended the process)."""

    process: str
    exit_code: int | None
    ended_at: str | None
    final: bool  # the process's last attempt (no restart followed)
    reason: str | None
    said: str | None = None  # why, in the child's words: the exception in its error file, else its log's likeliest line


def failures(record: RunRecord) -> list[Failure]:
    """Every failed exit of every process, oldest first; the first is the run's root cause.

    An attempt counts when it exited non-zero, except one that a request ended (a restart or stop
    asked for) and the last attempt of a process the supervisor itself stopped (its SIGTERM exit
    is the consequence of a stop, not a failure).
    """
    found: list[Failure] = []
    for name, proc in record.processes.items():
        for index, attempt in enumerate(proc.attempts):
            last = index == len(proc.attempts) - 1
            if attempt.exit_code in (0, None) or attempt.requested or (last and proc.status == ProcessState.STOPPED):
                continue
            found.append(Failure(name, attempt.exit_code, attempt.ended_at, last, attempt.reason,
                                 _said(attempt.exception, attempt.log_tail)))
        if proc.status == ProcessState.FAILED and not any(f.process == name and f.final for f in found):
            found.append(Failure(name, proc.exit_code, proc.ended_at, True, proc.error.reason if proc.error else None,
                                 _said(proc.error.exception, proc.error.log_tail) if proc.error else None))
    return sorted(found, key=lambda f: _sort_time(f.ended_at))


def _said(exception: ChildError | None, log_tail: list[str] | None) -> str | None:
    """The exception the child recorded; a program that writes no error file, its log's line."""
    return exception.headline if exception is not None else error_line(log_tail or [])


def _sort_time(value: str | None) -> float:
    """Seconds since the epoch; an unknown time sorts last."""
    moment = parse_time(value)
    return moment.timestamp() if moment else float("inf")
