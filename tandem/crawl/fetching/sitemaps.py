"""A host's sitemaps, read once: the pages they list go to the frontier like links.

Where to look, as Scrapy's SitemapSpider does with a robots.txt: the `Sitemap:` lines of the
host's robots.txt, else `/sitemap.xml` (`guess_default`). An index file lists further sitemaps
(followed two levels deep at most, each file once); gzip files are unpacked as they stream.
Every sitemap file is fetched like a page: its URL and each redirect hop pass the scope,
robots.txt and address checks (`hop_check`), in the host's politeness turn (`take_turn`: the
host's concurrency and delay), with `max_bytes` of unpacked XML and `max_files` per host. The
pages listed go through `add_urls`, which checks them as it checks any link. A sitemap that
fails (404, garbage, too large) is counted in the host's report and the crawl goes on.
`HostSitemaps` runs this once per host in the background, from the first time the crawl meets
the host, and notes in the frontier that it was done.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from urllib.parse import urljoin

from tandem.crawl.crawl_config import SitemapSettings
from tandem.crawl.fetching.fetcher import BodyRefused, BodyRules, BodySink, FetchResult, HopCheck
from tandem.crawl.fetching.robots import HostRules
from tandem.crawl.fetching.sitemap_parser import INDEX, SitemapParser
from tandem.crawl.fetching.urls import InvalidURL, canonicalize, host_of, origin_of
from tandem.crawl.storage.frontier import Frontier

SitemapFetch = Callable[[str, HopCheck, BodyRules, BodySink], Awaitable[FetchResult]]
MAX_INDEX_LEVELS = 2  # robots.txt → index → sitemap, and one nested index more for odd sites
READ_KEY = "sitemaps_read:"  # + origin: the frontier's note that a host's sitemaps were read
# Problems that may pass: a host whose sitemaps met one is read again by a resumed crawl.
PASSING_PROBLEMS = frozenset({"timeout", "network", "truncated", "http_429", "http_503", "robots_unreachable"})


@dataclass
class SitemapReport:
    files: int = 0  # sitemap files read (index files included)
    urls: int = 0  # page URLs listed
    queued: int = 0  # of those, new to the frontier and in scope
    problems: Counter[str] = field(default_factory=Counter)  # files refused or failed, by reason

    def line(self, origin: str) -> str:
        problems = ", ".join(f"{reason} {n}" for reason, n in sorted(self.problems.items()))
        return (f"sitemaps of {origin}: {self.files} files read, {self.urls} URLs listed, {self.queued} new"
                + (f" (not read: {problems})" if problems else ""))

    def saved(self) -> dict[str, object]:
        return {"files": self.files, "urls": self.urls, "queued": self.queued, "problems": dict(self.problems)}


class SitemapReader:
    def __init__(
        self,
        settings: SitemapSettings,
        fetch: SitemapFetch,
        hop_check: HopCheck,
        take_turn: Callable[[str], AbstractAsyncContextManager[None]],
        add_urls: Callable[[list[str]], Awaitable[int]],
    ) -> None:
        self.settings = settings
        self._fetch = fetch
        self._hop_check = hop_check
        self._take_turn = take_turn
        self._add_urls = add_urls
        self._body = BodyRules(None, settings.max_bytes)  # transfer cap; unpacked size capped by the parser

    def starting_points(self, origin: str, declared: Sequence[str]) -> list[str]:
        """The sitemap URLs to read first: those robots.txt declares, else the usual place."""
        if declared:
            return list(declared)
        return [origin + "/sitemap.xml"] if self.settings.guess_default else []

    async def read_host(self, origin: str, declared: Sequence[str]) -> SitemapReport:
        report = SitemapReport()
        queue: deque[tuple[str, int]] = deque()
        seen: set[str] = set()
        self._queue(self.starting_points(origin, declared), origin, 0, queue, seen, report)
        while queue and report.files < self.settings.max_files:
            url, level = queue.popleft()
            read = await self._read_one(url, report)
            if read is None:
                continue
            parser, base = read
            if parser.kind == INDEX:
                if level < MAX_INDEX_LEVELS:
                    self._queue(parser.locs, base, level + 1, queue, seen, report)
                else:
                    report.problems["nested_index"] += 1
            elif parser.locs:
                listed = [urljoin(base, loc) for loc in parser.locs]
                report.urls += len(listed)
                report.queued += await self._add_urls(listed)
        if queue:
            report.problems["max_files"] += len(queue)
        return report

    def _queue(self, locs: Sequence[str], base: str, level: int, queue: deque[tuple[str, int]],
               seen: set[str], report: SitemapReport) -> None:
        for loc in locs:
            try:
                url = canonicalize(urljoin(base, loc))
            except InvalidURL:
                report.problems["invalid"] += 1
                continue
            if url not in seen:
                seen.add(url)
                queue.append((url, level))

    async def _read_one(self, url: str, report: SitemapReport) -> tuple[SitemapParser, str] | None:
        """One sitemap file parsed as it streams in, and its final URL (after redirects); None
        (counted in the report) when nothing usable came."""
        refusal = await self._hop_check(url)
        if refusal is not None:
            report.problems[refusal] += 1
            return None
        parser = SitemapParser(self.settings.max_bytes)

        def sink(chunk: bytes) -> None:
            parser.feed(chunk)
            if parser.done:
                raise BodyRefused(parser.error or "stopped")

        async with self._take_turn(host_of(url)):
            result = await self._fetch(url, self._hop_check, self._body, sink)
        parser.close()
        report.files += 1
        error = parser.error or result.error
        if parser.kind is None or (result.error is not None and not parser.locs):
            report.problems[error or "not_a_sitemap"] += 1
            return None
        if error is not None:
            report.problems[error] += 1  # counted; what was read before it is used
        return parser, result.url


class HostSitemaps:
    """Each host's sitemaps, read in the background once: started when the crawl first meets the
    host, noted in the frontier so that a resumed crawl does not read them again."""

    def __init__(
        self,
        reader: SitemapReader,
        rules_for: Callable[[str], Awaitable[HostRules]],
        frontier: Frontier,
        log: Callable[[str], None],
        finished: Callable[[], Awaitable[None]],
    ) -> None:
        self._reader = reader
        self._rules_for = rules_for
        self._frontier = frontier
        self._log = log
        self._finished = finished  # told when a host's reading ends (the crawl may be over then)
        self._seen: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}  # origin -> its sitemaps being read

    @property
    def reading(self) -> bool:
        return bool(self._tasks)

    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks.values())

    def start(self, url: str) -> None:
        origin = origin_of(url)
        if origin in self._seen:
            return
        self._seen.add(origin)
        if self._frontier.load_meta(READ_KEY + origin) is None:
            self._tasks[origin] = asyncio.ensure_future(self._read(origin))

    async def _read(self, origin: str) -> None:
        try:
            rules = await self._rules_for(origin + "/")
            report = await self._reader.read_host(origin, rules.sitemaps)
            if not PASSING_PROBLEMS.intersection(report.problems):
                self._frontier.save_meta(READ_KEY + origin, report.saved())
            if report.files or report.problems:
                self._log(report.line(origin))
        except Exception as exc:  # the host's sitemaps are lost, not the crawl
            self._log(f"sitemaps of {origin} not read: {type(exc).__name__}: {exc}")
        finally:
            del self._tasks[origin]
            await self._finished()
