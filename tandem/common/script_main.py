"""What every script's `main` shares: bad config is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

from tandem.common.typed_config import ConfigError
from tandem.contracts.child_protocol import ChildEnvironment, write_error_file
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_SIGINT, EXIT_USAGE

# The trainer's lines come from `logging` with `%(asctime)s %(levelname)s %(message)s` and this
# date format; scripts that print their own lines use `timestamped` to look the same.
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def timestamped(message: str, level: str = "INFO") -> str:
    """`2026-11-30 09:00:00 INFO message`: a log line shaped like the trainer's."""
    return f"{time.strftime(LOG_DATE_FORMAT)} {level} {message}"


def typed_command() -> str:
    """The command as the user typed it, for usage lines: `scripts/crawl.py` (a script, as typed),
    `tandem-crawl` (a console script), `python -m tandem.crawl` (a module, as the configs start it)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None:
        return f"python -m {spec.name.removesuffix('.__main__')}"
    typed = sys.argv[0] if sys.argv and sys.argv[0] else "python"
    return typed if not os.path.isabs(typed) else os.path.basename(typed)


class OneLineArgumentParser(argparse.ArgumentParser):
    """A bad flag is one line on stderr and exit 2, like a bad config value — never a usage dump.
    Usage lines name the command as it was typed (`typed_command`) unless `prog` is given."""

    def __init__(self, prog: str | None = None, **kwargs: Any) -> None:
        super().__init__(prog=prog or typed_command(), **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def one_line_failure(message: str) -> int:
    """A failed run the person can act on: `error: message` on stderr, no traceback; exit 1."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    return EXIT_FAILED


def record_uncaught(exc: BaseException) -> None:
    """Leave `exc` in the error file the supervisor named (`TANDEM_ERROR_FILE`), so that its
    record and the report quote the exception rather than guess from the log. Run by hand, with
    no such variable, it does nothing; it never raises over the exception it records."""
    path = ChildEnvironment.from_environ().error_file
    if path is None:
        return
    try:
        write_error_file(path, exc)
    except OSError as problem:
        print(f"error: {path}: the error file could not be written ({problem})", file=sys.stderr)


def run_main(main: Callable[[], int]) -> None:
    """Call `main` and exit with its status; a ConfigError becomes `error: …` and exit 2, and an
    uncaught exception is recorded in the error file, then raised (a traceback, exit 1)."""
    # A log file is read while it grows (`invoke logs --follow`, progress patterns): whole lines
    # should reach it as they are printed, not in 8 KiB blocks that may end mid-line.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    try:
        status = main()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = EXIT_USAGE
    except KeyboardInterrupt:
        status = EXIT_SIGINT
    except Exception as exc:
        record_uncaught(exc)
        raise
    sys.exit(status)
