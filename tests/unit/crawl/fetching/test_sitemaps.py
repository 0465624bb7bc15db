"""The sitemap reader's walk over one host: where it starts, what it follows, where it stops."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from tandem.crawl.crawl_config import SitemapSettings
from tandem.crawl.fetching.fetcher import BodyRefused, BodyRules, FetchResult
from tandem.crawl.fetching.sitemaps import SitemapReader, SitemapReport


def _index(*locs: str) -> bytes:
    return ("<sitemapindex>" + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
            + "</sitemapindex>").encode()


def _urlset(*locs: str) -> bytes:
    return ("<urlset>" + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>").encode()


def _read(files: dict[str, bytes], declared: list[str], settings: SitemapSettings | None = None,
          refuse: Callable[[str], str | None] = lambda url: None) -> tuple[SitemapReport, list[str], list[str]]:
    fetched: list[str] = []
    added: list[str] = []
    turns: list[str] = []

    async def fetch(url: str, hop_check: object, rules: BodyRules, sink: Callable[[bytes], None]) -> FetchResult:
        fetched.append(url)
        if url not in files:
            return FetchResult(url, 404, error="http_404")
        try:
            sink(files[url])
        except BodyRefused as exc:
            return FetchResult(url, 200, error=exc.reason)
        return FetchResult(url, 200)

    async def hop_check(url: str) -> str | None:
        return refuse(url)

    @asynccontextmanager
    async def take_turn(host: str) -> AsyncIterator[None]:
        turns.append(host)
        yield

    async def add_urls(urls: list[str]) -> int:
        added.extend(urls)
        return len(urls)

    reader = SitemapReader(settings or SitemapSettings(), fetch, hop_check, take_turn, add_urls)
    report = asyncio.run(reader.read_host("http://a.jp", declared))
    assert len(turns) == len(fetched)  # every request in the host's turn
    return report, fetched, added


def test_without_declared_sitemaps_the_usual_place_is_tried() -> None:
    report, fetched, added = _read({"http://a.jp/sitemap.xml": _urlset("/p1", "http://a.jp/p2")}, [])
    assert fetched == ["http://a.jp/sitemap.xml"] and added == ["http://a.jp/p1", "http://a.jp/p2"]
    assert (report.files, report.urls, report.queued) == (1, 2, 2)
    report, fetched, _ = _read({}, [], SitemapSettings(guess_default=False))
    assert fetched == [] and report.files == 0


def test_indexes_are_followed_each_file_once_two_levels_deep() -> None:
    files = {
        "http://a.jp/index.xml": _index("/nested.xml", "/s1.xml", "/index.xml"),  # lists itself too
        "http://a.jp/nested.xml": _index("/s2.xml", "/deeper.xml"),
        "http://a.jp/deeper.xml": _index("/s3.xml"),  # an index three levels down is not followed
        "http://a.jp/s1.xml": _urlset("/p1"),
        "http://a.jp/s2.xml": _urlset("/p2"),
    }
    report, fetched, added = _read(files, ["http://a.jp/index.xml", "/index.xml"])
    assert fetched == ["http://a.jp/index.xml", "http://a.jp/nested.xml", "http://a.jp/s1.xml",
                       "http://a.jp/s2.xml", "http://a.jp/deeper.xml"]
    assert added == ["http://a.jp/p1", "http://a.jp/p2"] and report.problems == {"nested_index": 1}


def test_max_files_and_refusals_are_counted() -> None:
    files = {"http://a.jp/index.xml": _index(*[f"/s{n}.xml" for n in range(10)], "http://10.0.0.1/s.xml")}
    files.update({f"http://a.jp/s{n}.xml": _urlset(f"/p{n}") for n in range(10)})
    refuse = lambda url: "private_address" if "10.0.0.1" in url else None  # noqa: E731
    report, fetched, added = _read(files, ["http://a.jp/index.xml"], SitemapSettings(max_files=4), refuse)
    assert len(fetched) == 4 and added == ["http://a.jp/p0", "http://a.jp/p1", "http://a.jp/p2"]
    assert report.problems == {"max_files": 8}
    report, _, _ = _read(files, ["http://a.jp/index.xml"], SitemapSettings(max_files=20), refuse)
    assert report.problems == {"private_address": 1} and report.files == 11
