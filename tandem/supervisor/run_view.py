"""`invoke status` and `invoke logs`: a run seen from another terminal, through its files only."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

from tandem.contracts.exit_codes import EXIT_SIGINT
from tandem.contracts.run_record import (
    RecordError,
    RunRecord,
    RunState,
    find_process,
    latest_record,
    record_path,
    supervisor_alive,
)
from tandem.fileio.log_tail import tail_lines
from tandem.supervisor.progress import ProgressReader
from tandem.supervisor.progress_display import ProcessView, describe

COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


def find_record(logs_dir: Path, run: str | None) -> Path:
    """The record of `run` (RUN_ID), or the latest; RecordError says which is missing."""
    runs_dir = logs_dir / "runs"
    if run is None:
        return latest_record(runs_dir)
    path = record_path(runs_dir, run)
    if not path.is_file():
        known = sorted(p.stem for p in runs_dir.glob("*.json"))[-3:]
        raise RecordError(f"--run {run}: no such run in {runs_dir}"
                          + (f" (the latest: {', '.join(known)})" if known else ""))
    return path


def _open_record(logs_dir: Path, run: str | None, out: TextIO) -> tuple[Path, RunRecord] | int:
    """The record and its path, or the exit code after saying why there is none: 2 for a `--run`
    that does not exist, 1 when no run was recorded yet."""
    try:
        path = find_record(logs_dir, run)
        return path, RunRecord.load(path)
    except RecordError as exc:
        if run is not None:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"no run recorded yet in {logs_dir / 'runs'}", file=out)
        return 1


def show_status(logs_dir: Path, out: TextIO = sys.stdout, run: str | None = None, lines: int = 1) -> int:
    found = _open_record(logs_dir, run, out)
    if isinstance(found, int):
        return found
    _, record = found
    state = record.status
    if state == RunState.RUNNING and not supervisor_alive(record):
        state = "running? (its supervisor is gone: the next run will stop what is left)"
    print(f"run {record.run_id} ({record.kind}): {state}, started {record.started_at}"
          + (f", ended {record.ended_at}" if record.ended_at else ""), file=out)
    for name, entry in record.processes.items():
        alive = find_process(entry.pid, entry.create_time) is not None
        log_file = Path(entry.log_file or "-")
        # The status file is fresher than the record's copy while the run is going.
        reader = ProgressReader(Path(entry.status_file or "-"), log_file, None)
        progress = reader.read() or entry.progress
        view = ProcessView(name, entry.status, entry.restarts, progress)
        exit_text = f", exit {entry.exit_code}" if entry.exit_code is not None else ""
        print(f"  {describe(view)}", file=out)
        print(f"    pid {entry.pid} ({'alive' if alive else 'not running'}){exit_text}, "
              f"log {entry.log_file}", file=out)
        last = tail_lines(log_file, lines)
        if len(last) == 1:
            print(f"    last line: {last[0][:200]}", file=out)
        elif last:
            print(f"    last {len(last)} lines:", file=out)
            out.writelines(f"      {line[:200]}\n" for line in last)
    if record.report:
        print(f"  report: {record.report}", file=out)
    return 0


def show_logs(logs_dir: Path, follow: bool, process: str | None, out: TextIO = sys.stdout,
              poll_s: float = 0.25, run: str | None = None, lines: int | None = None) -> int:
    """Print a run's logs (the latest by default) with a `[name]` prefix — all of each, or its
    last `lines`; with `follow`, keep tailing them (honcho-style) until the run ends or Ctrl-C."""
    found = _open_record(logs_dir, run, out)
    if isinstance(found, int):
        return found
    path, record = found
    entries = record.processes
    if process is not None and process not in entries:
        print(f"error: run {record.run_id} has no process {process!r} (it has: {', '.join(entries)})",
              file=sys.stderr)
        return 2
    names = [process] if process else list(entries)
    width = max(len(n) for n in names)
    colour = getattr(out, "isatty", lambda: False)() and os.environ.get("NO_COLOR") is None
    tails = {n: _Tail(Path(entries[n].log_file or "-"), keep_last=lines) for n in names}
    prefixes = {n: (f"{COLOURS[i % len(COLOURS)]}[{n.ljust(width)}]{RESET} " if colour
                    else f"[{n.ljust(width)}] ") for i, n in enumerate(names)}
    try:
        while True:
            for name in names:
                while new := tails[name].new_lines():
                    out.writelines(prefixes[name] + line + "\n" for line in new)
            out.flush()
            if not follow:
                return 0
            try:
                running = RunRecord.load(path).status == RunState.RUNNING
            except RecordError:
                running = False
            if not running:
                for name in names:  # what was written while the run ended
                    for line in tails[name].new_lines(final=True):
                        out.write(prefixes[name] + line + "\n")
                return 0
            time.sleep(poll_s)
    except KeyboardInterrupt:
        return EXIT_SIGINT


class _Tail:
    """Complete lines appended to a file since the last call (a partial last line waits); with
    `keep_last`, only that many of the lines already there come first."""

    def __init__(self, path: Path, keep_last: int | None = None) -> None:
        self.path = path
        self.offset = 0 if keep_last is None else _start_of_last_lines(path, keep_last)
        self.partial = b""

    def new_lines(self, final: bool = False) -> list[str]:
        """Reads 1 MiB blocks until it has a whole line or reaches the end: a line longer than a
        block (a dumped tensor) is returned whole, not taken for the end of the log."""
        chunks = [self.partial]
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                while chunk := handle.read(1 << 20):
                    chunks.append(chunk)
                    if b"\n" in chunk:
                        break
                self.offset = handle.tell()
        except FileNotFoundError:
            return []
        lines = b"".join(chunks).split(b"\n")
        self.partial = lines.pop()
        if final and self.partial:
            lines.append(self.partial)
            self.partial = b""
        return [line.decode("utf-8", "replace").rstrip("\r") for line in lines]


def _start_of_last_lines(path: Path, count: int, max_bytes: int = 256 * 1024) -> int:
    """The offset where the last `count` lines of `path` begin (its end for 0), found by reading
    from the end only."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            begin = max(size - max(max_bytes, count * 1024), 0)
            handle.seek(begin)
            data = handle.read()
    except OSError:
        return 0
    cut = len(data) - 1 if data.endswith(b"\n") else len(data)
    for _ in range(count):
        cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            return begin
    return begin + cut + 1 if count else size
