"""Main-text extraction on real Japanese documentation, tandem against trafilatura and resiliparse.

Seven Debian packages of Japanese documentation, each a different site generator (see
bench/debian_ja_sites.py; fetched with apt-get into a cache, never committed). Every tool reads
the same decoded HTML of the same pages, in one process on one core; each page's reference is
its hand-chosen main element minus its navigation, and the scores are token-bigram overlap
(bench/extract_scoring.py). Per site it prints precision, recall, the share of output lines
that are boilerplate and docs/s (tandem's and resiliparse's: the median of 7 alternating
passes), and whether tandem meets the goal: recall >= 0.95 and at least the best other tool's,
precision >= 0.97, boilerplate lines <= 1%, docs/s >= resiliparse's.

Then what each quality-filter preset keeps of those pages after tandem's whole page analysis
(decode, extract, normalise, filters), with the top drop reasons; and what each preset lets
through of junk: the demo site's junk pages (spam, link lists, katakana catalogues, repetition,
English, too short), and junk cut from the real pages (their navigation alone, their English
pages, keyword-stuffed copies); and junk made from the real pages' own paragraphs (spam lines
between them, letter-spaced, teaser archives, doorway pages; bench/real_prose_junk.py), with the
spam lines left in kept texts and the good prose lost.

Run: .venv/bin/python bench/bench_extract.py [--cache data/bench/debian-ja] [--sites a,b] [--extraction-only]
An older tandem's extraction on the same pages: PYTHONPATH=<its checkout> ... --extraction-only.
The demo site's pages are scored the same way (its generator knows each page's main text).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from debian_ja_sites import SITES, PackagesUnavailable, RealPage, fetch_packages, load_site
from extract_scoring import Reference, SiteScore, combine, score_page, tokens

from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.demosite.site import generate_site

REPO = Path(__file__).resolve().parents[1]
GOAL_RECALL, GOAL_PRECISION, GOAL_BOILERPLATE = 0.95, 0.97, 0.01
SPEED_REFERENCE = "resiliparse main_content"  # the goal: at least its docs/s on the same pages, in the same run
SPEED_ROUNDS = 7
DEMO_PAGES = 300


@dataclass
class Page:
    site: str
    url: str
    html: str
    reference: Reference


@dataclass
class Row:
    tool: str
    score: SiteScore
    docs_per_s: float
    mb_per_s: float


Extract = Callable[[Page], str]


def tools() -> dict[str, Callable[[], Extract]]:
    """name -> factory of a fresh extract(page) (fresh: tandem learns per-host repeated lines)."""
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text

    def tandem() -> Extract:
        extractor = Extractor(ExtractSettings())
        return lambda page: extractor.extract(page.html, page.url).text

    return {
        "tandem": tandem,
        "trafilatura": lambda: lambda page: trafilatura.extract(page.html, url=page.url) or "",
        "trafilatura favor_recall": lambda: lambda page: trafilatura.extract(
            page.html, url=page.url, favor_recall=True) or "",
        "resiliparse main_content": lambda: lambda page: extract_plain_text(page.html, main_content=True),
    }


def run_tools(pages: list[Page]) -> list[Row]:
    """Scores from one pass of each tool. Speed: tandem and resiliparse (the goal's pair) take
    SPEED_ROUNDS more passes, alternating, and each one's median counts (a pass over a small
    site takes milliseconds: one pass is mostly noise); trafilatura's one pass is its figure."""
    factories = tools()
    outputs: dict[str, list[str]] = {}
    seconds: dict[str, list[float]] = {}
    for name, factory in factories.items():
        outputs[name], elapsed = _timed_pass(factory(), pages)
        seconds[name] = [elapsed]
    for _ in range(SPEED_ROUNDS):
        for name in ("tandem", SPEED_REFERENCE):
            seconds[name].append(_timed_pass(factories[name](), pages)[1])
    megabytes = sum(len(page.html.encode("utf-8")) for page in pages) / 1e6
    rows = []
    for name in factories:
        score = combine([score_page(output, page.reference) for output, page in zip(outputs[name], pages, strict=True)])
        elapsed = statistics.median(seconds[name][1:] or seconds[name])
        rows.append(Row(name, score, len(pages) / elapsed, megabytes / elapsed))
    return rows


def _timed_pass(extract: Extract, pages: list[Page]) -> tuple[list[str], float]:
    start = time.process_time()
    outputs = [extract(page) for page in pages]
    return outputs, max(time.process_time() - start, 1e-9)


