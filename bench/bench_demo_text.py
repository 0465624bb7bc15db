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

Run: .venv/bin/python bench/bench_demo_text.py [--pages 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.normalize import normalize_text, text_id
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.demosite.manifest import PageRecord
from tandem.demosite.site import generate_site

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


class DatasketchDedup:
    """The reference: datasketch MinHash LSH with the same shingles, bands, rows and check."""

    def __init__(self, settings: DedupSettings) -> None:
        from datasketch import MinHash, MinHashLSH

        self._minhash = MinHash
        self.settings = settings
        self._lsh = MinHashLSH(num_perm=settings.bands * settings.rows, params=(settings.bands, settings.rows))
        self._stored: dict[int, Any] = {}
        self._ids: set[str] = set()

    def check_and_add(self, doc_id: str, text: str) -> tuple[bool, str]:
        if doc_id in self._ids:
            return False, "duplicate_exact"
        signature = self._signature(text)
        if any(signature.jaccard(self._stored[key]) >= self.settings.threshold for key in self._lsh.query(signature)):
            return False, "duplicate_near"
        self.add(doc_id, text, signature)
        return True, "ok"

    def add(self, doc_id: str, text: str, signature: Any = None) -> None:
        self._ids.add(doc_id)
        key = len(self._stored)
        self._stored[key] = signature if signature is not None else self._signature(text)
        self._lsh.insert(key, self._stored[key])

    def _signature(self, text: str) -> Any:
        n = self.settings.ngram
        signature = self._minhash(num_perm=self.settings.bands * self.settings.rows, seed=self.settings.seed)
        signature.update_batch([s.encode("utf-8") for s in {text[i : i + n] for i in range(len(text) - n + 1)}])
        return signature


DEDUPERS: dict[str, Callable[[DedupSettings], Any]] = {
    "rensa (tandem Deduplicator)": Deduplicator, "datasketch": DatasketchDedup}


def bench_dedup(texts: list[tuple[str, str]]) -> list[tuple[str, float, float, int]]:
    """(name, docs/s, near-duplicate recall, false alarms on ordinary articles) over the site's texts."""
    results = []
    for name, make in DEDUPERS.items():
        dedup = make(DedupSettings())
        start = time.perf_counter()
        flags = [dedup.check_and_add(text_id(t), t)[1] == "duplicate_near" for _, t in texts]
        seconds = time.perf_counter() - start
        near = [flag for (kind, _), flag in zip(texts, flags, strict=True) if kind == "near_duplicate"]
        false_alarms = sum(flag for (kind, _), flag in zip(texts, flags, strict=True) if kind == "article")
        results.append((name, len(texts) / seconds, sum(near) / len(near) if near else 0.0, false_alarms))
    return results


def near_recall_by_similarity(articles: list[str], originals: int = 250) -> dict[str, dict[str, list[bool]]]:
    """Detection of edited copies by their true Jaccard similarity (character 5-grams).

    Each original gets one copy per edit level, with that share of its sentences replaced by
    sentences of another article; each level runs against a fresh index holding the originals.
    """
    rng = random.Random(0)
    buckets: dict[str, dict[str, list[bool]]] = {}
    for share in (0.05, 0.1, 0.2, 0.3, 0.45):
        copies = []
        for index, original in enumerate(articles[:originals]):
            sentences = _PIECES.findall(original)
            donor = _PIECES.findall(articles[originals + index])
            for position in rng.sample(range(len(sentences)), k=max(1, round(share * len(sentences)))):
                sentences[position] = rng.choice(donor)
            copy = "".join(sentences)
            copies.append((copy, _jaccard(original, copy)))
        for name, make in DEDUPERS.items():
            dedup = make(DedupSettings())
            for original in articles[:originals]:
                dedup.add(text_id(original), original)
            for copy, similarity in copies:
                bucket = f"{min(0.9, int(similarity * 10) / 10):.1f}"
                found = dedup.check_and_add(text_id(copy), copy)[1] == "duplicate_near"
                buckets.setdefault(bucket, {}).setdefault(name, []).append(found)
    return buckets


def _jaccard(a: str, b: str) -> float:
    first = {a[i : i + 5] for i in range(len(a) - 4)}
    second = {b[i : i + 5] for i in range(len(b) - 4)}
    return len(first & second) / len(first | second)


def bench_quality(texts: list[tuple[str, str]]) -> tuple[float, float]:
    quality = QualityFilter(QualitySettings(), load_ng_words(None))
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

    articles = [text for kind, text in texts if kind == "article"]
    sweep = near_recall_by_similarity(articles)
    print(f"\nedited copies found, by true Jaccard (threshold {DedupSettings().threshold}): "
          + "  ".join(f"{name}" for name in DEDUPERS))
    for bucket in sorted(sweep):
        found = sweep[bucket]
        cells = "  ".join(f"{sum(v) / len(v):6.2f} (n={len(v)})" for v in found.values())
        print(f"  J {bucket}-{float(bucket) + 0.1:.1f}: {cells}")

    rate, kept = bench_quality(texts)
    print(f"\nquality filters: {rate:.0f} docs/s; ordinary articles kept: {kept:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
