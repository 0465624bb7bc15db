"""Generate or serve the bundled Japanese demo site.

  demo_site.py generate --out DIR [--pages N] [--seed S]
  demo_site.py serve --root DIR [--host H] [--port P] [--pages N] [--seed S]

`serve` (re)generates the site first unless DIR holds one of the same pages, seed and generator
version, prints `serving http://127.0.0.1:PORT/` as one line, and runs until SIGTERM or SIGINT
(or, with `--until-stdin-closes`, until its standard input ends), then exits 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from tandem.common.script_main import run_main, typed_command
from tandem.contracts.exit_codes import EXIT_OK, EXIT_USAGE
from tandem.demosite.manifest import MANIFEST_NAME, MANIFEST_VERSION, load_manifest
from tandem.demosite.site import generate_site
from tandem.demosite.site_server import serve_site

DEFAULT_PAGES = 500  # 413 pages the crawl keeps: room for the demo's target of 300


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=typed_command(), description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write the site into a folder")
    generate.add_argument("--out", type=Path, required=True, help="folder to write the site into")
    serve = commands.add_parser("serve", help="serve a site on loopback (generating it if missing)")
    serve.add_argument("--root", type=Path, required=True, help="the site's folder")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--until-stdin-closes", action="store_true",
                       help="also stop when standard input ends: a parent that holds the other end of a pipe "
                            "takes the server with it however it dies (even kill -9)")
    for sub in (generate, serve):
        sub.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="pages to generate (at least 20)")
        sub.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.pages < 20:
        print("error: --pages: the demo site needs at least 20 pages", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "generate":
        manifest = generate_site(args.out, args.pages, args.seed)
        print(f"generated {len(manifest.pages)} pages in {args.out}")
        return EXIT_OK
    if not has_site(args.root, args.pages, args.seed):
        generate_site(args.root, args.pages, args.seed)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if args.until_stdin_closes:
        threading.Thread(target=_set_at_end_of_input, args=(stop,), name="stdin-watch", daemon=True).start()
    with serve_site(args.root, args.host, args.port) as server:
        print(f"serving {server.url}", flush=True)
        while not stop.wait(0.5):
            pass
    return EXIT_OK


def _set_at_end_of_input(stop: threading.Event) -> None:
    # os.read, not sys.stdin.buffer.read: a daemon thread blocked inside the buffered reader holds
    # its lock, and the interpreter aborts at shutdown ("Fatal Python error") when a signal ends
    # the server while this thread waits.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    stop.set()


def has_site(root: Path, pages: int, seed: int) -> bool:
    """True when `root` holds the site these flags ask for, from this version of the generator."""
    if not (root / MANIFEST_NAME).is_file():
        return False
    manifest = load_manifest(root)
    return (manifest.version, manifest.seed, len(manifest.pages)) == (MANIFEST_VERSION, seed, pages)



def run() -> None:
    """The console entry point `tandem-demo-site`."""
    run_main(main)


if __name__ == "__main__":
    run()
