"""Write the configuration reference, docs/configuration.md, from the config dataclasses.

    python scripts/config_reference.py            # (re)write docs/configuration.md
    python scripts/config_reference.py --check    # exit 1 when the committed file is stale

Every key of configs/parallel.yaml, crawl_config.yaml and training_config.yaml, with its type,
default and help text, comes from the dataclasses' field metadata (`make config-reference`).
Exit status: 0, 1 when --check finds the file stale, 2 for a bad flag.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tandem.app.configref import render_reference
from tandem.common.script_main import OneLineArgumentParser, run_main
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK
from tandem.fileio.atomic_files import atomic_write_text

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the file differs from a fresh render")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the Markdown file (default: docs/configuration.md in the repository)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    text = render_reference()
    if args.check:
        try:
            current = args.out.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            state = "missing" if current is None else "stale"
            print(f"error: {args.out} is {state}: run `make config-reference`", file=sys.stderr)
            return EXIT_FAILED
        print(f"{args.out} is current")
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, text)
    print(f"wrote {args.out}")
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
