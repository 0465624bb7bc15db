"""The scheduler and keep logic of WebCrawl with a fake fetcher and analyzer (no sockets)."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from pathlib import Path

from tandem.contracts.shards import read_records
from tandem.crawl.crawl_config import CrawlConfig, OutputSettings, PolitenessSettings, SitemapSettings
from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.fetching.addresses import AddressPolicy
from tandem.crawl.fetching.engine import WebCrawl
from tandem.crawl.fetching.fetcher import FetchResult
from tandem.crawl.fetching.host_buffer import AGING_PER_S, WORTH_SHARE, turn_worth, worth_a_request
from tandem.crawl.fetching.robots import RobotsCache
from tandem.crawl.fetching.urls import Scope
from tandem.crawl.storage.frontier import DONE, SQLiteFrontier
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter
from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.page_analysis import PageAnalysis


class FakeFetcher:
    """Serves a link graph; records when each request started and how many ran at once per host."""

    def __init__(self, graph: dict[str, list[str]], status: dict[str, list[int]] | None = None,
                 files: dict[str, bytes] | None = None, robots: dict[str, bytes] | None = None,
                 slow: dict[str, float] | None = None) -> None:
        self.graph = graph
        self.status = status or {}
        self.files = files or {}  # sitemap files, streamed to the sink
        self.robots = robots or {}  # robots.txt URL -> body; others disallow /secret only
        self.slow = slow or {}
        self.starts: list[tuple[str, float]] = []
        self.active: dict[str, int] = {}
        self.max_active: dict[str, int] = {}

    async def fetch(self, url: str, hop_check: object, rules: object = None,
                    sink: Callable[[bytes], None] | None = None) -> FetchResult:
        host = url.split("/")[2]
        self.starts.append((url, time.monotonic()))
        self.active[host] = self.active.get(host, 0) + 1
        self.max_active[host] = max(self.max_active.get(host, 0), self.active[host])
        try:
            await asyncio.sleep(self.slow.get(url, 0.01))
            if sink is not None:
                if url not in self.files:
                    return FetchResult(url=url, status=404, error="http_404")
                sink(self.files[url])
                return FetchResult(url=url, status=200)
            codes = self.status.get(url)
            code = codes.pop(0) if codes else (200 if url in self.graph else 404)
            if code != 200:
                retry_after = 0.3 if code == 429 else None
                return FetchResult(url=url, status=code, error=f"http_{code}", retry_after_s=retry_after)
            return FetchResult(url=url, status=200, body=url.encode(), bytes_read=len(url))
        finally:
            self.active[host] -= 1

    async def fetch_robots(self, url: str) -> FetchResult:
        return FetchResult(url, 200, body=self.robots.get(url, b"User-agent: *\nDisallow: /secret\n"))


class FakeAnalyzer:
    def __init__(self, graph: dict[str, list[str]]) -> None:
        self.graph = graph

    async def analyse(self, body: bytes, content_type: str | None, url: str) -> PageAnalysis:
        draw = random.Random(url)  # a different text per page, so no near-duplicates
        text = "".join(draw.choice("あいうえおかきくけこさしすせそたちつてとなにぬねの") for _ in range(300))
        return PageAnalysis(url, text, self.graph.get(url, []), None)

    def state_dict(self) -> dict[str, object]:
        return {}


def _crawl(tmp_path: Path, graph: dict[str, list[str]], target: int, politeness: PolitenessSettings,
           fetcher: FakeFetcher | None = None, workers: int = 8) -> tuple[WebCrawl, FakeFetcher, str]:
    config = CrawlConfig(target=target, workers=workers, politeness=politeness,
                         output=OutputSettings(shard_size=3, flush_interval_s=60))
    fetcher = fetcher or FakeFetcher(graph)
    frontier = SQLiteFrontier(tmp_path / "frontier.sqlite")
    keeper = SampleKeeper(CrawlStats(target=target), Deduplicator(DedupSettings()), ShardWriter(tmp_path / "shards", 3),
                    frontier, 60.0)

    async def main() -> tuple[WebCrawl, str]:
        crawl = WebCrawl(config, frontier, keeper, FakeAnalyzer(graph), fetcher,  # type: ignore[arg-type]
                         RobotsCache(fetcher.fetch_robots, "test"), Scope(["a.jp", "b.jp"], AddressPolicy()))
        crawl.add_seeds(["http://a.jp/", "http://b.jp/"])
        reason = await crawl.run()
        keeper.flush()
        return crawl, reason

    crawl, reason = asyncio.run(main())
    return crawl, fetcher, reason


def _site(pages: int) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for host in ("a.jp", "b.jp"):
        links = [f"http://{host}/p{i}" for i in range(pages)]
        graph[f"http://{host}/"] = [*links, f"http://{host}/secret", "http://elsewhere.jp/", f"http://{host}/missing"]
        for link in links:
            graph[link] = [f"http://{host}/"]
    return graph


def test_exact_target_even_with_many_workers(tmp_path: Path) -> None:
    crawl, _, reason = _crawl(tmp_path, _site(30), target=17, politeness=PolitenessSettings(8, 0.0))
    records = [r for _, r in read_records(tmp_path / "shards")]
    assert reason == "target_reached"
    assert len(records) == 17 == len({r["id"] for r in records})


def assert_spaced(starts: list[float], delay_s: float) -> None:
    """Requests to one host start `delay_s` apart. The fake records a start when its coroutine
    runs, which a loaded machine can hold back for some milliseconds after the engine's
    decision: each gap may look shorter by that, but not the span of all of them, which must
    hold every delay (a scheduler that waited half as long would fall short by many delays)."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= delay_s / 2, gaps
    assert starts[-1] - starts[0] >= (len(starts) - 1) * delay_s - delay_s / 2, gaps


