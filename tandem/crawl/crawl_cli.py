"""Collect clean Japanese text from the web (or local files) into JSONL shards, resumably.

    python scripts/crawl.py --config configs/crawl_config.yaml --target 10000 --workers 4

Resumes from the output folder by default (kill -9 included); `--no-auto-resume` moves the old
output aside first. `--set KEY=VALUE` overrides any key of the config (dotted, e.g.
`--set politeness.min_delay_s=2`); the dedicated flags win over `--set` for the same key.
`--check` only checks the config and flags (nothing is fetched or written) and exits 0, or 2
with one line. Exit 0 when finished (target reached, or sources exhausted: stats.json
says which), 2 for a bad config or flag, 1 on failure, 130/143 after a clean stop on
SIGINT/SIGTERM (the pending shard is committed; run again to continue).
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from tandem.common.overrides import Override, blame, flag_overrides, load_with_overrides, parse_sets
from tandem.common.script_main import OneLineArgumentParser, one_line_failure, run_main
from tandem.common.typed_config import ConfigError
from tandem.contracts.child_protocol import ChildEnvironment
from tandem.contracts.exit_codes import EXIT_OK
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import plan_crawl
from tandem.crawl.sources.inputs import SourceError
from tandem.fileio.disk_errors import describe_os_error, full_disk_path, is_disk_full


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=Path("configs/crawl_config.yaml"),
                        help="crawl config YAML (default: configs/crawl_config.yaml)")
    parser.add_argument("--target", type=int, help="number of kept samples to end with (overrides target:)")
    parser.add_argument("--workers", type=int, help="concurrent fetches (overrides workers:)")
    parser.add_argument("--seeds", nargs="+", metavar="URL", help="start URLs; replace the config's seeds:")
    parser.add_argument("--no-web-crawl", action="store_true",
                        help="read the config's sources: (files, folders, globs, URLs) instead of the web")
    parser.add_argument("--no-auto-resume", action="store_true",
                        help="start afresh: move the output folder's contents aside (also env TANDEM_AUTO_RESUME=0)")
    parser.add_argument("--output-dir", type=Path, help="output folder (overrides output_dir:)")
    parser.add_argument("--status-file", type=Path,
                        help="progress JSON replaced about once a second (default: env TANDEM_STATUS_FILE)")
    parser.add_argument("--set", action="append", dest="sets", metavar="KEY=VALUE",
                        help="override one key of the config, e.g. --set politeness.min_delay_s=2 (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="check the config and flags without crawling: exit 0, or 2 with one line")
    return parser.parse_args(argv)


def command_line_overrides(args: argparse.Namespace) -> list[Override]:
    """`--set` first, then the dedicated flags, so that a flag wins for the same key."""
    return [*parse_sets(CrawlConfig, args.sets), *flag_overrides([
        ("--target", "target", args.target),
        ("--workers", "workers", args.workers),
        ("--seeds", "seeds", args.seeds),
        ("--output-dir", "output_dir", str(args.output_dir) if args.output_dir is not None else None),
    ])]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = ChildEnvironment.from_environ()
    overrides = command_line_overrides(args)
    config = load_with_overrides(CrawlConfig, args.config, overrides)
    web = not args.no_web_crawl
    try:
        if args.check:  # the run's own first step (run_crawl calls plan_crawl too), and no more
            print(plan_crawl(config, web=web).describe(config))
            return EXIT_OK
        from tandem.crawl.crawl_run import run_crawl  # the fetching stack, only for a real crawl

        return run_crawl(config, web=web, resume=env.auto_resume and not args.no_auto_resume,
                         status_file=args.status_file or env.status_file)
    except ConfigError as exc:  # found while starting: name the flag, or the file and key
        raise ConfigError(blame(str(exc), str(args.config), overrides)) from None
    except SourceError as exc:  # a remote source that cannot be listed now (in a check; the run says it itself)
        return one_line_failure(str(exc))
    except OSError as exc:  # a full disk, a folder taken away: one line, no traceback
        return _failed(describe_os_error(exc), is_disk_full(exc))
    except sqlite3.Error as exc:  # SQLite names no file: its file is the frontier
        if full_disk_path(exc, config.output_dir) is None:
            raise
        return _failed(f"no space left on {config.output_dir / 'frontier.sqlite'}", full_disk=True)


def _failed(what: str, full_disk: bool) -> int:
    if full_disk:
        what += "; the shards committed before it are kept: free some space and run again to resume"
    return one_line_failure(what)


def run() -> None:
    """The console entry point `tandem-crawl`."""
    run_main(main)


if __name__ == "__main__":
    run()
