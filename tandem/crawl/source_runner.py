"""The file sources' runner (`--no-web-crawl`): records read, analysed (here or in workers), offered.

Each input keeps its resume position (sources/cursor.py), committed with the keeper's progress
as one consistent snapshot with the stats and the extractor's state (`SourceProgress`).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import CrawlPlan
from tandem.crawl.crawl_runner import Say, StopRequest, Tick
from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.sources.analysis import DocumentAnalyzer
from tandem.crawl.sources.cursor import SourceProgress
from tandem.crawl.sources.feed import inline_feed, pending_inputs
from tandem.crawl.sources.read_guard import READS
from tandem.crawl.sources.source_run import SourceFiles, load_cursor, read_limits, run_sources
from tandem.crawl.sources.worker_pool import process_feed, usable_workers
from tandem.crawl.storage.frontier import Frontier
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_analysis import PageAnalyzer


def document_analyzer(config: CrawlConfig, ng_words: list[str], extractor_state: dict[str, Any] | None,
                      filter_stats: FilterStats) -> DocumentAnalyzer:
    """The text pipeline for file sources: the pre-filter first (text_steps.build_text_steps)."""
    return DocumentAnalyzer(PageAnalyzer(config.extract, config.quality, ng_words, extractor_state, filter_stats,
                                         prefilter=config.prefilter))


class SourceRunner:
    def __init__(self, config: CrawlConfig, plan: CrawlPlan, frontier: Frontier, extractor_state: dict[str, Any] | None,
                 writer: ShardWriter, stats: CrawlStats) -> None:
        self.config = config
        self.cursor = load_cursor(frontier)
        self.files = SourceFiles(plan.inputs, plan.sources, self.cursor, read_limits(config))
        self.analyzer = document_analyzer(config, plan.ng_words, extractor_state, stats.filters)
        # A worker counts its filters apart and sends the counts with each verdict.
        self.make_worker_analyzer = partial(document_analyzer, config, plan.ng_words, extractor_state,
                                            FilterStats(journaled=True))
        self.progress = SourceProgress(self.cursor, writer, stats, self.analyzer.analyzer.state_dict)

    def save_progress(self, frontier: Frontier) -> None:
        self.progress.save(frontier)

    def requeue(self, frontier: Frontier) -> int:
        return 0  # nothing is queued: each input resumes from its cursor

    def run(self, keeper: SampleKeeper, stop: StopRequest, tick: Tick, say: Say) -> str:
        """One process: `self.analyzer` (whose state the progress commits). Workers: each its
        own analyzer, starting from the saved state."""
        stop.callbacks.append(READS.interrupt)  # a read that waits ends at a signal
        files, last = self.files, [time.monotonic()]

        def local_tick() -> None:
            now = time.monotonic()
            if now - last[0] >= 1.0:
                last[0] = now
                keeper.maybe_flush()
                keeper.save_progress()
                tick(0, False)

        workers = usable_workers(self.config.workers, len(pending_inputs(files.inputs, files.cursor)))
        if workers > 1:
            say(f"reading {len(files.inputs)} inputs with {workers} worker processes")
            feed = process_feed(files.inputs, files.sources, files.cursor, self.make_worker_analyzer, workers,
                                files.limits)
        else:
            feed = inline_feed(files.inputs, files.sources, files.cursor, self.analyzer, files.limits)
        return run_sources(feed, files.inputs, keeper, files.cursor, lambda: stop.signum is not None, local_tick, say)