def test_politeness_per_host_concurrency_and_delay(tmp_path: Path) -> None:
    crawl, fetcher, reason = _crawl(tmp_path, _site(6), target=100, politeness=PolitenessSettings(1, 0.05))
    assert reason == "exhausted"
    assert fetcher.max_active == {"a.jp": 1, "b.jp": 1}
    for host in ("a.jp", "b.jp"):
        assert_spaced([t for url, t in fetcher.starts if f"//{host}/" in url], 0.05)
    assert not [url for url, _ in fetcher.starts if "secret" in url or "elsewhere" in url]
    stats = crawl.stats
    assert stats.dropped["robots"] == 2 and stats.dropped["http_404"] == 2
    assert stats.refused["off_domain"] == 2
    assert stats.kept == 14  # 2 home pages + 2 x 6 pages


def test_429_backs_off_the_host_and_retries(tmp_path: Path) -> None:
    graph = _site(3)
    fetcher = FakeFetcher(graph, status={"http://a.jp/p0": [429]})
    crawl, fetcher, reason = _crawl(tmp_path, graph, target=100, politeness=PolitenessSettings(4, 0.0),
                                    fetcher=fetcher)
    attempts = [t for url, t in fetcher.starts if url == "http://a.jp/p0"]
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 0.29
    assert crawl.stats.kept == 8 and reason == "exhausted"


class BrokenAnalyzer(FakeAnalyzer):
    async def analyse(self, body: bytes, content_type: str | None, url: str) -> PageAnalysis:
        if url.endswith("/p1"):
            raise ValueError("unparsable")
        return await super().analyse(body, content_type, url)


def test_a_page_that_breaks_analysis_is_counted_not_fatal(tmp_path: Path, capsys) -> None:
    graph = _site(3)
    config = CrawlConfig(target=100, workers=4, politeness=PolitenessSettings(4, 0.0))
    fetcher = FakeFetcher(graph)
    frontier = SQLiteFrontier(tmp_path / "frontier.sqlite")
    keeper = SampleKeeper(CrawlStats(target=100), Deduplicator(DedupSettings()), ShardWriter(tmp_path / "shards", 3),
                    frontier, 60.0)

    async def main() -> str:
        crawl = WebCrawl(config, frontier, keeper, BrokenAnalyzer(graph), fetcher,  # type: ignore[arg-type]
                         RobotsCache(fetcher.fetch_robots, "test"), Scope([], AddressPolicy()))
        crawl.add_seeds(["http://a.jp/", "http://b.jp/"])
        return await crawl.run()

    assert asyncio.run(main()) == "exhausted"
    assert keeper.stats.dropped["analysis_error"] == 2 and keeper.stats.kept == 6
    assert "analysis failed for http://a.jp/p1: ValueError" in capsys.readouterr().err


