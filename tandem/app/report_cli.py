"""Build (or rebuild) the Markdown report of a run from its record, e.g. in a CI pipeline.

    python scripts/report.py                      # the latest run in logs/runs
    python scripts/report.py --run 20261128_140000
    python scripts/report.py --record path/to/RUN_ID.json --docs-dir _docs

A run is reported with the report settings it ran under (its run folder keeps them), unless
--config names others. Prints the report's path. The report goes to `_docs/YYYY-MM-DD_parallel_train_crawl.md` (an
earlier run's report is never overwritten; a rebuild rewrites the file the record names). Paths
inside the record are taken relative to the current folder, where the supervisor ran.
Exit 0 written, 2 no such record or a bad flag/config (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tandem.app.parallel_config import ParallelConfig, load_parallel_config
from tandem.common.script_main import OneLineArgumentParser, run_main
from tandem.common.typed_config import ConfigError, load_config, resolved_config_path
from tandem.contracts.exit_codes import EXIT_OK, EXIT_USAGE
from tandem.contracts.run_record import RecordError, RunRecord, RunState, latest_record, name_report
from tandem.report import is_live, write_report
from tandem.report.report_config import ReportSettings

DEFAULT_CONFIG = Path("configs/parallel.yaml")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", metavar="RUN_ID", help="the run to report on (default: the latest)")
    which.add_argument("--record", type=Path, metavar="PATH", help="a run record file to report on")
    parser.add_argument("--logs-dir", type=Path, default=None,
                        help="where the runs' records are, as <logs-dir>/runs/RUN_ID.json "
                             "(default: logs_dir of the config, else logs)")
    parser.add_argument("--docs-dir", type=Path, default=None,
                        help="where a new report goes (default: report.docs_dir of the config, else _docs)")
    parser.add_argument("--config", type=Path, default=None,
                        help="parallel.yaml whose report: and logs_dir settings apply "
                             f"(default: {DEFAULT_CONFIG} when it exists)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings, logs_dir = ReportSettings(), Path("logs")
    config_path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if config_path is not None:
        config = load_parallel_config(config_path)
        settings, logs_dir = config.report, Path(config.logs_dir)
    logs_dir = args.logs_dir or logs_dir
    try:
        record_path = args.record or (logs_dir / "runs" / f"{args.run}.json" if args.run
                                      else latest_record(logs_dir / "runs"))
        if args.config is None:
            settings = _settings_of_run(record_path) or settings
        if args.docs_dir is not None:
            settings.docs_dir = str(args.docs_dir)
        if args.no_plots:
            settings.plots = False
        report_path = write_report(record_path, settings, root=Path("."))
        _remember_report(record_path, report_path)
    except RecordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    record = RunRecord.load(record_path)
    if is_live(record):
        print(f"run {record.run_id} is still running: live report {report_path} (the final report is "
              "written when the run ends)", file=sys.stderr)
    print(report_path)
    return EXIT_OK


def _settings_of_run(record_path: Path) -> ReportSettings | None:
    """The report settings the run ran under, saved in its run folder (None for a run without)."""
    try:
        run_dir = RunRecord.load(record_path).run_dir
        return load_config(ParallelConfig, resolved_config_path(Path(run_dir), "parallel")).report if run_dir else None
    except (RecordError, ConfigError):
        return None


def _remember_report(record_path: Path, report_path: Path) -> None:
    """Name the report in a finished run's record, so the next rebuild rewrites the same file.
    A running run's record belongs to its supervisor, which names the report itself."""
    record = RunRecord.load(record_path)
    if not record.report and record.status not in ("unknown", RunState.RUNNING):
        name_report(record_path, report_path)


def run() -> None:
    """The console entry point `tandem-report`."""
    run_main(main)


if __name__ == "__main__":
    run()
