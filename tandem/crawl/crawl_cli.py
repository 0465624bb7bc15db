"""Collect clean Japanese text from the web (or local files) into JSONL shards, resumably.

    python scripts/crawl.py --config configs/crawl_config.yaml --target 10000 --workers 4

Resumes from the output folder by default (kill -9 included); `--no-auto-resume` moves the old
output aside first. Exit 0 when finished (target reached, or sources exhausted: stats.json
says which), 2 for a bad config or flag, 1 on failure, 130/143 after a clean stop on
SIGINT/SIGTERM (the pending shard is committed; run again to continue).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tandem.common.script_main import OneLineArgumentParser, run_main
from tandem.common.typed_config import load_config
from tandem.contracts.child_protocol import ChildEnvironment
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_run import run_crawl


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(prog="crawl.py", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=Path("configs/crawl_config.yaml"),
                        help="crawl config YAML (default: configs/crawl_config.yaml)")
    parser.add_argument("--target", type=int, help="number of kept samples to end with (overrides target:)")
    parser.add_argument("--workers", type=int, help="concurrent fetches (overrides workers:)")
    parser.add_argument("--seeds", nargs="+", metavar="URL", help="start URLs; replace the config's seeds:")
    parser.add_argument("--no-web-crawl", action="store_true",
                        help="read local_sources instead of the web (also env TANDEM_WEB_CRAWL=0)")
    parser.add_argument("--no-auto-resume", action="store_true",
                        help="start afresh: move the output folder's contents aside (also env TANDEM_AUTO_RESUME=0)")
    parser.add_argument("--output-dir", type=Path, help="output folder (overrides output_dir:)")
    parser.add_argument("--status-file", type=Path,
                        help="progress JSON replaced about once a second (default: env TANDEM_STATUS_FILE)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = ChildEnvironment.from_environ()
    overrides = {
        "target": args.target,
        "workers": args.workers,
        "seeds": args.seeds,
        "output_dir": str(args.output_dir) if args.output_dir is not None else None,
    }
    config = load_config(CrawlConfig, args.config, overrides)
    return run_crawl(
        config,
        web=env.web_crawl and not args.no_web_crawl,
        resume=env.auto_resume and not args.no_auto_resume,
        status_file=args.status_file or env.status_file,
    )



def run() -> None:
    """The console entry point `tandem-crawl`."""
    run_main(main)


if __name__ == "__main__":
    run()
