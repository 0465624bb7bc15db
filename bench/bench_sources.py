"""File sources on real pages: the Japanese pre-filter, WARC readers, tandem against datatrove,
and worker processes — all measured side by side in one run on Debian's documentation packages
(bench/real_pages.py fetches them with apt-get download; nothing is generated).

1. Pre-filter accuracy, on every page of the packages (Japanese and not): the share of
   non-Japanese pages it refuses; the share of Japanese-language pages (>= 20 hiragana in the
   page's whole visible text, by resiliparse) it wrongly refuses, per encoding/declaration
   variant; and the pages tandem's full pipeline keeps without it that it refuses.
2. Readers: FastWARC against warcio over the same WARC and WET files (records/s, payloads read).
3. A mixed WARC (all non-Japanese pages, plus Japanese pages to make `--japanese-share`; Common
   Crawl has ~5% Japanese): `scripts/crawl.py --no-web-crawl` with and without the pre-filter,
   one process; pages/s from the crawl's own stats (interpreter start-up excluded).
4. On the same WARC, in this process, one core each: datatrove's WarcReader + Trafilatura
   extractor (its defaults, timeout 5 s) against tandem's reader + pre-filter + decoding +
   extraction (+ quality filters); pages per second and per CPU second (datatrove extracts in a
   sandbox subprocess: its CPU time is counted), and recall on the WARC's Japanese pages: the share
   of their Japanese sentences (from the page's whole visible text) found in the extracted text.
5. Workers: the mixed WARC in four parts, `workers: 1` and `workers: 2`; efficiency = rate with 2
   / (2 x rate with 1), which is only as good as the machine is idle (the load average is
   printed), and the CPU time a page costs with 2 workers against 1 (what the second process and
   the messages cost), which bounds the efficiency on idle cores.

Run: .venv/bin/python bench/bench_sources.py [--japanese-share 0.1] [--pages 2000] [--repeat 3] [--sections 1 2 3 4 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_pages import RealPage, load_pages, write_warc, write_wet  # noqa: E402

from tandem.crawl.text.decode import decode_body  # noqa: E402
from tandem.crawl.text.extract import Extractor, ExtractSettings  # noqa: E402
from tandem.crawl.text.normalize import normalize_text  # noqa: E402
from tandem.crawl.text.page_analysis import PageAnalyzer  # noqa: E402
from tandem.crawl.text.prefilter import PrefilterSettings, prefilter_bytes  # noqa: E402
from tandem.crawl.text.quality import QualityFilter, QualitySettings  # noqa: E402

_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_PIECES = re.compile(r"[^。！？!?\n]+")
_SPACE = re.compile(r"\s+")


def visible_text(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return str(extract_plain_text(html, main_content=False))


def is_japanese_page(page: RealPage) -> bool:
    return page.language == "ja" and len(_HIRAGANA.findall(visible_text(page.html))) >= 20


def squash(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def reference_sentences(page: RealPage) -> list[str]:
    pieces = (squash(p) for p in _PIECES.findall(visible_text(page.html)))
    return [p for p in pieces if len(p) >= 10 and len(_KANA.findall(p)) >= 3]


def best_of(repeat: int, run: Callable[[], float]) -> float:
    return max(run() for _ in range(repeat))


# 1. pre-filter accuracy --------------------------------------------------------------------------

def prefilter_accuracy(pages: list[RealPage]) -> None:
    settings = PrefilterSettings()
    analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(), [])
    started = time.perf_counter()
    verdicts = [prefilter_bytes(p.body, settings, p.content_type)[0] for p in pages]
    cost_us = (time.perf_counter() - started) / len(pages) * 1e6
    refused_by_language: Counter[str] = Counter()
    total_by_language: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    japanese: Counter[str] = Counter()
    kept_by_pipeline = refused_but_kept = 0
    for page, passed in zip(pages, verdicts, strict=True):
        if page.language != "ja":
            total_by_language[page.language] += 1
            refused_by_language[page.language] += not passed
        elif is_japanese_page(page):
            japanese[page.variant] += 1
            wrong[page.variant] += not passed
        kept = analyzer.analyse_html(page.body, page.content_type, page.url).drop_reason is None
        kept_by_pipeline += kept
        refused_but_kept += kept and not passed
    others = sum(total_by_language.values())
    print(f"1. pre-filter on {len(pages)} real pages ({cost_us:.0f} us a page on average)")
    print(f"   non-Japanese pages refused: {sum(refused_by_language.values())}/{others} = "
          f"{sum(refused_by_language.values()) / others:.2%}  ("
          + ", ".join(f"{lang} {refused_by_language[lang] / n:.1%}" for lang, n in sorted(total_by_language.items()))
          + ")")
    all_japanese = sum(japanese.values())
    print(f"   Japanese-language pages wrongly refused: {sum(wrong.values())}/{all_japanese} = "
          f"{sum(wrong.values()) / all_japanese:.2%}  (goal < 0.5%; by variant: "
          + ", ".join(f"{v} {wrong[v]}/{n}" for v, n in sorted(japanese.items())) + ")")
    print(f"   pages the full pipeline keeps without it, refused by it: {refused_but_kept}/{kept_by_pipeline}")


# 2. readers ---------------------------------------------------------------------------------------

def read_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response | WarcRecordType.conversion):
            record.reader.read()
            count += 1
    return count


def read_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type in ("response", "conversion"):
                record.content_stream().read()
                count += 1
    return count


def readers(warc: Path, wet: Path, repeat: int) -> None:
    print("2. WARC readers (records/s, payload read; best of", repeat, "runs)")
    for path in (warc, wet):
        rates = {}
        for name, read in (("FastWARC", read_fastwarc), ("warcio", read_warcio)):
            def run(read: Callable[[Path], int] = read, path: Path = path) -> float:
                started = time.perf_counter()
                count = read(path)
                return count / (time.perf_counter() - started)
            rates[name] = best_of(repeat, run)
        print(f"   {path.name:<22} FastWARC {rates['FastWARC']:>8.0f}   warcio {rates['warcio']:>8.0f}   "
              f"ratio {rates['FastWARC'] / rates['warcio']:.1f}x")


# 3. the crawl with and without the pre-filter ---------------------------------------------------

def crawl_rate(source: Path, work: Path, workers: int, prefilter: bool) -> tuple[float, dict[str, Any], float]:
    """(pages/s of the crawl's own elapsed time, its stats, CPU seconds of the crawl and its
    workers, interpreter start-up included)."""
    out = Path(tempfile.mkdtemp(dir=work))
    config = out / "crawl.yaml"
    config.write_text(json.dumps({"output_dir": str(out / "out"), "sources": [str(source)], "target": 10_000_000,
                                  "workers": workers, "progress_interval_s": 600,
                                  "prefilter": {"enabled": prefilter}}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, str(REPO / "scripts" / "crawl.py"), "--config", str(config), "--no-web-crawl"],
                   check=True, capture_output=True, env=env, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    stats = json.loads((out / "out" / "stats.json").read_text(encoding="utf-8"))
    return stats["pages_fetched"] / max(stats["elapsed_s"], 0.1), stats, cpu


def startup_cpu(work: Path) -> float:
    """CPU seconds of a crawl that reads one page: the interpreter and imports, to subtract."""
    from real_pages import RealPage as Page

    one = work / "one.warc.gz"
    if not one.exists():
        write_warc(one, [Page("x", "en", "x.html", b"<p>x</p>", "text/html", "utf8", "<p>x</p>")])
    return min(crawl_rate(one, work, 1, True)[2] for _ in range(3))


def crawl_with_and_without(warc: Path, work: Path, repeat: int, start_cpu: float) -> None:
    runs: dict[bool, list[tuple[float, dict[str, Any], float]]] = {True: [], False: []}
    for _ in range(repeat):  # alternated, so that both see the machine alike
        for prefilter in (True, False):
            runs[prefilter].append(crawl_rate(warc, work, 1, prefilter))
    pages = runs[True][0][1]["pages_fetched"]
    rate = {p: max(r for r, _, _ in runs[p]) for p in runs}
    per_cpu = {p: max(pages / max(cpu - start_cpu, 1e-3) for _, _, cpu in runs[p]) for p in runs}
    print(f"3. scripts/crawl.py --no-web-crawl on the mixed WARC ({pages} pages), one process, best of {repeat} "
          f"(CPU: start-up of {start_cpu:.1f} s taken off)")
    for prefilter, label in ((True, "with the pre-filter:   "), (False, "without the pre-filter:")):
        print(f"   {label} {rate[prefilter]:>7.0f} pages/s, {per_cpu[prefilter]:>6.0f} pages per CPU second, "
              f"{runs[prefilter][0][1]['kept']} kept")
    print(f"   speed-up {rate[True] / rate[False]:.2f}x wall clock, "
          f"{per_cpu[True] / per_cpu[False]:.2f}x per CPU second")


# 4. tandem against datatrove on one core ------------------------------------------------------------

def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def datatrove_texts(folder: Path, name: str) -> Iterator[tuple[str, str]]:
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader

    reader = WarcReader(str(folder), glob_pattern=name)
    for doc in Trafilatura(timeout=5)(reader()):
        yield doc.metadata["url"], doc.text


def tandem_texts(path: Path, quality: bool, prefilter: bool = True) -> Iterator[tuple[str, str]]:
    from tandem.crawl.sources.warc import warc_documents

    settings = PrefilterSettings(enabled=prefilter)
    extractor = Extractor(ExtractSettings())
    checker = QualityFilter(QualitySettings(), [])
    with path.open("rb") as stream:
        for doc, _ in warc_documents(stream, path.as_uri(), None):
            assert doc.html is not None
            if not prefilter_bytes(doc.html, settings, doc.content_type, doc.languages)[0]:
                continue
            html, _ = decode_body(doc.html, doc.content_type)
            text = normalize_text(extractor.extract(html, doc.url).text)
            if quality and not checker.check(text)[0]:
                continue
            yield doc.url, text


def measure(records: int, run: Callable[[], Iterator[tuple[str, str]]]) -> tuple[float, float, dict[str, str]]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    texts = dict(run())
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return records / wall, records / cpu, texts


def recall(texts: dict[str, str], japanese: list[RealPage]) -> tuple[float, float]:
    found = total = pages_found = 0
    for page in japanese:
        reference = reference_sentences(page)
        output = squash(texts.get(page.url, ""))
        hits = sum(1 for sentence in reference if sentence in output)
        found, total, pages_found = found + hits, total + len(reference), pages_found + (hits > 0)
    return found / max(total, 1), pages_found / max(len(japanese), 1)


def against_datatrove(warc: Path, pages: list[RealPage], repeat: int) -> None:
    japanese = [p for p in pages if is_japanese_page(p)]
    runs: dict[str, Callable[[], Iterator[tuple[str, str]]]] = {
        "datatrove WarcReader + Trafilatura": lambda: datatrove_texts(warc.parent, warc.name),
        "tandem read + decode + extract, no pre-filter": lambda: tandem_texts(warc, False, prefilter=False),
        "tandem read + pre-filter + decode + extract": lambda: tandem_texts(warc, quality=False),
        "tandem ... + quality filters": lambda: tandem_texts(warc, quality=True),
    }
    print(f"4. one core, in this process, on the mixed WARC ({len(pages)} pages, {len(japanese)} Japanese); "
          f"best of {repeat} (datatrove: one run, it takes minutes)")
    results = {}
    for name, run in runs.items():
        measured = [measure(len(pages), run) for _ in range(1 if name.startswith("datatrove") else repeat)]
        wall, per_cpu = max(m[0] for m in measured), max(m[1] for m in measured)
        sentence_recall, page_recall = recall(measured[0][2], japanese)
        results[name] = (wall, per_cpu, sentence_recall)
        print(f"   {name:<45} {wall:>7.0f} pages/s  {per_cpu:>7.0f} pages/CPU-s   Japanese sentence recall "
              f"{sentence_recall:.3f}, pages with text {page_recall:.3f}")
    base = results["datatrove WarcReader + Trafilatura"]
    for name in ("tandem read + pre-filter + decode + extract", "tandem read + decode + extract, no pre-filter"):
        ours = results[name]
        print(f"   {name} / datatrove: {ours[0] / base[0]:.1f}x pages/s, {ours[1] / base[1]:.1f}x pages per CPU "
              f"second (goal >= 3x), recall {ours[2]:.3f} vs {base[2]:.3f}")


# 5. worker processes ------------------------------------------------------------------------------

def _busy(n: int = 10_000_000) -> None:
    total = 0
    for i in range(n):
        total += i


def machine_speedup() -> float:
    """What two independent CPU-bound processes get here now against one: the best any two
    workers can do on this machine at this moment (other jobs share its cores)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")

    def timed(count: int) -> float:
        started = time.perf_counter()
        processes = [context.Process(target=_busy) for _ in range(count)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        return time.perf_counter() - started

    return 2 * timed(1) / timed(2)


def workers_scaling(parts: Path, work: Path, repeat: int, start_cpu: float) -> None:
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    machine = []
    for _ in range(repeat):  # alternated with the machine's own two-process speed-up
        machine.append(machine_speedup())
        for workers in (1, 2):
            rate, stats, cpu = crawl_rate(parts, work, workers, True)
            runs[workers].append((rate, stats["pages_fetched"] / max(cpu - start_cpu, 1e-3)))
    rate = {n: max(r for r, _ in runs[n]) for n in runs}
    per_cpu = {n: max(c for _, c in runs[n]) for n in runs}
    print(f"5. workers on the mixed WARC in 4 parts, pre-filter on, best of {repeat} "
          f"({len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f} now)")
    print(f"   workers 1: {rate[1]:.0f} pages/s, {per_cpu[1]:.0f} pages per CPU second   "
          f"workers 2: {rate[2]:.0f} pages/s, {per_cpu[2]:.0f} pages per CPU second")
    print(f"   wall-clock speed-up {rate[2] / rate[1]:.2f}x, efficiency {rate[2] / (2 * rate[1]):.0%}; two independent "
          f"busy processes got {min(machine):.2f}-{max(machine):.2f}x of one in the same minutes (2.00x on idle cores)")
    print(f"   CPU per page with 2 workers / with 1: {per_cpu[1] / per_cpu[2]:.2f}, so the efficiency on idle cores is "
          f"at most {per_cpu[2] / per_cpu[1]:.0%}")


def mixed(pages: list[RealPage], share: float, size: int, seed: int = 7) -> list[RealPage]:
    """`size` pages drawn at random, `share` of them from the Japanese packages."""
    draw = random.Random(seed)
    others = [p for p in pages if p.language != "ja"]
    japanese = [p for p in pages if p.language == "ja"]
    wanted = min(round(size * share), len(japanese))
    chosen = draw.sample(others, min(size - wanted, len(others))) + draw.sample(japanese, wanted)
    draw.shuffle(chosen)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--japanese-share", type=float, default=0.1, help="share of Japanese pages in the mix")
    parser.add_argument("--pages", type=int, default=2000, help="pages in the mixed WARC (all: 7270)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best is reported")
    parser.add_argument("--sections", type=int, nargs="+", default=[1, 2, 3, 4, 5], choices=range(1, 6),
                        help="which of the five parts to run (default: all)")
    args = parser.parse_args()
    pages = load_pages()
    print(f"source benchmark: {len(pages)} real pages from Debian documentation packages "
          f"({sum(p.language == 'ja' for p in pages)} from Japanese ones)")
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as temp:
        work = Path(temp)
        mix = mixed(pages, args.japanese_share, args.pages)
        warc, wet, parts = work / "mixed.warc.gz", work / "mixed.warc.wet.gz", work / "parts"
        write_warc(warc, mix)
        write_wet(wet, mix)
        parts.mkdir()
        quarter = len(mix) // 4 + 1
        for n in range(4):
            write_warc(parts / f"part-{n}.warc.gz", mix[n * quarter : (n + 1) * quarter])
        print(f"mixed WARC: {len(mix)} pages, {sum(p.language == 'ja' for p in mix) / len(mix):.0%} from Japanese "
              f"packages, {warc.stat().st_size / 1e6:.1f} MB")
        start_cpu = startup_cpu(work)
        sections = {
            1: lambda: prefilter_accuracy(pages),
            2: lambda: readers(warc, wet, args.repeat),
            3: lambda: crawl_with_and_without(warc, work, args.repeat, start_cpu),
            4: lambda: against_datatrove(warc, mix, args.repeat),
            5: lambda: workers_scaling(parts, work, args.repeat, start_cpu),
        }
        for number in sorted(set(args.sections)):
            sections[number]()


if __name__ == "__main__":
    main()
