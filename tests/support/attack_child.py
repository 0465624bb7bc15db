"""A supervised child that attacks its supervisor, as told on its command line (tests/faults/).

Knows only the child protocol's environment, like any foreign script. Every process it starts
keeps `--tag` in its command line, so a test can find whatever is left by that tag alone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

SLEEPER = "import sys, time; time.sleep(float(sys.argv[1]))"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tag", required=True, help="a word every process of this test carries in its argv")
    parser.add_argument("--pid-file", type=Path, help="append the PIDs of this process and its offspring")
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to run before exiting")
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--daemon", action="store_true", help="double-fork a daemon in its own session")
    parser.add_argument("--hidden-daemon", action="store_true",
                        help="double-fork a daemon in its own session that clears its environment")
    parser.add_argument("--session-grandchild", action="store_true", help="start a grandchild in its own session")
    parser.add_argument("--status-folder", action="store_true", help="turn the status path into a folder")
    parser.add_argument("--status-fifo", action="store_true", help="turn the status path into a FIFO")
    parser.add_argument("--status-message-mb", type=float, default=0, help="a status file with a huge message")
    parser.add_argument("--status-message-lines", type=int, default=0,
                        help="a status message of this many lines of 1000 Japanese characters")
    parser.add_argument("--status-done", type=int, help="report this `done` in the status file, then run on")
    parser.add_argument("--record-folder", action="store_true", help="turn the run record into a folder")
    parser.add_argument("--fill-log", action="store_true", help="write to the log until the disk is full")
    parser.add_argument("--count-term", type=Path,
                        help="on each SIGTERM append a line here; exit 143 one second after the first")
    args = parser.parse_args()

    status = os.environ.get("TANDEM_STATUS_FILE", "")
    if args.count_term:
        install_term_counter(args.count_term)
    pids = [os.getpid()]
    if args.daemon:
        pids.append(daemonise(args.sleep * 10 + 60))
    if args.hidden_daemon:
        pids.append(daemonise(args.sleep * 10 + 60, exec_bare=args.tag))
    if args.session_grandchild:
        pids.append(subprocess.Popen([sys.executable, "-c", SLEEPER, str(args.sleep * 10 + 60), args.tag],
                                     start_new_session=True).pid)
    if args.pid_file:
        with open(args.pid_file, "a") as handle:
            handle.write(" ".join(map(str, pids)) + "\n")
    if args.status_folder:
        os.mkdir(status)
    if args.status_fifo:
        os.mkfifo(status)
    if args.status_message_mb:
        write_status(status, {"done": 1, "total": 10, "message": "m" * int(args.status_message_mb * 2**20)})
    if args.status_message_lines:
        write_status(status, {"done": 3, "total": 9, "message": "\n".join(["行" * 1000] * args.status_message_lines)})
    if args.status_done is not None:
        write_status(status, {"done": args.status_done, "total": 1000, "unit": "steps"})
    if args.record_folder:
        record = Path(status).parent.parent / f"{os.environ['TANDEM_RUN_ID']}.json"
        record.unlink()
        record.mkdir()
    if args.fill_log:
        fill_the_disk()
        time.sleep(args.sleep)
        os._exit(args.exit)  # no flush of a stdout the full disk refuses
    print(f"attack child {os.getpid()} ready", flush=True)
    time.sleep(args.sleep)
    return args.exit


def daemonise(seconds: float, exec_bare: str | None = None) -> int:
    """The classic double fork: the daemon leaves the child's session and group, and its parent
    exits at once, so it is re-parented to init. Returns the daemon's PID. `exec_bare`: the
    daemon then runs a sleeper with an empty environment (no marker), this tag in its argv."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, str(os.getpid()).encode())
            if exec_bare is not None:
                os.execve(sys.executable, [sys.executable, "-c", SLEEPER, str(seconds), exec_bare], {})
            time.sleep(seconds)
            os._exit(0)
        os._exit(0)
    os.close(write_end)
    daemon = int(os.read(read_end, 32))
    os.close(read_end)
    return daemon


def write_status(path: str, data: dict[str, object]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def fill_the_disk() -> None:
    line = "x" * 4095 + "\n"
    try:
        while True:
            sys.stdout.write(line)
    except OSError:
        pass


def install_term_counter(path: Path) -> None:
    first: list[float] = []

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        with open(path, "a") as handle:
            handle.write(f"TERM {time.monotonic():.3f}\n")
        if not first:
            first.append(time.monotonic())
            signal.setitimer(signal.ITIMER_REAL, 1.0)  # a final commit that takes a second

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGALRM, lambda *_: os._exit(143))


if __name__ == "__main__":
    sys.exit(main())
