"""The web crawl: asyncio workers that fetch politely and feed pages to the keeper.

`--workers` coroutines share one scheduler. It pulls queued URLs from the frontier into per-host
buffers and hands a worker a URL only when its host is below its concurrency limit and past its
delay (the larger of `min_delay_s` and robots' Crawl-delay, or a 429/503 Retry-After). Page
analysis (text/page_analysis.py: decode, extract, filters) runs inline (`InlineAnalyzer` says
why); links, dedup and the keep decision happen in one place, on the loop, which is what keeps
`--target` exact.

The first time a host comes up, its sitemaps are read in the background (sitemaps.py): those
requests take the host's turn like page fetches (`_host_turn`), and the crawl is not over while
a host's sitemaps are still being read, since they may queue more pages.

With `scheduler: quality` each link is queued with a priority (link_priority.py); when it leaves
the frontier for its host's buffer, the priority is weighed by what the crawl has learnt of the
site section it points into (prefix_yield.py: the share of pages kept there so far, recounted
from the frontier on resume), and the ready host whose best URL is worth most gets the next turn
(host_buffer.py), so a section that keeps nothing gets no request while a better host waits for
its delay. `fifo` keeps the order links were found in.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from tandem.common.script_main import timestamped
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.fetching.fetcher import Fetcher, FetchResult
from tandem.crawl.fetching.host_buffer import HostBuffer, turn_worth, worth_a_request
from tandem.crawl.fetching.link_priority import link_priority, seed_priority, sitemap_priority
from tandem.crawl.fetching.prefix_yield import PrefixYield
from tandem.crawl.fetching.robots import UNREACHABLE, HostRules, RobotsCache
from tandem.crawl.fetching.sitemaps import HostSitemaps, SitemapReader
from tandem.crawl.fetching.urls import InvalidURL, Scope, canonicalize, host_of
from tandem.crawl.storage.frontier import DONE, FAILED, Frontier, FrontierEntry
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.text.page_analysis import PageAnalysis, PageAnalyzer

RETRYABLE = frozenset({"timeout", "network", "truncated"})
BACKOFF = frozenset({"http_429", "http_503"})
_LINK_CACHE_MAX = 200_000
SITEMAP_DEPTH = 1  # pages a sitemap lists are one hop from the host, like links on its home page
# Finished without a page to judge: the redirect's target is judged under its own URL; robots'
# refusals make no request.
UNJUDGED = ("redirected", "robots", UNREACHABLE)


def _log_stderr(line: str) -> None:
    print(timestamped(line), file=sys.stderr, flush=True)


class InlineAnalyzer:
    """Page analysis on the event loop's thread. Measured on this 2-core machine against nginx,
    a helper process (ProcessPoolExecutor, one or two workers) made the crawl slower, 205-340 vs
    390-420 pages/s: pickling each body and its ~70 links both ways cost more CPU per page than
    the second core gave back while other work shared it. This is the async seam where such an
    offload would plug in (it must keep dedup and the keep decision in the crawl's process)."""

    def __init__(self, analyzer: PageAnalyzer) -> None:
        self.analyzer = analyzer

    async def analyse(self, body: bytes, content_type: str | None, url: str) -> PageAnalysis:
        return self.analyzer.analyse_html(body, content_type, url)

    def state_dict(self) -> dict[str, Any]:
        return self.analyzer.state_dict()


@dataclass
class HostState:
    buffered: HostBuffer
    active: int = 0
    next_at: float = 0.0
    delay_s: float = 0.0
    reserved: int = 0  # sitemap reads waiting for a turn: workers leave them the next free slot
    last_turn_at: float | None = None  # when a URL of it last went to a worker (quality: aging)


@dataclass(frozen=True)
class LinkSource:
    """The page links were found on, as link_priority needs it."""

    host: str
    score: float
    priority: float


class WebCrawl:
    def __init__(
        self,
        config: CrawlConfig,
        frontier: Frontier,
        keeper: SampleKeeper,
        analyzer: InlineAnalyzer,
        fetcher: Fetcher,
        robots: RobotsCache,
        scope: Scope,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = _log_stderr,
    ) -> None:
        self.config = config
        self.frontier = frontier
        self.keeper = keeper
        self.stats = keeper.stats
        self.analyzer = analyzer
        self.fetcher = fetcher
        self.robots = robots
        self.scope = scope
        self._clock = clock
        self._hosts: dict[str, HostState] = {}  # every host seen: its delay outlives its buffer
        self._waiting: dict[str, HostState] = {}  # hosts with buffered URLs, the only ones scanned
        self._by_priority = config.scheduler == "quality"
        # Quality only (fifo ignores priorities): rebuilt from the frontier, so a resume knows it.
        self._yields = PrefixYield.from_outcomes(frontier.outcomes(UNJUDGED) if self._by_priority else ())
        concurrency = config.politeness.per_host_concurrency
        if self._by_priority:
            # Held URLs are ranked as of their refill: hold few, so that the frontier's ranking,
            # which sees every link found since, decides most turns.
            self._host_cap, self._max_buffer = max(2, concurrency * 2), max(16, config.workers * 4)
        else:
            self._host_cap, self._max_buffer = max(16, concurrency * 8), max(256, config.workers * 32)
        self._buffered = 0
        self._active = 0
        # Quality: the priorities of the URLs being fetched. Their pages may bring better links
        # than any held now: a turn is not spent on a URL worth under half of one (host_buffer.py).
        self._flying: list[float] = []
        self._frontier_empty = False
        # Set (and replaced) whenever a worker may find work: an event, not a Condition, because
        # a Condition's lock, re-acquired by tasks cancelled at the target, could deadlock them
        # on Python 3.11 (the crawl then never ended after reaching its target).
        self._changed = asyncio.Event()
        self._links: dict[str, tuple[str, str | None]] = {}  # raw link -> (canonical, refusal)
        reader = SitemapReader(config.sitemaps, fetcher.fetch, self._hop_check, self._host_turn,
                               self._add_sitemap_urls)
        self.sitemaps = HostSitemaps(reader, robots.rules_for, frontier, log, self._notify)

    @property
    def buffered(self) -> int:
        return self._buffered

    def add_seeds(self, seeds: list[str]) -> int:
        """Queue the seeds that are in scope (a seed is checked like any link); returns how many."""
        entries = []
        for seed in seeds:
            url, refusal = self._classify(seed)
            if refusal is not None:
                self.stats.refused[refusal] += 1
                continue
            entries.append((url, host_of(url), 0, seed_priority(url)))
        return self.frontier.add(entries)

    async def run(self) -> str:
        """Crawl until the target is reached ("target_reached") or nothing is left ("exhausted")."""
        workers = [asyncio.create_task(self._worker()) for _ in range(self.config.workers)]
        try:
            pending = set(workers)
            # Once the target is reached, fetches still running are abandoned, not awaited.
            while pending and not self.keeper.reached_target:
                done, pending = await asyncio.wait(pending, timeout=0.2, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        finally:
            tasks = [*workers, *self.sitemaps.tasks()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return "target_reached" if self.keeper.reached_target else "exhausted"

    async def _worker(self) -> None:
        while True:
            entry = await self._next_entry()
            if entry is None:
                return
            state = self._hosts[entry.host]
            try:
                await self._crawl_one(entry, state)
            finally:
                state.active -= 1
                self._active -= 1
                if self._by_priority:
                    self._flying.remove(entry.priority)
                self._signal_change()

    async def _next_entry(self) -> FrontierEntry | None:
        """The next URL some host may be asked for now; None when the crawl is over."""
        while not self.keeper.reached_target:
            if self._by_priority and not self._frontier_empty and self._buffered < self._max_buffer:
                self._refill()  # first: the frontier may hold better URLs than any held now
            entry, wait_s = self._take_ready(self._clock())
            if entry is not None:
                return entry
            if not self._frontier_empty and self._buffered < self._max_buffer and self._refill():
                continue
            if self._buffered == 0 and self._active == 0 and self._frontier_empty and not self.sitemaps.reading:
                return None
            await self._wait_for_change(wait_s if wait_s is not None else 1.0)
        return None

    async def _wait_for_change(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout=timeout_s)
        except asyncio.TimeoutError:
            pass

    async def _notify(self) -> None:
        self._signal_change()

    def _signal_change(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _take_ready(self, now: float) -> tuple[FrontierEntry | None, float | None]:
        """A buffered URL whose host is free now (fifo: the first such host; quality: the one
        whose turn is worth most), else how long until one may be."""
        soonest: float | None = None
        limit = self.config.politeness.per_host_concurrency
        chosen: tuple[str, HostState] | None = None
        best = 0.0  # the best ready turn's worth; the best of those waiting for politeness or a fetch
        blocked = max(self._flying, default=0.0)
        for host, state in self._waiting.items():
            if self._by_priority:
                waited = 0.0 if state.last_turn_at is None else now - state.last_turn_at
                worth = turn_worth(state.buffered.best_priority(), waited)
            if state.active + state.reserved >= limit:
                blocked = max(blocked, worth) if self._by_priority else 0.0
                continue
            if state.next_at > now:
                wait = state.next_at - now
                soonest = wait if soonest is None else min(soonest, wait)
                blocked = max(blocked, worth) if self._by_priority else 0.0
                continue
            if not self._by_priority:
                chosen = (host, state)
                break
            if chosen is None or worth > best:
                chosen, best = (host, state), worth
        if chosen is None or (self._by_priority and not worth_a_request(best, blocked)):
            return None, soonest
        host, state = chosen
        entry = state.buffered.pop()
        if not state.buffered:
            del self._waiting[host]
        elif len(state.buffered) == self._host_cap - 1:
            self._frontier_empty = False  # the host is no longer excluded from refills
        self._buffered -= 1
        state.active += 1
        self._active += 1
        state.next_at = now + state.delay_s
        state.last_turn_at = now
        if self._by_priority:
            self._flying.append(entry.priority)
        return entry, None

    def _refill(self) -> bool:
        """Move queued URLs into the host buffers. Hosts already holding `_host_cap` are left out,
        so one slow host cannot fill the buffer while others wait. False when nothing came:
        then no refill is tried until links are added, a URL is requeued or a host frees up."""
        full_hosts = [host for host, s in self._waiting.items() if len(s.buffered) >= self._host_cap]
        if self._by_priority:
            entries = self.frontier.pop(max(self.config.workers, self._max_buffer - self._buffered),
                                        exclude_hosts=full_hosts, per_host=self._host_cap)
        else:
            entries = self.frontier.pop(max(64, self.config.workers * 8), exclude_hosts=full_hosts)
        if not entries:
            self._frontier_empty = True
            return False
        for entry in entries:
            state = self._host_state(entry.host)
            state.buffered.push(self._as_learnt(entry) if self._by_priority else entry)
            if entry.host not in self._waiting and state.last_turn_at is None:
                state.last_turn_at = self._clock()  # waiting from now, for the aging of its turn
            self._waiting[entry.host] = state
        self._buffered += len(entries)
        return True

    def _as_learnt(self, entry: FrontierEntry) -> FrontierEntry:
        """The entry at its priority times its section's yield as learnt by now (prefix_yield.py):
        what the engine ranks turns by, and the worth its page's links inherit."""
        return replace(entry, priority=self._yields.adjusted(entry.url, entry.priority))

    def _host_state(self, host: str) -> HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = HostState(HostBuffer(self._by_priority),
                                                  delay_s=self.config.politeness.min_delay_s)
        return state

    @asynccontextmanager
    async def _host_turn(self, host: str) -> AsyncIterator[None]:
        """A request slot on `host` outside the URL queue (a sitemap file), under the same
        concurrency limit and delay as the host's pages, and ahead of them."""
        state = self._host_state(host)
        limit = self.config.politeness.per_host_concurrency
        state.reserved += 1
        try:
            while True:
                now = self._clock()
                if state.active < limit and state.next_at <= now:
                    break
                await self._wait_for_change(state.next_at - now if state.next_at > now else 1.0)
        finally:
            state.reserved -= 1
        state.active += 1
        self._active += 1
        state.next_at = now + state.delay_s
        try:
            yield
        finally:
            state.active -= 1
            self._active -= 1
            await self._notify()

    def _obey_crawl_delay(self, state: HostState, rules: HostRules) -> None:
        politeness = self.config.politeness
        crawl_delay = rules.crawl_delay(self.robots.user_agent)
        if crawl_delay is not None:
            state.delay_s = max(politeness.min_delay_s, min(crawl_delay, politeness.max_crawl_delay_s))

    async def _crawl_one(self, entry: FrontierEntry, state: HostState) -> None:
        if self.config.sitemaps.enabled:
            self.sitemaps.start(entry.url)
        if self.config.politeness.obey_robots:
            rules = await self.robots.rules_for(entry.url)
            self._obey_crawl_delay(state, rules)
            if not rules.allows(entry.url, self.robots.user_agent):
                self._finish(entry.url_id, FAILED, rules.refusal)
                return
        result = await self.fetcher.fetch(entry.url, self._hop_check)
        if self.keeper.reached_target:
            return  # a page fetched after the target is left in flight, never kept
        if result.status:
            self.stats.count_fetch(result.bytes_read)
        if result.error is not None:
            self._handle_failure(entry, state, result)
            return
        url_id = entry.url_id
        if result.redirects:
            self.frontier.finish(entry.url_id, DONE, "redirected")
            target_id = self.frontier.claim(result.url, host_of(result.url), entry.depth, entry.priority)
            if target_id is None:
                return  # the target is fetched, or was, under its own entry: one page, counted once
            url_id = target_id
        await self._process(result, entry, url_id)

    async def _hop_check(self, url: str) -> str | None:
        refusal = self.scope.refusal(url)
        if refusal is None and self.config.politeness.obey_robots:
            rules = await self.robots.rules_for(url)
            if not rules.allows(url, self.robots.user_agent):
                refusal = rules.refusal
        return refusal

    def _handle_failure(self, entry: FrontierEntry, state: HostState, result: FetchResult) -> None:
        error = result.error or "unknown"
        if error in BACKOFF:
            wait = result.retry_after_s if result.retry_after_s is not None else max(state.delay_s, 5.0)
            state.next_at = max(state.next_at, self._clock() + min(wait, self.config.politeness.retry_after_cap_s))
        if (error in BACKOFF or error in RETRYABLE) and entry.attempts < self.config.fetch.max_retries:
            self.frontier.requeue(entry.url_id, entry.attempts + 1)
            self._frontier_empty = False
            return
        self._finish(entry.url_id, FAILED, error)
        self._yields.record(entry.url, False)

    def _finish(self, url_id: int, state: int, reason: str) -> None:
        self.frontier.finish(url_id, state, reason)
        self.stats.drop(reason)

    async def _process(self, result: FetchResult, entry: FrontierEntry, url_id: int) -> None:
        try:
            page = await self.analyzer.analyse(result.body or b"", result.content_type, result.url)
        except Exception as exc:  # one odd page must not end a crawl of thousands
            print(timestamped(f"analysis failed for {result.url}: {type(exc).__name__}: {exc}", "ERROR"),
                  file=sys.stderr)
            self._finish(url_id, FAILED, "analysis_error")
            self._yields.record(result.url, False)
            return
        if entry.depth < self.config.scope.max_depth:
            # A seed's priority says it comes first, not that its page is good: its links inherit its score only.
            inherited = entry.priority if entry.depth > 0 else 0.0
            self._enqueue_links(page.links, entry.depth + 1,
                                source=LinkSource(host_of(result.url), page.score, inherited))
        else:
            self.stats.refused["depth"] += len(page.links)
        reason = self.keeper.offer(page, result.url, "web", url_id)
        # A kept page stays in flight until its shard is committed; one refused only because
        # the target was reached is left for a later, larger crawl.
        if reason is not None and reason != "target_reached":
            self.frontier.finish(url_id, DONE, reason)
        if reason != "target_reached":
            self._yields.record(result.url, reason is None)

    async def _add_sitemap_urls(self, urls: list[str]) -> int:
        if self.config.scope.max_depth < SITEMAP_DEPTH:
            self.stats.refused["depth"] += len(urls)
            return 0
        added = self._enqueue_links(urls, SITEMAP_DEPTH, cache=False)
        if added:
            await self._notify()
        return added

    def _enqueue_links(self, links: list[str], depth: int, cache: bool = True,
                       source: LinkSource | None = None) -> int:
        """Queue the links that are in scope and new, ranked by the page they were found on
        (`source`; None: a sitemap's); returns how many were queued."""
        fresh = []
        fresh_hosts: set[str] = set()
        max_per_host = self.config.scope.max_pages_per_host
        for link in links:
            known = self._links.get(link) if cache else None
            if known is None:
                known = self._classify(link, cache)
            url, refusal = known
            if refusal is not None:
                self.stats.refused[refusal] += 1
                continue
            if self.frontier.known(url):
                continue
            host = host_of(url)
            if self.frontier.host_count(host) >= max_per_host:
                self.stats.refused["host_limit"] += 1
                continue
            if source is None:
                priority = sitemap_priority(url)
            else:
                new_host = self.frontier.host_count(host) == 0 and host not in fresh_hosts
                priority = link_priority(source.score, source.priority, host == source.host, url, new_host)
                fresh_hosts.add(host)
            fresh.append((url, host, depth, priority))
        added = self.frontier.add(fresh) if fresh else 0
        if added:
            self._frontier_empty = False
            if self._by_priority:
                self._release_beaten(fresh)
        return added

    def _release_beaten(self, fresh: list[tuple[str, str, int, float]]) -> None:
        """Quality: held URLs worse than one just queued go back to the frontier, so the next
        turns go to the best known now, not to what was best at the last refill."""
        best = max(self._yields.adjusted(url, priority) for url, _, _, priority in fresh)
        for host, state in list(self._waiting.items()):
            held = state.buffered.take_below(best)
            for entry in held:
                self.frontier.requeue(entry.url_id, entry.attempts)
            self._buffered -= len(held)
            if not state.buffered:
                del self._waiting[host]

    def _classify(self, link: str, cache: bool = True) -> tuple[str, str | None]:
        if cache and len(self._links) >= _LINK_CACHE_MAX:
            self._links.clear()
        try:
            url = canonicalize(link)
        except InvalidURL:
            result: tuple[str, str | None] = (link, "invalid")
        else:
            result = (url, self.scope.refusal(url))
        if cache:
            self._links[link] = result
        return result
