"""A small process that outlives a supervisor killed with -9 and stops its children.

Started by the supervisor in its own session (so the terminal's Ctrl-C does not reach it), it
polls the supervisor's PID and create time; when the supervisor is gone while its record still
says `running`, it stops the recorded children as trees and marks the run interrupted — the
same recovery the next run would do, done at once.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.run_record import RecordError, RunRecord, RunState, supervisor_alive
from tandem.fileio.disk_errors import describe_os_error
from tandem.supervisor.event_log import append_supervisor_log
from tandem.supervisor.recovery import recover_run

POLL_S = 0.5
FINISH_TIMEOUT_S = 120.0


def main(argv: list[str] | None = None) -> int:
    """Its output goes nowhere (the terminal belongs to the user): what it did, and how it
    failed, go into the supervisor log as one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--supervisor-log", type=Path, required=True)
    parser.add_argument("--grace-s", type=float, required=True)
    parser.add_argument("--then", nargs=argparse.REMAINDER, default=[],
                        help="a command run with the record's path appended once the run is recovered")
    args = parser.parse_args(argv)
    try:
        return watch(args)
    except Exception as exc:  # a full disk while saving the record: the next run recovers it
        try:
            what = describe_os_error(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
            append_supervisor_log(args.supervisor_log, f"watchdog: failed: {what}")
        except OSError:
            pass
        return 1


def watch(args: argparse.Namespace) -> int:
    for signum in (signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)
    while True:
        try:
            record = RunRecord.load(args.record)
        except RecordError:
            return 0
        if record.status != RunState.RUNNING:
            return 0
        if not supervisor_alive(record):
            break
        time.sleep(POLL_S)

    def log(message: str) -> None:
        append_supervisor_log(args.supervisor_log, f"watchdog: {message}")

    stopped = recover_run(args.record, args.grace_s, "stopped by the watchdog", log)
    log(f"supervisor of run {record.run_id} died; stopped {', '.join(stopped) or 'nothing'}; "
        f"run marked interrupted")
    if args.then:
        finish_recovered_run([*args.then, str(args.record)], log)
    return 0


def finish_recovered_run(argv: list[str], log: Callable[[str], None]) -> None:
    """The end-of-run work (report, notification) of the layer above, as its own process: the
    supervisor knows only the command. Bounded, so a hanging webhook cannot keep it forever."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=FINISH_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log(f"end-of-run work failed: {exc}")
        return
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        log(f"end-of-run work exited {done.returncode}: {last[0]}")


if __name__ == "__main__":
    raise SystemExit(main())
