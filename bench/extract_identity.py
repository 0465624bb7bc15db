"""Does a change to the extractor leave its output as it was? Page by page, on real pages.

Records what `Extractor.extract` returns (title, text, links, lang) for every HTML page of the
seven Debian Japanese manuals (bench/debian_ja_sites.py: all of each package's pages, not only
the benchmark's sample), the demo site's pages and random tag soup (every kind of element the
extractor tells apart, nested at random: the corner cases real pages seldom have), one
extractor per site fed in a fixed order (it learns repeated lines per host), then compares
another checkout's output with the record. A page on which extract() raises records the error.

Run: PYTHONPATH=<old checkout> .venv/bin/python bench/extract_identity.py record OUT.pickle --cache DIR
     PYTHONPATH=<new checkout> .venv/bin/python bench/extract_identity.py compare OUT.pickle --cache DIR
It prints the pages compared and each page that differs (and exits 1 when one does).
"""

from __future__ import annotations

import argparse
import pickle
import random
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
RANDOM_SITES, RANDOM_PAGES_PER_SITE = 100, 30
Output = tuple[object, ...]
_BLOCKS = ["div", "p", "li", "ul", "td", "tr", "table", "section", "article", "main", "dl", "dt", "dd", "h2", "h3",
           "blockquote", "nav", "header", "footer", "aside", "form", "center", "figure"]
_INLINE = ["span", "b", "code", "em", "a", "a", "a", "font", "x-custom", "mi"]
_SKIPPED = ["script", "style", "noscript", "button", "select", "svg", "template", "textarea"]
_CLASSES = ["", "", "", "nav", "menu", "sidebar-left", "global-nav", "content", "para", "headerlink", "HeaderLink",
            "mw-editsection", "toc", "section", "related", "share", "header", "default x", "reference"]
_IDS = ["", "", "", "usage", "nav", "menu", "footer", "opt", "main", "default_1"]
_HREFS = ["#usage", "#opt", "#x", "/p.html", "../q.html", "r.html#s", "http://e.test/", "", "javascript:x",
          "../../a/b.html#m()"]
_TEXTS = ["これはテスト文章です。", "Debian パッケージの作り方について説明します。", "foo", " ", "\n  ", "bar baz", "¶",
          "長い日本語の文章が続きます。本文として十分な長さがあります。", "\u3000", "x" * 30]
_SPECIAL = ["<br>", "<!-- c -->", '<a id="x"/>',
            "<pre>  code\n\tx = 1\n<span class=headerlink>¶</span><b>b</b>\n</pre>"]


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
    rng = random.Random(0)
    for site in range(RANDOM_SITES):
        yield f"random{site}", [(f"http://random{site}.test/d/e/p{page}.html", _random_page(rng))
                                for page in range(RANDOM_PAGES_PER_SITE)]


def _random_page(rng: random.Random) -> str:
    doctype = rng.choice(["<!DOCTYPE html>", ""])  # quirks mode or not: class selectors' case
    head = rng.choice(["<head><title>T | site</title></head>", "<head><title>タイトル</title></head>", ""])
    body = "".join(_random_node(rng, 0) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.03:  # deeper than the walk opens blocks
        body = "<div>" * 250 + body + "</div>" * 250
    return f"{doctype}<html>{head}<body>{body}</body></html>"


def _random_node(rng: random.Random, depth: int) -> str:
    draw = rng.random()
    if depth > 6 or draw < 0.35:
        return rng.choice(_TEXTS)
    if draw < 0.45:
        return rng.choice(_SPECIAL)
    tag = rng.choice(_INLINE if draw < 0.6 else _SKIPPED if draw < 0.66 else _BLOCKS)
    attributes = [f'{name}="{value}"' for name, value in (("class", rng.choice(_CLASSES)), ("id", rng.choice(_IDS)))
                  if value]
    if tag == "a" and rng.random() < 0.8:
        attributes.append(f'href="{rng.choice(_HREFS)}"')
    if rng.random() < 0.08:
        attributes.append("hidden")
    if rng.random() < 0.04:
        attributes.append(f'role="{rng.choice(["navigation", "main", "banner", "search"])}"')
    children = "".join(_random_node(rng, depth + 1) for _ in range(rng.randint(0, 5)))
    return f"<{' '.join([tag, *attributes])}>{children}</{tag}>"


def outputs(cache: Path) -> dict[str, list[Output]]:
    result = {}
    for site, pages in sites(cache):
        extractor = Extractor(ExtractSettings())  # fresh per site: per-host state in page order
        result[site] = [_output(extractor, html, url) for url, html in pages]
    return result


def _output(extractor: Extractor, html: str, url: str) -> Output:
    try:
        page = extractor.extract(html, url)
    except Exception as exc:  # a page the extractor raised on is recorded as such
        return ("raised", type(exc).__name__)
    return (page.title, page.text, list(page.links), page.lang)


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
                fields = [name for name, a, b in zip(("title", "text", "links", "lang"), old, new, strict=False)
                          if a != b] if len(old) == len(new) else [f"{old[:2]} -> {new[:2]}"]
                print(f"{site} page {index}: differs in {', '.join(fields)}")
    print(f"{compared} pages compared, {differences} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
