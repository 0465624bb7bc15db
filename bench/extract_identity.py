"""Does a change to the extractor leave its output as it was? Page by page, on real pages.

Records what `Extractor.extract` returns (title, text, links, lang) for every HTML page of the
seven Debian Japanese manuals (bench/debian_ja_sites.py: all of each package's pages, not only
the benchmark's sample) and the demo site's pages, one extractor per site fed in a fixed order
(it learns repeated lines per host), then compares another checkout's output with the record.

Run: PYTHONPATH=<old checkout> .venv/bin/python bench/extract_identity.py record OUT.pickle --cache DIR
     PYTHONPATH=<new checkout> .venv/bin/python bench/extract_identity.py compare OUT.pickle --cache DIR
It prints the pages compared and each page that differs (and exits 1 when one does).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from debian_ja_sites import SITES, fetch_packages

from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.demosite.site import generate_site

REPO = Path(__file__).resolve().parents[1]
DEMO_PAGES = 300
Output = tuple[str, str, list[str], "str | None"]


def sites(cache: Path) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(site, [(url, decoded html), ...]) for each site, pages in sorted path order."""
    roots = fetch_packages(cache)
    for rule in SITES:
        root = roots[rule.name]
        pages = []
        for path in sorted(root.glob(rule.html_glob)):
            html = decode_body(path.read_bytes(), None)[0]
            pages.append((f"http://{rule.name}.test/{path.relative_to(root).as_posix()}", html))
        yield rule.name, pages
    with tempfile.TemporaryDirectory(prefix="extract_identity_demo_") as folder:
        manifest = generate_site(Path(folder), DEMO_PAGES, seed=0)
        pages = []
        for record in manifest.pages:
            body = (Path(folder) / record.path.lstrip("/")).read_bytes()
            content_type = f"text/html; charset={record.encoding}" if record.declaration.startswith("header") else None
            pages.append((f"http://demo.test{record.path}", decode_body(body, content_type)[0]))
        yield "demo", pages


def outputs(cache: Path) -> dict[str, list[Output]]:
    result = {}
    for site, pages in sites(cache):
        extractor = Extractor(ExtractSettings())  # fresh per site: per-host state in page order
        result[site] = [_as_tuple(extractor.extract(html, url)) for url, html in pages]
    return result


def _as_tuple(page: object) -> Output:
    return (page.title, page.text, list(page.links), page.lang)  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("record", type=Path, help="the pickle of recorded outputs")
    parser.add_argument("--cache", type=Path, default=REPO / "data" / "bench" / "debian-ja")
    args = parser.parse_args()
    current = outputs(args.cache)
    if args.action == "record":
        args.record.write_bytes(pickle.dumps(current))
        print(f"recorded {sum(len(v) for v in current.values())} pages to {args.record}")
        return 0
    recorded: dict[str, list[Output]] = pickle.loads(args.record.read_bytes())
    compared = differences = 0
    for site, pages in recorded.items():
        now = current.get(site, [])
        if len(now) != len(pages):
            print(f"{site}: {len(now)} pages now, {len(pages)} recorded")
            differences += 1
        for index, (old, new) in enumerate(zip(pages, now, strict=False)):
            compared += 1
            if old != new:
                differences += 1
                fields = [name for name, a, b in zip(("title", "text", "links", "lang"), old, new, strict=True)
                          if a != b]
                print(f"{site} page {index}: differs in {', '.join(fields)}")
    print(f"{compared} pages compared, {differences} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
