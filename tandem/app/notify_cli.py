"""Send the end-of-run notification by hand: sound, desktop notification and webhook.

    python scripts/notify.py                          # announce the latest run again
    python scripts/notify.py --message "done" --sound marisa_owattaze.wav

The channels and their options come from `notify:` in configs/parallel.yaml (sound, desktop,
webhook or the environment variable named by webhook_env). Each channel's outcome is printed.
A channel that fails (no audio device, no display, a webhook that hangs) is reported but never
changes the exit status: 0, or 2 for a bad flag or config.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tandem.app.parallel_config import load_parallel_config
from tandem.common.script_main import OneLineArgumentParser, run_main
from tandem.contracts.exit_codes import EXIT_OK
from tandem.contracts.run_record import RecordError, RunRecord, latest_record
from tandem.notify import notify
from tandem.notify.notify_config import NotifySettings
from tandem.report import summary_line

DEFAULT_CONFIG = Path("configs/parallel.yaml")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--message", help="the text to send (default: the latest run's summary line)")
    parser.add_argument("--title", default="tandem", help="the notification's title (default: tandem)")
    parser.add_argument("--sound", type=Path, help="a WAV file to play instead of the configured sound")
    parser.add_argument("--config", type=Path, default=None,
                        help=f"parallel.yaml whose notify: settings apply (default: {DEFAULT_CONFIG} "
                             "when it exists, else the built-in defaults)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings, logs_dir = NotifySettings(), Path("logs")
    config_path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if config_path is not None:
        config = load_parallel_config(config_path)
        settings, logs_dir = config.notify, Path(config.logs_dir)
    if args.sound is not None:
        settings.sound = str(args.sound)
    message, report = args.message, None
    if message is None:
        message, report = _latest_run(logs_dir)
    results = notify(settings, args.title, message, report, log=lambda line: print(line, file=sys.stderr))
    for channel, outcome in results.items():
        extra = outcome.get("player") or outcome.get("notifier") or outcome.get("url") or ""
        print(f"{channel}: {outcome.get('status')}" + (f" ({extra})" if extra else ""))
    return EXIT_OK


def _latest_run(logs_dir: Path) -> tuple[str, Path | None]:
    try:
        record = RunRecord.load(latest_record(logs_dir / "runs"))
    except RecordError:
        return "tandem: test notification (no run recorded yet)", None
    return summary_line(record), Path(record.report) if record.report else None



def run() -> None:
    """The console entry point `tandem-notify`."""
    run_main(main)


if __name__ == "__main__":
    run()
