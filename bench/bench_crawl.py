"""Crawl throughput on a generated 2,000-page Japanese site served by nginx, side by side:

1. the server's raw limit: wrk (or, without wrk, a trivial aiohttp client) on one page;
2. tandem's crawler, full pipeline (robots, fetch, decode, extraction, links, quality filters,
   exact + near dedup, SQLite frontier, shards): `scripts/crawl.py` as users run it;
3. a minimal, fairly tuned Scrapy spider with the same decoder and extractor (its own seen-set
   instead of the fingerprint dupefilter, CONCURRENT_ITEMS=4, selectolax links, robots obeyed,
   same concurrency), twice: extraction only (less work than (2): no filters, no dedup, no
   frontier, no shards), and with the same text pipeline as (2) (extraction, quality filters,
   exact + near dedup; still no frontier or shards) — the like-for-like comparison.

Both crawlers start from the home page, fetch every reachable page once and stop when the site
is exhausted; pages/s is fetched pages over each crawler's own elapsed time (interpreter start-up
excluded for both). nginx is started on a free loopback port with a temporary config and
stopped by PID at the end (Debian's nginx-light; `make bench-deps` installs it and wrk).

Run: .venv/bin/python bench/bench_crawl.py [--pages 2000] [--repeat 1] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tandem.demosite.page_layout import LABELS  # noqa: E402
from tandem.demosite.site import generate_site  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_nginx(site: Path, work: Path, header_charsets: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("bench_crawl: nginx not found; run `make bench-deps` (installs nginx-light and wrk)")
    port = free_port()
    # The pages that declare their charset only in the HTTP header need it sent, as the demo
    # server does; nginx adds `charset` to text/html without recoding when no source_charset.
    charsets = "\n".join(f"    location = {path} {{ charset {LABELS[enc]}; }}" for path, enc in header_charsets.items())
    temp_paths = "\n".join(f"  {kind}_temp_path {work / kind};" for kind in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = work / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
daemon off;
pid {work / 'nginx.pid'};
error_log {work / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  include /etc/nginx/mime.types;
  keepalive_requests 100000;
{temp_paths}
  server {{
    listen 127.0.0.1:{port};
    root {site};
    index index.html;
{charsets}
  }}
}}
""", encoding="utf-8")
    process = subprocess.Popen([nginx, "-p", str(work), "-c", str(conf)])
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            if process.poll() is not None:
                sys.exit(f"bench_crawl: nginx exited with {process.returncode}; see {work / 'error.log'}")
            time.sleep(0.05)
    process.kill()
    sys.exit("bench_crawl: nginx did not start listening")


def server_limit(url: str, concurrency: int) -> tuple[float, str]:
    page = url + "articles/0001.html"
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "-t1", f"-c{concurrency}", "-d3s", page], capture_output=True, text=True).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if match:
            return float(match.group(1)), "wrk -t1"
    return asyncio.run(_aiohttp_limit(page, concurrency)), "aiohttp client"


async def _aiohttp_limit(page: str, concurrency: int, seconds: float = 3.0) -> float:
    import aiohttp

    count = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        async def loop() -> None:
            nonlocal count
            while time.monotonic() < deadline:
                async with session.get(page) as response:
                    await response.read()
                count += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return count / seconds


def run_tandem(url: str, work: Path, concurrency: int) -> tuple[float, int]:
    config = work / "crawl.yaml"
    config.write_text(json.dumps({
        "allow_private_networks": True, "output_dir": str(work / "tandem-out"), "target": 1_000_000,
        "workers": concurrency, "progress_interval_s": 60,
        "politeness": {"per_host_concurrency": concurrency, "min_delay_s": 0.0},
    }), encoding="utf-8")
    subprocess.run([sys.executable, str(REPO / "scripts" / "crawl.py"), "--config", str(config),
                    "--seeds", url, "--no-auto-resume"], check=True, stdout=subprocess.DEVNULL)
    stats = json.loads((work / "tandem-out" / "stats.json").read_text(encoding="utf-8"))
    return stats["pages_fetched"] / stats["elapsed_s"], stats["pages_fetched"]


def run_scrapy(url: str, work: Path, concurrency: int, mode: str) -> tuple[float, int]:
    out = work / "scrapy-stats.json"
    subprocess.run([sys.executable, __file__, "--scrapy-worker", url, str(out), mode,
                    "--concurrency", str(concurrency)], check=True)
    stats = json.loads(out.read_text(encoding="utf-8"))
    pages = stats["response_received_count"] - stats.get("robotstxt/response_count", 0)
    return pages / stats["elapsed_time_seconds"], pages


