"""What a resumed web crawl must fetch again: URLs that were in flight at a kill -9, and pages
fetched but refused once the target was reached. Each site here has exactly as many keepable
pages as the final target, so a single URL the resume forgets makes the count fall short."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.processes import wait_for

from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.normalize import text_id
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.crawl.text.quality import QualitySettings


@dataclass
class ArticleSite:
    url: str
    paths: list[str]  # the keepable article pages, all linked from the index
    requested: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # lets /hang.html answer


def _keepable_articles(root: Path, manifest, count: int) -> list[bytes]:
    """`count` article pages that pass the filters and are no near-duplicates of each other."""
    analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(), [])
    dedup = Deduplicator(DedupSettings())
    chosen = []
    for page in manifest.pages:
        if page.kind != "article":
            continue
        body = (root / page.path.lstrip("/")).read_bytes()
        content_type = f"text/html; charset={page.encoding}" if page.declaration.startswith("header") else None
        analysis = analyzer.analyse_html(body, content_type, "http://other.test" + page.path)
        if analysis.drop_reason is None and dedup.check_and_add(text_id(analysis.text), analysis.text)[0]:
            chosen.append(body.decode(_codec(page.encoding)).encode("utf-8"))
        if len(chosen) == count:
            return chosen
    raise AssertionError("the demo site has too few keepable articles")


def _codec(label: str) -> str:
    return {"shift_jis": "cp932"}.get(label.lower(), label)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A crawler killed mid-request resets its connections: expected here."""


def _serve(pages: dict[str, bytes], together: int = 0) -> Iterator[ArticleSite]:
    """`together`: the first that many article requests are answered at the same moment, so the
    crawler analyses them one right after the other."""
    links = "".join(f'<li><a href="{path}">記事</a></li>' for path in pages)
    index = f"<html><head><title>目次</title></head><body><ul>{links}</ul></body></html>".encode()
    site = ArticleSite("", list(pages))
    barrier = threading.Barrier(together) if together else None
    burst_done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            site.requested.append(self.path)
            if self.path == "/index.html":
                return self._send(200, index)
            if self.path not in pages:
                return self._send(404, b"gone")
            if self.path == "/hang.html":
                site.release.wait(timeout=60)
            if barrier is not None and not burst_done.is_set():
                try:
                    barrier.wait(timeout=10)
                except threading.BrokenBarrierError:
                    pass
                burst_done.set()  # once only: later requests are answered at once
            return self._send(200, pages[self.path])

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    try:
        yield site
    finally:
        site.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def hanging_site(demo_site) -> Iterator[ArticleSite]:
    """Six articles, and a seventh at /hang.html that answers only once `release` is set."""
    root, manifest = demo_site
    articles = _keepable_articles(root, manifest, 7)
    pages = {f"/a{i}.html": body for i, body in enumerate(articles[:6])}
    pages["/hang.html"] = articles[6]
    yield from _serve(pages)


@pytest.fixture
def burst_site(demo_site) -> Iterator[ArticleSite]:
    """Eight articles; the first four requested are answered together."""
    root, manifest = demo_site
    yield from _serve({f"/a{i}.html": body for i, body in enumerate(_keepable_articles(root, manifest, 8))},
                      together=4)


def _url_state(frontier: Path, url: str) -> int | None:
    with sqlite3.connect(f"file:{frontier}?mode=ro", uri=True) as db:
        row = db.execute("SELECT state FROM urls WHERE url = ?", (url,)).fetchone()
    return None if row is None else int(row[0])


def test_urls_in_flight_at_kill_9_are_fetched_by_the_resume(hanging_site, write_config, start_crawl, run_crawl,
                                                            shards, tmp_path) -> None:
    config = write_config(target=7, fetch={"total_timeout_s": 60, "read_timeout_s": 60},
                          output={"shard_size": 1, "flush_interval_s": 0.2})
    out = tmp_path / "out"
    hang_url = hanging_site.url.replace("/index.html", "/hang.html")
    crawl = start_crawl(config, "--seeds", hanging_site.url)
    wait_for(lambda: len(shards(out)) == 6, timeout=60, what="the six answering pages kept")
    # The frontier commits once a second: wait until its file says /hang.html is in flight.
    wait_for(lambda: _url_state(out / "frontier.sqlite", hang_url) == 1, timeout=20, what="/hang.html in flight")
    crawl.kill()
    crawl.wait(timeout=10)
    hanging_site.release.set()

    resumed = run_crawl(config, "--seeds", hanging_site.url)
    assert resumed.returncode == 0, resumed.stderr
    assert "URLs back in the queue" in resumed.stdout
    records = shards(out)
    assert len(records) == len({r["id"] for r in records}) == 7
    assert hang_url in {r["url"] for r in records}


def test_pages_refused_at_the_target_are_fetched_by_a_larger_target(burst_site, write_config, run_crawl, shards,
                                                                    tmp_path) -> None:
    config = write_config(target=2, workers=4, politeness={"per_host_concurrency": 4})
    first = run_crawl(config, "--seeds", burst_site.url)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    assert len(shards(out)) == 2
    # Four pages were answered together: two were kept, the others came too late.
    answered = {path for path in burst_site.requested if path.startswith("/a")}
    assert len(answered) >= 4, "no page was refused at the target: the test would prove nothing"

    larger = run_crawl(config, "--seeds", burst_site.url, "--target", "8")
    assert larger.returncode == 0, larger.stderr
    records = shards(out)
    assert len(records) == len({r["id"] for r in records}) == 8
    assert {r["url"].rsplit("/", 1)[-1] for r in records} == {p.lstrip("/") for p in burst_site.paths}
