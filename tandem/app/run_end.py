"""The end of every run, in one place: the Markdown report, then the notification.

Called by the supervised run when its loop ends, for a run found unfinished before a new one
starts, and by the watchdog (as `python -m tandem.app.run_end RECORD`) after a supervisor was
killed. Nothing here can change a run's exit status: every failure is logged as one line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tandem.app.parallel_config import ParallelConfig
from tandem.common.typed_config import ConfigError, load_config, resolved_config_path
from tandem.contracts.run_record import RecordError, RunRecord, name_report
from tandem.notify import notify
from tandem.report import discard_live_report, fix_run_figures, summary_line, write_report
from tandem.supervisor.event_log import append_supervisor_log
from tandem.supervisor.supervise import SUPERVISOR_LOG


def finish_run(record_path: Path, config: ParallelConfig, log: Callable[[str], None]) -> None:
    """Write the report (named in the record) and send the notification."""
    report_path = None
    try:
        record = RunRecord.load(record_path)
    except RecordError as exc:
        log(f"no report: {exc}")
        return
    summary = f"tandem run {record.run_id}: {record.status}"
    try:
        fix_run_figures(record_path)
    except Exception as exc:  # the figures are the report's; the run's status stays whole
        log(f"the run's figures could not be fixed: {exc!r}")
    if config.report.enabled:
        try:
            report_path = write_report(record_path, config.report)
            name_report(record_path, report_path)
            discard_live_report(record, Path(config.report.docs_dir))
            log(f"report: {report_path}")
            summary = summary_line(RunRecord.load(record_path))
        except Exception as exc:  # a broken report must not lose the run's status
            log(f"report could not be written: {exc!r}")
    if config.notify.enabled:
        try:
            notify(config.notify, "tandem", summary, report_path, log)
        except Exception as exc:
            log(f"notification failed: {exc!r}")


def finish_recovered_run(record_path: Path, log: Callable[[str], None]) -> None:
    """The end of a run whose supervisor died, with the settings it ran under (saved in its run
    folder). A run that already has a report is left alone."""
    try:
        record = RunRecord.load(record_path)
    except RecordError as exc:
        log(f"no report: {exc}")
        return
    if record.report:
        return
    try:
        config = load_config(ParallelConfig, resolved_config_path(Path(record.run_dir or ""), "parallel"))
    except ConfigError as exc:
        log(f"no report for run {record.run_id}: {exc}")
        return
    finish_run(record_path, config, log)


def main(argv: list[str] | None = None) -> int:
    """`python -m tandem.app.run_end RECORD`: what the watchdog runs after a recovery."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tandem.app.run_end RECORD", file=sys.stderr)
        return 2
    record_path = Path(args[0])
    try:
        supervisor_log = Path(RunRecord.load(record_path).supervisor_log or SUPERVISOR_LOG)
    except RecordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        append_supervisor_log(supervisor_log, f"watchdog: {message}")

    finish_recovered_run(record_path, log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