def scrapy_worker(url: str, out: Path, mode: str, concurrency: int) -> None:
    """The tuned Scrapy spider (run in its own process: Twisted's reactor starts once).

    mode "extract": decode + extract; "pipeline": also normalise, quality filters and dedup,
    through the same classes tandem's crawler uses."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from tandem.crawl.ngword_list import load_ng_words
    from tandem.crawl.text.decode import decode_body
    from tandem.crawl.text.dedup import Deduplicator, DedupSettings
    from tandem.crawl.text.extract import Extractor, ExtractSettings
    from tandem.crawl.text.normalize import text_id
    from tandem.crawl.text.page_analysis import PageAnalyzer
    from tandem.crawl.text.quality import QualitySettings

    class BenchSpider(scrapy.Spider):
        name = "bench"

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.start_urls = [url]
            self.host = urlsplit(url).netloc
            self.seen = {url}
            self.extractor = Extractor(ExtractSettings())
            self.analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(), load_ng_words(None))
            self.dedup = Deduplicator(DedupSettings())

        def parse(self, response: scrapy.http.Response):  # type: ignore[no-untyped-def]
            content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
            if mode == "extract":
                html, _ = decode_body(response.body, content_type)
                page = self.extractor.extract(html, response.url)
                links = page.links
                yield {"url": response.url, "title": page.title, "text": page.text}
            else:
                analysis = self.analyzer.analyse_html(response.body, content_type, response.url)
                links = analysis.links
                if analysis.drop_reason is None:
                    doc_id = text_id(analysis.text)
                    if self.dedup.check_and_add(doc_id, analysis.text)[0]:
                        yield {"id": doc_id, "url": response.url, "title": analysis.title, "text": analysis.text}
            for link in links:
                link = urldefrag(link)[0]
                if link in self.seen or urlsplit(link).netloc != self.host:
                    continue
                self.seen.add(link)
                yield scrapy.Request(link, callback=self.parse, dont_filter=True)

    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0, "CONCURRENT_ITEMS": 4, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter", "LOG_LEVEL": "WARNING",
    })
    crawler = process.create_crawler(BenchSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float))}
    out.write_text(json.dumps(stats), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each crawler; the median is printed")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--scrapy-worker", nargs=3, metavar=("URL", "OUT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scrapy_worker:
        scrapy_worker(args.scrapy_worker[0], Path(args.scrapy_worker[1]), args.scrapy_worker[2], args.concurrency)
        return
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as temp:
        work = Path(temp)
        os.chmod(work, 0o755)  # nginx's worker runs as an unprivileged user
        site = work / "site"
        manifest = generate_site(site, args.pages, seed=0)
        nginx, url = start_nginx(site, work, manifest.header_charsets())
        try:
            limit, how = server_limit(url, args.concurrency)
            tandem, scrapy_extract, scrapy_pipeline = [], [], []
            for _ in range(args.repeat):  # interleaved, so load from elsewhere hits all alike
                tandem.append(run_tandem(url, work, args.concurrency))
                scrapy_extract.append(run_scrapy(url, work, args.concurrency, "extract"))
                scrapy_pipeline.append(run_scrapy(url, work, args.concurrency, "pipeline"))
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    tandem_rate = statistics.median(rate for rate, _ in tandem)
    extract_rate = statistics.median(rate for rate, _ in scrapy_extract)
    pipeline_rate = statistics.median(rate for rate, _ in scrapy_pipeline)
    print(f"crawl benchmark: {args.pages}-page Japanese site on nginx at 127.0.0.1, concurrency "
          f"{args.concurrency}, median of {args.repeat}")
    rows = [
        (f"server limit ({how}, one page)", limit, None),
        ("tandem crawler, full pipeline", tandem_rate, tandem[0][1]),
        ("Scrapy tuned, same extractor only", extract_rate, scrapy_extract[0][1]),
        ("Scrapy tuned, same extractor + filters + dedup", pipeline_rate, scrapy_pipeline[0][1]),
    ]
    for name, rate, pages in rows:
        print(f"  {name:<50} {rate:>9.1f} pages/s" + (f"  ({pages} pages)" if pages else ""))
    print(f"  ratio tandem / Scrapy with the same text pipeline: {tandem_rate / pipeline_rate:.2f}x (goal >= 1.3x)")
    print(f"  ratio tandem / Scrapy with extraction only:        {tandem_rate / extract_rate:.2f}x")
    print(f"  tandem full pipeline: {tandem_rate:.0f} pages/s (goal >= 300)")
    print(f"  tandem as a fraction of the server limit: {tandem_rate / limit:.4f}")

if __name__ == "__main__":
    main()
