"""Extraction speed on real documentation that tandem's extractor was not tuned on: tandem against
resiliparse, per package, on the same decoded pages.

bench_extract.py measures quality and speed on its seven Debian manuals, the pages the extractor
was developed on. This measures speed alone on other real sites: Debian's Japanese GIMP,
LibreOffice, LilyPond and KiCad manuals, the Debian Reference and Developer's Reference in
Japanese, and Python's own documentation (bench/real_pages.py fetches them with apt-get). Up to
300 pages of each, drawn with a fixed seed; each tool makes 5 passes over them, the two
alternating, on one core; the median pass counts (CPU time). Small pages weigh the per-page work
(links, main container, title), large ones the per-node walk.

Run: .venv/bin/python bench/bench_extract_speed.py [--pages 300] [--passes 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from real_pages import JAPANESE_PACKAGES, fetch_packages

from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor, ExtractSettings

PACKAGES = (*JAPANESE_PACKAGES, "python3-doc")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages drawn from each package (at most)")
    parser.add_argument("--passes", type=int, default=5, help="passes of each tool; the median counts")
    args = parser.parse_args()
    from resiliparse.extract.html2text import extract_plain_text

    tools: dict[str, Callable[[], Callable[[str, str], object]]] = {
        "tandem": lambda: Extractor(ExtractSettings()).extract,  # fresh: it learns repeated lines per host
        "resiliparse": lambda: lambda page, _url: extract_plain_text(page, main_content=True),
    }
    folders = fetch_packages(packages=PACKAGES)
    rng = random.Random(0)
    print("one process, one core (CPU time); median of alternating passes")
    print(f"  {'package':24} {'pages':>5} {'KB/page':>8} {'tandem docs/s':>14} {'resiliparse docs/s':>19} {'ratio':>6}")
    totals = {"tandem": 0.0, "resiliparse": 0.0}
    pages_total = 0
    for package in PACKAGES:
        files = sorted(folders[package].rglob("*.htm*"))
        files = rng.sample(files, min(args.pages, len(files)))
        pages = [(f"https://{package}.docs.example/{path.relative_to(folders[package])}",
                  decode_body(path.read_bytes(), None)[0]) for path in files]
        seconds: dict[str, list[float]] = {name: [] for name in tools}
        for _ in range(args.passes):
            for name, factory in tools.items():
                extract = factory()
                start = time.process_time()
                for url, html in pages:
                    extract(html, url)
                seconds[name].append(max(time.process_time() - start, 1e-9))
        median = {name: statistics.median(values) for name, values in seconds.items()}
        for name in totals:
            totals[name] += median[name]
        pages_total += len(pages)
        kilobytes = sum(len(html.encode("utf-8")) for _, html in pages) / 1e3 / max(len(pages), 1)
        print(f"  {package:24} {len(pages):5} {kilobytes:8.1f} {len(pages) / median['tandem']:14.0f}"
              f" {len(pages) / median['resiliparse']:19.0f} {median['resiliparse'] / median['tandem']:6.2f}")
    print(f"  {'all':24} {pages_total:5} {'':8} {pages_total / totals['tandem']:14.0f}"
          f" {pages_total / totals['resiliparse']:19.0f} {totals['resiliparse'] / totals['tandem']:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