def _sitemap(locs: list[str]) -> bytes:
    return ("<urlset>" + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>").encode()


def test_pages_only_a_sitemap_lists_are_crawled_in_the_hosts_turn(tmp_path: Path) -> None:
    """a.jp's home page links nowhere; its sitemap index (named in robots.txt) lists the pages.
    Sitemap requests share the host's one slot and its delay with the pages."""
    pages = [f"http://a.jp/p{i}" for i in range(6)]
    graph: dict[str, list[str]] = {"http://a.jp/": [], **{page: [] for page in pages}}
    files = {
        "http://a.jp/index.xml": b"<sitemapindex><sitemap><loc>/s1.xml</loc></sitemap>"
                                 b"<sitemap><loc>http://a.jp/s2.xml</loc></sitemap></sitemapindex>",
        "http://a.jp/s1.xml": _sitemap([*pages[:3], "http://a.jp/secret/x", "http://elsewhere.jp/"]),
        "http://a.jp/s2.xml": _sitemap(pages[3:]),
    }
    robots = {"http://a.jp/robots.txt": b"User-agent: *\nDisallow: /secret\nSitemap: http://a.jp/index.xml\n"}
    fetcher = FakeFetcher(graph, files=files, robots=robots)
    crawl, fetcher, reason = _crawl(tmp_path, graph, 100, PolitenessSettings(1, 0.03), fetcher=fetcher)
    assert reason == "exhausted" and crawl.stats.kept == 7
    assert crawl.stats.dropped["robots"] == 1 and crawl.stats.refused["off_domain"] == 1
    assert fetcher.max_active["a.jp"] == 1
    times = [t for url, t in fetcher.starts if "//a.jp/" in url]
    assert len(times) == 10
    assert_spaced(times, 0.03)
    assert crawl.frontier.load_meta("sitemaps_read:http://a.jp") == {
        "files": 3, "urls": 8, "queued": 7, "problems": {}}  # 7: the secret page is refused only when fetched


def test_the_crawl_is_not_over_while_a_sitemap_is_being_read(tmp_path: Path) -> None:
    graph: dict[str, list[str]] = {"http://a.jp/": [], "http://a.jp/late": []}
    fetcher = FakeFetcher(graph, files={"http://a.jp/sitemap.xml": _sitemap(["http://a.jp/late"])},
                          slow={"http://a.jp/sitemap.xml": 0.5})
    crawl, fetcher, reason = _crawl(tmp_path, graph, 100, PolitenessSettings(4, 0.0), fetcher=fetcher)
    assert reason == "exhausted" and crawl.stats.kept == 2


class ScoringAnalyzer(FakeAnalyzer):
    """Pages under /good are kept and score 1; those under /fair are dropped scoring 0.6, the
    others are dropped as junk scoring 0."""

    async def analyse(self, body: bytes, content_type: str | None, url: str) -> PageAnalysis:
        page = await super().analyse(body, content_type, url)
        if "/good" in url:
            return PageAnalysis(page.title, page.text, page.links, None, 1.0)
        score = 0.6 if "/fair" in url else 0.0
        return PageAnalysis(page.title, page.text, page.links, "japanese_fraction", score)


def _ranked_crawl(tmp_path: Path, graph: dict[str, list[str]], target: int, scheduler: str, seeds: list[str],
                  politeness: PolitenessSettings | None = None, workers: int = 1,
                  slow: dict[str, float] | None = None) -> tuple[WebCrawl, FakeFetcher]:
    config = CrawlConfig(target=target, workers=workers, scheduler=scheduler,
                         politeness=politeness or PolitenessSettings(1, 0.0), sitemaps=SitemapSettings(enabled=False),
                         output=OutputSettings(shard_size=3, flush_interval_s=60))
    fetcher = FakeFetcher(graph, slow=slow)
    frontier = SQLiteFrontier(tmp_path / f"{scheduler}.sqlite", order=scheduler)
    keeper = SampleKeeper(CrawlStats(target=target), Deduplicator(DedupSettings()),
                          ShardWriter(tmp_path / f"shards-{scheduler}", 3), frontier, 60.0)

    async def main() -> WebCrawl:
        crawl = WebCrawl(config, frontier, keeper, ScoringAnalyzer(graph), fetcher,  # type: ignore[arg-type]
                         RobotsCache(fetcher.fetch_robots, "test"), Scope([], AddressPolicy()))
        crawl.add_seeds(seeds)
        await crawl.run()
        keeper.flush()
        return crawl

    return asyncio.run(main()), fetcher


def _junk_around_a_good_page() -> dict[str, list[str]]:
    """The home page links 5 junk pages, a good one, 5 more junk; each junk page links 3 more junk
    pages; the good page links 5 good pages."""
    home = "http://a.jp/"
    junk = [f"http://a.jp/junk{i}" for i in range(10)]
    graph = {home: [*junk[:5], "http://a.jp/good", *junk[5:]],
             "http://a.jp/good": [f"http://a.jp/good{i}" for i in range(5)]}
    for i, page in enumerate(junk):
        graph[page] = [f"http://a.jp/junk{i}-{j}" for j in range(3)]
        graph.update({f"http://a.jp/junk{i}-{j}": [] for j in range(3)})
    graph.update({f"http://a.jp/good{i}": [] for i in range(5)})
    return graph


def test_quality_fetches_a_good_pages_links_before_the_junk_it_holds(tmp_path: Path) -> None:
    graph = _junk_around_a_good_page()
    crawl, fetcher = _ranked_crawl(tmp_path, graph, 6, "quality", ["http://a.jp/"])
    fetched = [url for url, _ in fetcher.starts]
    # the junk queued before the good page was found waits: the good page's links go first (in
    # an order that may follow what each kept one taught of their section)
    after = fetched[fetched.index("http://a.jp/good") + 1:]
    assert sorted(after) == [f"http://a.jp/good{i}" for i in range(5)]
    assert crawl.stats.kept == 6 and crawl.stats.pages_fetched == 12


def test_fifo_is_unchanged_breadth_first_in_the_order_links_were_found(tmp_path: Path) -> None:
    graph = _junk_around_a_good_page()
    crawl, fetcher = _ranked_crawl(tmp_path, graph, 6, "fifo", ["http://a.jp/"])
    fetched = [url for url, _ in fetcher.starts]
    assert fetched[:12] == ["http://a.jp/", *graph["http://a.jp/"]]
    assert fetched[12:15] == ["http://a.jp/junk0-0", "http://a.jp/junk0-1", "http://a.jp/junk0-2"]
    assert fetched[27:] == [f"http://a.jp/good{i}" for i in range(5)]  # after all the junk found before
    assert crawl.stats.kept == 6 and crawl.stats.pages_fetched == 12 + 15 + 5


def _two_hosts(tmp_path: Path, other: str, target: int) -> tuple[WebCrawl, list[float], list[float], FakeFetcher]:
    """good.jp's pages (score 1) and `other`'s 30 pages, each host asked at most every 0.2 s."""
    graph: dict[str, list[str]] = {"http://good.jp/good": [f"http://good.jp/good{i}" for i in range(6)],
                                   f"http://{other}/": [f"http://{other}/{other[:4]}{i}" for i in range(30)]}
    graph.update({f"http://good.jp/good{i}": [] for i in range(6)})
    graph.update({f"http://{other}/{other[:4]}{i}": [] for i in range(30)})
    crawl, fetcher = _ranked_crawl(tmp_path, graph, target, "quality", ["http://good.jp/good", f"http://{other}/"],
                                   politeness=PolitenessSettings(1, 0.2), workers=4)
    good = [t for url, t in fetcher.starts if "//good.jp/" in url]
    others = [t for url, t in fetcher.starts if f"//{other}/" in url]
    assert_spaced(good, 0.2)  # each host keeps its own delay, as with fifo
    if len(others) > 1:  # junk.jp may get no request beyond its seed
        assert_spaced(others, 0.2)
    assert fetcher.max_active == {"good.jp": 1, other: 1}
    return crawl, good, others, fetcher


def test_quality_gives_a_fair_host_the_turns_a_better_host_cannot_take(tmp_path: Path) -> None:
    """fair.jp's pages rank below good.jp's but above half of them: they are fetched while
    good.jp waits for its delay, not after it."""
    crawl, good, fair, _ = _two_hosts(tmp_path, "fair.jp", 7)
    assert crawl.stats.kept == 7
    assert len([t for t in fair if t < good[-1]]) >= 3


def test_quality_spends_no_request_on_junk_while_a_good_host_waits_for_its_turn(tmp_path: Path) -> None:
    crawl, good, junk, fetcher = _two_hosts(tmp_path, "junk.jp", 7)
    assert crawl.stats.kept == 7
    assert len([t for t in junk if t < good[-1]]) <= 1  # the junk seed, queued first like every seed


def test_quality_spends_no_request_on_junk_while_a_better_page_is_being_fetched(tmp_path: Path) -> None:
    """good.jp's seed is slow to come back; junk.jp's seed brings 30 junk links meanwhile. They
    wait for the good page, whose links may be (and are) better, and for those links' pages."""
    graph: dict[str, list[str]] = {"http://good.jp/good": [f"http://good.jp/good{i}" for i in range(6)],
                                   "http://junk.jp/": [f"http://junk.jp/junk{i}" for i in range(30)]}
    graph.update({f"http://good.jp/good{i}": [] for i in range(6)})
    graph.update({f"http://junk.jp/junk{i}": [] for i in range(30)})
    crawl, fetcher = _ranked_crawl(tmp_path, graph, 7, "quality", ["http://good.jp/good", "http://junk.jp/"],
                                   workers=4, slow={"http://good.jp/good": 0.5})
    fetched = [url for url, _ in fetcher.starts]
    assert crawl.stats.kept == 7
    assert [url for url in fetched if "junk.jp/junk" in url] == []


def test_a_resumed_quality_crawl_ranks_by_what_it_learnt_of_each_section(tmp_path: Path) -> None:
    """junk.jp's ten pages were all dropped before the crawl stopped: of two URLs queued at the same
    priority, the one on a host nothing is known of goes first, though junk.jp's was queued first."""
    frontier = SQLiteFrontier(tmp_path / "quality.sqlite")
    frontier.add([(f"http://junk.jp/p{i}", "junk.jp", 1, 0.5) for i in range(10)])
    for entry in frontier.pop(10):
        frontier.finish(entry.url_id, DONE, "too_short")
    frontier.add([("http://junk.jp/good1", "junk.jp", 1, 0.5), ("http://fair.jp/good1", "fair.jp", 1, 0.5)])
    frontier.close()
    graph: dict[str, list[str]] = {"http://junk.jp/good1": [], "http://fair.jp/good1": []}
    _, fetcher = _ranked_crawl(tmp_path, graph, 1, "quality", [], workers=1)
    assert fetcher.starts[0][0] == "http://fair.jp/good1"


def test_a_host_waiting_long_enough_gets_a_turn_whatever_the_others_hold() -> None:
    best = turn_worth(1.0, 0.0)
    assert not worth_a_request(turn_worth(0.0, 1.0), best)
    assert worth_a_request(turn_worth(0.0, (1 - WORTH_SHARE) / AGING_PER_S), best)
    assert worth_a_request(turn_worth(0.6, 0.0), best)
