"""The web crawl's runner: pages fetched by the asyncio engine, analysed inline, offered to the keeper.

On resume, the failures that say more about the moment than the URL are tried again; the
extractor's learned state (lines repeated on a host) is committed with the keeper's progress.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import CrawlPlan
from tandem.crawl.crawl_runner import Say, StopRequest, Tick
from tandem.crawl.fetching.connections import make_session
from tandem.crawl.fetching.engine import InlineAnalyzer, WebCrawl
from tandem.crawl.fetching.fetcher import ROBOTS_BODY, Fetcher, FetchResult
from tandem.crawl.fetching.robots import RobotsCache
from tandem.crawl.storage.frontier import Frontier, SQLiteFrontier
from tandem.crawl.storage.sample_keeper import EXTRACTOR_KEY, SampleKeeper
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_analysis import PageAnalyzer

# Failures that say more about the moment than the URL: a resumed web crawl tries them again.
TRANSIENT_FAILURES = ("timeout", "network", "robots_unreachable", "http_429", "http_503")


class WebRunner:
    def __init__(self, config: CrawlConfig, plan: CrawlPlan, frontier: SQLiteFrontier,
                 extractor_state: dict[str, Any] | None, filter_stats: FilterStats) -> None:
        self.config = config
        self.plan = plan
        self.frontier = frontier
        # Page scores order the queue only under the quality scheduler.
        self.analyzer = InlineAnalyzer(PageAnalyzer(config.extract, config.quality, plan.ng_words, extractor_state,
                                                    filter_stats, score_pages=config.scheduler == "quality"))

    def save_progress(self, frontier: Frontier) -> None:
        frontier.save_meta(EXTRACTOR_KEY, self.analyzer.state_dict())

    def requeue(self, frontier: Frontier) -> int:
        return frontier.retry_failed(TRANSIENT_FAILURES)

    def run(self, keeper: SampleKeeper, stop: StopRequest, tick: Tick, say: Say) -> str:
        return asyncio.run(self._run(keeper, stop, tick, say))

    async def _run(self, keeper: SampleKeeper, stop: StopRequest, tick: Tick, say: Say) -> str:
        config, scope, addresses = self.config, self.plan.scope, self.plan.addresses
        assert scope is not None and addresses is not None  # a web plan has both
        async with make_session(config.fetch, config.workers, config.politeness.per_host_concurrency,
                                addresses) as session:
            fetcher = Fetcher(session, config.fetch)

            async def robots_hop(url: str) -> str | None:
                return scope.address_refusal(url)

            async def fetch_robots(url: str) -> FetchResult:
                return await fetcher.fetch(url, robots_hop, ROBOTS_BODY)

            robots = RobotsCache(fetch_robots, config.fetch.user_agent)
            crawl = WebCrawl(config, self.frontier, keeper, self.analyzer, fetcher, robots, scope, log=say)
            crawl.add_seeds(config.seeds)  # plan_crawl made sure that one at least is in scope
            loop = asyncio.get_running_loop()
            crawl_task = asyncio.ensure_future(crawl.run())

            def cancel_crawl() -> None:  # runs in the signal handler: hand the cancel to the loop
                loop.call_soon_threadsafe(crawl_task.cancel)

            stop.callbacks.append(cancel_crawl)
            if stop.signum is not None:  # the signal came while setting up
                crawl_task.cancel()
            ticker = asyncio.ensure_future(_ticker(crawl, keeper, tick))
            try:
                return await crawl_task
            except asyncio.CancelledError:
                if stop.signum is None:
                    raise
                say(f"signal {stop.signum}: stopping after committing the current shard")
                return "interrupted"
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)


async def _ticker(crawl: WebCrawl, keeper: SampleKeeper, tick: Tick) -> None:
    """Once a second: commit the frontier's progress, flush an old partial shard, report."""
    while True:
        await asyncio.sleep(1.0)
        keeper.maybe_flush()
        keeper.save_progress()
        tick(crawl.frontier.queued_count() + crawl.buffered, False)
