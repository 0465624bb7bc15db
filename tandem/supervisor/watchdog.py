"""A small process that outlives a supervisor killed with -9 and stops its children.

Started by the supervisor in its own session (so the terminal's Ctrl-C does not reach it), it
polls the supervisor's PID and create time; when the supervisor is gone while its record still
says `running`, it stops the recorded children as trees and marks the run interrupted — the
same recovery the next run would do, done at once.
"""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path

from tandem.supervisor.eventlog import append_supervisor_log
from tandem.supervisor.record import load_record
from tandem.supervisor.recovery import recover_run, report_recovered_run, supervisor_alive

POLL_S = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--supervisor-log", type=Path, required=True)
    parser.add_argument("--grace-s", type=float, required=True)
    args = parser.parse_args(argv)
    for signum in (signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)
    while True:
        record = load_record(args.record)
        if record is None or record.get("status") != "running":
            return 0
        if not supervisor_alive(record):
            break
        time.sleep(POLL_S)

    def log(message: str) -> None:
        append_supervisor_log(args.supervisor_log, f"watchdog: {message}")

    stopped = recover_run(args.record, args.grace_s, "stopped by the watchdog", log)
    log(f"supervisor of run {record.get('run_id')} died; stopped {', '.join(stopped) or 'nothing'}; "
        f"run marked interrupted")
    report_recovered_run(args.record, log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
