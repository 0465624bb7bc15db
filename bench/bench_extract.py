"""Extraction, quality-filter and dedup throughput and quality on the generated Japanese site.

One run, same pages, same machine, side by side:
- extraction: tandem's extractor vs trafilatura (default and fast=True), resiliparse
  main_content, and a plain selectolax "semantic tags" pass — docs/s on one core, precision and
  recall against the site's ground truth, and the share of pages with any boilerplate left;
- near-dedup over the pages' main texts: rensa (tandem's Deduplicator) vs datasketch, both
  MinHash LSH 14 bands x 8 rows on character 5-grams — docs/s and near-duplicate recall;
- the quality filters (Swallow v1 + llm-jp) — docs/s and share of ordinary articles kept.

Scoring is per sentence so that extractors that merge or split paragraphs differently are
judged alike: the extracted text is cut at 。！？ and line ends; a piece counts as correct when
it occurs in the page's true main text (whitespace ignored, both NFKC-normalised), and a page
"has boilerplate" when any piece of 5+ characters is not in it (the title excepted).

Run: .venv/bin/python bench/bench_extract.py [--pages 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.crawl.decode import decode_body
from tandem.crawl.dedup import Deduplicator, DedupSettings
from tandem.crawl.demosite import PageRecord, generate_site
from tandem.crawl.extract import Extractor, ExtractSettings
from tandem.crawl.normalize import normalize_text, text_id
from tandem.crawl.quality import QualityFilter, QualitySettings

REPO = Path(__file__).resolve().parents[1]
_PIECES = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SPACE = re.compile(r"\s+")


@dataclass
class Page:
    record: PageRecord
    url: str
    html: str


@dataclass
class Score:
    name: str
    docs_per_s: float
    precision: float
    recall: float
    boilerplate_pages: float


def load_pages(root: Path, records: list[PageRecord]) -> list[Page]:
    pages = []
    for record in records:
        body = (root / record.path.lstrip("/")).read_bytes()
        content_type = f"text/html; charset={record.encoding}" if record.declaration.startswith("header") else None
        pages.append(Page(record, f"http://demo.test{record.path}", decode_body(body, content_type)[0]))
    return pages


def extractors() -> dict[str, Callable[[], Callable[[Page], str]]]:
    """name -> factory of a fresh extract(page) function (fresh: ours learns per-host state)."""
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text
    from selectolax.lexbor import LexborHTMLParser

    def ours() -> Callable[[Page], str]:
        extractor = Extractor(ExtractSettings())
        return lambda page: extractor.extract(page.html, page.url).text

    def semantic_tags(page: Page) -> str:
        tree = LexborHTMLParser(page.html)
        tree.strip_tags(["script", "style", "nav", "header", "footer", "aside", "noscript"])
        node = tree.css_first("main") or tree.css_first("article") or tree.body
        return node.text(separator="\n") if node is not None else ""

    return {
        "tandem (selectolax + host lines)": ours,
        "trafilatura": lambda: lambda page: trafilatura.extract(page.html, url=page.url,
                                                                include_comments=False) or "",
        "trafilatura fast=True": lambda: lambda page: trafilatura.extract(
            page.html, url=page.url, include_comments=False, fast=True) or "",
        "resiliparse main_content": lambda: lambda page: extract_plain_text(
            page.html, main_content=True, preserve_formatting=True),
        "selectolax semantic tags": lambda: semantic_tags,
    }


def squash(text: str) -> str:
    return _SPACE.sub("", normalize_text(text))


def score(name: str, pages: list[Page], outputs: list[str], seconds: float) -> Score:
    correct = total = found = truth_total = dirty = judged = 0
    for page, output in zip(pages, outputs, strict=True):
        if not page.record.main_text:
            continue
        judged += 1
        truth = squash(page.record.main_text)
        title = squash(page.record.title)
        got = squash(output)
        pieces = [p for p in (squash(x) for x in _PIECES.findall(normalize_text(output))) if p and p not in title]
        wrong = [p for p in pieces if p not in truth]
        correct += sum(len(p) for p in pieces) - sum(len(p) for p in wrong)
        total += sum(len(p) for p in pieces)
        dirty += any(len(p) >= 5 for p in wrong)
        truth_pieces = [squash(x) for x in _PIECES.findall(normalize_text(page.record.main_text))]
        found += sum(len(p) for p in truth_pieces if p and p in got)
        truth_total += sum(len(p) for p in truth_pieces)
    return Score(name, len(pages) / seconds, correct / total if total else 0.0,
                 found / truth_total if truth_total else 0.0, dirty / judged if judged else 0.0)


def bench_extraction(pages: list[Page], repeat: int) -> list[Score]:
    scores = []
    for name, factory in extractors().items():
        best = float("inf")
        outputs: list[str] = []
        for _ in range(repeat):
            extract = factory()
            start = time.perf_counter()
            outputs = [extract(page) for page in pages]
            best = min(best, time.perf_counter() - start)
        scores.append(score(name, pages, outputs, best))
    return scores


def bench_dedup(texts: list[tuple[str, str]]) -> list[tuple[str, float, float, int]]:
    """(name, docs/s, near-duplicate recall, false alarms on ordinary articles) for rensa and datasketch."""
    from datasketch import MinHash, MinHashLSH

    def rensa_run() -> list[bool]:
        dedup = Deduplicator(DedupSettings(bands=14, rows=8))
        return [dedup.check_and_add(text_id(t), t)[1] == "duplicate_near" for _, t in texts]

    def datasketch_run() -> list[bool]:
        lsh = MinHashLSH(num_perm=112, params=(14, 8))
        stored: dict[int, MinHash] = {}
        flags = []
        for index, (_, text) in enumerate(texts):
            signature = MinHash(num_perm=112, seed=42)
            signature.update_batch([text[i : i + 5].encode("utf-8") for i in range(len(text) - 4)])
            hits = [key for key in lsh.query(signature) if signature.jaccard(stored[key]) >= 0.7]
            flags.append(bool(hits))
            if not hits:
                lsh.insert(index, signature)
                stored[index] = signature
        return flags

    results = []
    for name, run in (("rensa (tandem Deduplicator)", rensa_run), ("datasketch", datasketch_run)):
        start = time.perf_counter()
        flags = run()
        seconds = time.perf_counter() - start
        near = [flag for (kind, _), flag in zip(texts, flags, strict=True) if kind == "near_duplicate"]
        false_alarms = sum(flag for (kind, _), flag in zip(texts, flags, strict=True) if kind == "article")
        results.append((name, len(texts) / seconds, sum(near) / len(near) if near else 0.0, false_alarms))
    return results


def bench_quality(texts: list[tuple[str, str]]) -> tuple[float, float]:
    quality = QualityFilter(QualitySettings(), base_dir=REPO)
    start = time.perf_counter()
    verdicts = [quality.check(text)[0] for _, text in texts]
    seconds = time.perf_counter() - start
    articles = [kept for (kind, _), kept in zip(texts, verdicts, strict=True) if kind == "article"]
    return len(texts) / seconds, sum(articles) / len(articles)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per extractor (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_extract_") as folder:
        manifest = generate_site(Path(folder), args.pages, seed=0)
        pages = load_pages(Path(folder), manifest.pages)
    print(f"site: {len(pages)} pages (3 layouts, 4 encodings), {sum(1 for p in pages if p.record.main_text)} "
          f"with ground truth; one process, one core")
    scores = bench_extraction(pages, args.repeat)
    ours = scores[0]
    print(f"\n{'extractor':34} {'docs/s':>8} {'precision':>10} {'recall':>7} {'pages w/ boilerplate':>21} "
          f"{'speed vs ours':>14}")
    for s in scores:
        print(f"{s.name:34} {s.docs_per_s:8.0f} {s.precision:10.3f} {s.recall:7.3f} {s.boilerplate_pages:21.1%} "
              f"{s.docs_per_s / ours.docs_per_s:13.2f}x")
    goals = ours.precision >= 0.97 and ours.boilerplate_pages <= 0.02 and ours.docs_per_s >= 500
    print(f"goal (precision >= 0.97, boilerplate <= 2% of pages, >= 500 docs/s/core): {'met' if goals else 'NOT met'}")

    texts = [(p.record.kind, normalize_text(p.record.main_text)) for p in pages if p.record.main_text]
    print(f"\n{'near-dedup (14 x 8, char 5-grams)':34} {'docs/s':>8} {'near recall':>12} {'false alarms':>13}")
    dedup = bench_dedup(texts)
    for name, rate, recall, false_alarms in dedup:
        print(f"{name:34} {rate:8.0f} {recall:12.3f} {false_alarms:13d}")
    print(f"rensa / datasketch speed: {dedup[0][1] / dedup[1][1]:.1f}x")

    rate, kept = bench_quality(texts)
    print(f"\nquality filters: {rate:.0f} docs/s; ordinary articles kept: {kept:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