def goal_line(rows: list[Row]) -> str:
    ours, others = rows[0], rows[1:]
    best_other = max(row.score.recall for row in others)
    misses = []
    if ours.score.recall < max(GOAL_RECALL, best_other):
        misses.append(f"recall {ours.score.recall:.3f} < {max(GOAL_RECALL, best_other):.3f}")
    if ours.score.precision < GOAL_PRECISION:
        misses.append(f"precision {ours.score.precision:.3f} < {GOAL_PRECISION}")
    if ours.score.boilerplate_lines > GOAL_BOILERPLATE:
        misses.append(f"boilerplate lines {ours.score.boilerplate_lines:.1%} > {GOAL_BOILERPLATE:.0%}")
    reference = next(row for row in others if row.tool == SPEED_REFERENCE)
    if ours.docs_per_s < reference.docs_per_s:
        misses.append(f"{ours.docs_per_s:.0f} docs/s < {reference.tool}'s {reference.docs_per_s:.0f}")
    return "goal met" if not misses else "goal NOT met: " + "; ".join(misses)


def print_table(title: str, rows: list[Row], goal: bool = True) -> None:
    print(f"\n{title}")
    print(f"  {'tool':26} {'precision':>9} {'recall':>7} {'boilerplate lines':>18} {'docs/s':>8} {'MB/s':>6}")
    for row in rows:
        s = row.score
        print(f"  {row.tool:26} {s.precision:9.3f} {s.recall:7.3f} {s.boilerplate_lines:18.1%} {row.docs_per_s:8.0f}"
              f" {row.mb_per_s:6.1f}")
    if goal:
        print(f"  tandem: {goal_line(rows)}")


def demo_pages() -> list[Page]:
    with tempfile.TemporaryDirectory(prefix="bench_extract_demo_") as folder:
        manifest = generate_site(Path(folder), DEMO_PAGES, seed=0)
        pages = []
        for record in manifest.pages:
            if not record.main_text:
                continue
            body = (Path(folder) / record.path.lstrip("/")).read_bytes()
            content_type = f"text/html; charset={record.encoding}" if record.declaration.startswith("header") else None
            html = decode_body(body, content_type)[0]
            reference = Reference(f"{record.title}\n{record.main_text}")
            pages.append(Page("demo", f"http://demo.test{record.path}", html, reference))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO / "data" / "bench" / "debian-ja",
                        help="where the .deb files and their unpacked pages are kept between runs")
    parser.add_argument("--sites", default="", help="comma-separated site names (default: all)")
    parser.add_argument("--extraction-only", action="store_true", help="leave out the quality presets and junk")
    args = parser.parse_args()
    chosen = [rule for rule in SITES if not args.sites or rule.name in args.sites.split(",")]
    real: dict[str, list[RealPage]] = {}
    try:
        roots = fetch_packages(args.cache)
    except PackagesUnavailable as exc:
        print(f"SKIPPED the real-page benchmark: {exc}. Only the demo site is measured.")
        roots = {}
    print("one process, one core (CPU time); scores are token-bigram overlap with each page's reference")
    totals: dict[str, list[float]] = {}
    for rule in chosen:
        if rule.name not in roots:
            continue
        loaded, navigation_pages = load_site(rule, roots[rule.name], lambda text: len(tokens(text)))
        real[rule.name] = loaded
        pages = [Page(p.site, p.url, p.html, Reference(p.reference)) for p in loaded]
        rows = run_tools(pages)
        print_table(f"{rule.name} ({rule.package}; {rule.generator}): {len(pages)} pages scored, "
                    f"{navigation_pages} navigation pages not scored", rows)
        for row in rows:
            totals.setdefault(row.tool, []).append(len(pages) / row.docs_per_s)
    if totals:
        pages_total = sum(len(p) for p in real.values())
        print("\nall real pages, docs/s: " + ", ".join(f"{tool} {pages_total / sum(seconds):.0f}"
                                                         for tool, seconds in totals.items()))
    print_table(f"demo site (generated, {DEMO_PAGES} pages; reference: the generator's title and main text)",
                run_tools(demo_pages()), goal=False)
    if args.extraction_only:
        return 0
    # Imported here: with --extraction-only the table runs on any checkout of tandem (PYTHONPATH),
    # also one from before the presets existed, to print the "before" figures.
    from filter_presets import demo_junk, junk_from_real_pages, junk_table, keep_rates

    if real:
        keep_rates(real)
        print(f"  tandem's whole page analysis (decode, extract, normalise, web filters): "
              f"{analysis_docs_per_s([p for pages in real.values() for p in pages]):.0f} docs/s on one core")
    with tempfile.TemporaryDirectory(prefix="bench_extract_junk_") as folder:
        junk_table(demo_junk(Path(folder)) + junk_from_real_pages(real))
    if real:
        from filter_presets import analyzers
        from real_prose_junk import make_junk, prose_junk_table, prose_paragraphs

        prose_junk_table(make_junk(prose_paragraphs(real)), analyzers())
    return 0


def analysis_docs_per_s(pages: list[RealPage]) -> float:
    from filter_presets import analyzers

    analyzer = analyzers()["web"]
    start = time.process_time()
    for page in pages:
        analyzer.analyse_html(page.body, None, page.url)
    return len(pages) / max(time.process_time() - start, 1e-9)


if __name__ == "__main__":
    sys.exit(main())
