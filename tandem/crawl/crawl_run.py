"""One crawl run end to end: output folder, resume, web or local pipeline, signals, final files.

`run_crawl` is what `scripts/crawl.py` calls once the config is loaded. It owns the run's
lifecycle: move old output aside (`--no-auto-resume`) or resume from it, reload committed
shards, run until the target or the sources are exhausted or a signal asks to stop, commit what
is pending, and leave `stats.json`, `shards/_COMPLETE` (when finished) and the status file.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from tandem.common.script_main import timestamped
from tandem.common.typed_config import ConfigError, resolved_config_path, save_resolved
from tandem.contracts.child_protocol import StatusReporter
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK, exit_code_for_signal
from tandem.contracts.shards import clear_complete_marker, write_complete_marker
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import CrawlPlan, plan_crawl
from tandem.crawl.crawl_stats import INPUTS_FAILED, CrawlStats
from tandem.crawl.fetching.connections import make_session
from tandem.crawl.fetching.engine import InlineAnalyzer, WebCrawl
from tandem.crawl.fetching.fetcher import ROBOTS_BODY, Fetcher, FetchResult
from tandem.crawl.fetching.robots import RobotsCache
from tandem.crawl.sources.analysis import DocumentAnalyzer
from tandem.crawl.sources.cursor import SourceProgress
from tandem.crawl.sources.feed import inline_feed, pending_inputs
from tandem.crawl.sources.inputs import SourceError
from tandem.crawl.sources.read_guard import READS
from tandem.crawl.sources.source_run import SourceFiles, load_cursor, read_limits, run_sources
from tandem.crawl.sources.worker_pool import process_feed, usable_workers
from tandem.crawl.storage.frontier import FrontierDamaged, SQLiteFrontier
from tandem.crawl.storage.sample_keeper import EXTRACTOR_KEY, STATS_KEY, SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter, remove_partial_shards
from tandem.crawl.text.dedup import Deduplicator
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.fileio.atomic_files import atomic_write_json
from tandem.fileio.file_lock import AlreadyLocked, FileLock
from tandem.fileio.folders import describe_set_aside, move_contents_aside

FRONTIER_FILE = "frontier.sqlite"
# Failures that say more about the moment than the URL: a resumed web crawl tries them again.
TRANSIENT_FAILURES = ("timeout", "network", "robots_unreachable", "http_429", "http_503")


@dataclass
class StopRequest:
    signum: int | None = None
    callbacks: list[Callable[[], None]] = field(default_factory=list)

    def __call__(self, signum: int, _frame: object = None) -> None:
        if self.signum is None:
            self.signum = signum
            for callback in self.callbacks:
                callback()


def run_crawl(
    config: CrawlConfig,
    *,
    web: bool,
    resume: bool,
    status_file: Path | None,
    base_dir: Path | None = None,
    out: TextIO = sys.stdout,
) -> int:
    def say(line: str, level: str = "INFO") -> None:
        print(timestamped(line, level), file=out, flush=True)

    try:
        plan = plan_crawl(config, web=web, base_dir=base_dir)  # the same rules as `--check`
    except SourceError as exc:  # a remote source that cannot be listed now: not the config's fault
        print(timestamped(f"failed: {exc}", "ERROR"), file=sys.stderr, flush=True)
        return EXIT_FAILED
    ng_words = plan.ng_words
    output_dir = config.output_dir
    lock = _lock_output(output_dir)
    if not resume:
        moved = move_contents_aside(output_dir)
        if moved is not None:
            say(f"--no-auto-resume: moved the previous output to {describe_set_aside(moved)}")
    output_dir.mkdir(parents=True, exist_ok=True)
    save_resolved(config, resolved_config_path(output_dir, "crawl_config"))
    shards_dir = output_dir / "shards"
    remove_partial_shards(shards_dir)

    try:
        frontier = SQLiteFrontier(output_dir / FRONTIER_FILE, order=config.scheduler)
    except FrontierDamaged as exc:
        raise ConfigError(f"{exc}; move it aside and run again to resume from the committed shards "
                          "(nothing kept is lost or repeated; the web crawl starts again from its seeds), "
                          "or run with --no-auto-resume to start afresh") from None
    stats = CrawlStats(target=config.target)
    stats.restore(frontier.load_meta(STATS_KEY))
    saved_extractor = frontier.load_meta(EXTRACTOR_KEY)
    analyzer = InlineAnalyzer(PageAnalyzer(config.extract, config.quality, ng_words, saved_extractor, stats.filters,
                                           score_pages=web and config.scheduler == "quality"))
    writer = ShardWriter(shards_dir, config.output.shard_size)
    cursor = None if web else load_cursor(frontier)
    local_analyzer = None if web else _document_analyzer(config, ng_words, saved_extractor, stats.filters)
    progress = None if cursor is None or local_analyzer is None else SourceProgress(
        cursor, writer, stats, local_analyzer.analyzer.state_dict)
    keeper = SampleKeeper(
        stats, Deduplicator(config.dedup, stats.filters), writer, frontier, config.output.flush_interval_s,
        extractor_state=analyzer.state_dict if web else None,
        on_save=None if progress is None else progress.save,
    )
    recovered = frontier.recover() + (frontier.retry_failed(TRANSIENT_FAILURES) if web else 0)
    replayed = keeper.replay(say)
    frontier.commit()
    if replayed or recovered:
        say(f"resuming: {replayed} records in committed shards, {recovered} URLs back in the queue")
    reporter = StatusReporter(status_file, unit="samples", total=config.target)
    stop = StopRequest()
    started = time.monotonic()
    last_line = [started]

    def tick(queue_size: int, force: bool = False) -> None:
        now = time.monotonic()
        stats.session_elapsed_s = now - started
        stats.queue_size = queue_size
        reporter.update(stats.kept, metrics=stats.metrics(), message=stats.progress_line(), force=force)
        if force or now - last_line[0] >= config.progress_interval_s:
            last_line[0] = now
            say(stats.progress_line())

    tick(frontier.queued_count(), force=True)
    finish_reason = "error"
    try:
        if keeper.reached_target:
            finish_reason = "target_reached"
        else:
            clear_complete_marker(shards_dir)
            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                if web:
                    finish_reason = asyncio.run(_run_web(config, plan, frontier, keeper, analyzer, stop, tick, say))
                else:
                    assert cursor is not None and local_analyzer is not None
                    files = SourceFiles(plan.inputs, plan.sources, cursor, read_limits(config))
                    stop.callbacks.append(READS.interrupt)  # a read that waits ends at a signal
                    # A worker counts its filters apart and sends the counts with each verdict.
                    make_analyzer = partial(_document_analyzer, config, ng_words, saved_extractor,
                                            FilterStats(journaled=True))
                    finish_reason = _run_local(config, files, keeper, local_analyzer, make_analyzer, stop, tick, say)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if finish_reason == "exhausted" and stats.inputs_failed:
                finish_reason = INPUTS_FAILED  # not whole: a failed crawl (exit 1), resumed by a rerun
            if finish_reason == "exhausted" and stats.pages_fetched == 0:
                finish_reason = "nothing_fetched"  # not a finished crawl: a failed one (exit 1)
    finally:
        keeper.flush()
        frontier.recover()  # buffered and abandoned URLs: queued again for a later run
        tick(frontier.queued_count(), force=True)
        summary = {**stats.metrics(finish_reason), "frontier": frontier.state_counts()}
        atomic_write_json(output_dir / "stats.json", summary)
        # The last status carries the finish reason too: the supervisor's record and the report
        # read the status file, not stats.json.
        reporter.update(stats.kept, metrics=stats.metrics(finish_reason),
                        message=stats.progress_line(), force=True)
        frontier.close()
        lock.release()
    if finish_reason == INPUTS_FAILED:
        say(f"failed: {stats.end_note(finish_reason)} ({stats.kept} samples in {shards_dir})", "ERROR")
        return EXIT_FAILED
    if finish_reason == "nothing_fetched":
        say(f"failed: no page could be fetched (dropped: {dict(stats.dropped)}); no network, or sources empty?",
            "ERROR")
        return EXIT_FAILED
    if finish_reason in ("target_reached", "exhausted"):
        write_complete_marker(shards_dir, finish_reason, stats.kept, config.target)
        say(f"finished ({finish_reason}): {stats.kept} samples in {shards_dir}")
        end_note = stats.end_note(finish_reason)
        if end_note:  # below the target: say why, in one line (exit 0 all the same)
            say(end_note, "WARNING" if stats.kept == 0 else "INFO")
        return EXIT_OK
    say(f"stopped by signal {stop.signum}: {stats.kept} samples committed; run again to resume")
    return exit_code_for_signal(stop.signum)


def _lock_output(output_dir: Path) -> FileLock:
    """Hold `<output_dir>.lock` while crawling: two crawls in one folder would number their
    shards alike and replace each other's. The lock sits beside the folder, so that moving the
    folder's contents aside happens under it too. Released by the OS if the process dies."""
    lock = FileLock(output_dir.with_name(output_dir.name + ".lock"))
    try:
        lock.acquire("crawl")
    except AlreadyLocked:
        raise ConfigError(f"output_dir: {output_dir} is in use by another running crawl") from None
    return lock


def _document_analyzer(
    config: CrawlConfig, ng_words: list[str], extractor_state: dict[str, Any] | None, filter_stats: FilterStats
) -> DocumentAnalyzer:
    return DocumentAnalyzer(PageAnalyzer(config.extract, config.quality, ng_words, extractor_state, filter_stats),
                            config.prefilter)


def _run_local(
    config: CrawlConfig, files: SourceFiles, keeper: SampleKeeper, analyzer: DocumentAnalyzer,
    make_analyzer: Callable[[], DocumentAnalyzer], stop: StopRequest, tick: Callable[[int, bool], None],
    say: Callable[[str], None],
) -> str:
    """One process: `analyzer` (whose state the progress commits). Workers: each its own from
    `make_analyzer`, starting from the saved state."""
    last = [time.monotonic()]

    def local_tick() -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            keeper.maybe_flush()
            keeper.save_progress()
            tick(0, False)

    workers = usable_workers(config.workers, len(pending_inputs(files.inputs, files.cursor)))
    if workers > 1:
        say(f"reading {len(files.inputs)} inputs with {workers} worker processes")
        feed = process_feed(files.inputs, files.sources, files.cursor, make_analyzer, workers, files.limits)
    else:
        feed = inline_feed(files.inputs, files.sources, files.cursor, analyzer, files.limits)
    return run_sources(feed, files.inputs, keeper, files.cursor, lambda: stop.signum is not None, local_tick, say)


async def _run_web(
    config: CrawlConfig, plan: CrawlPlan, frontier: SQLiteFrontier, keeper: SampleKeeper, analyzer: InlineAnalyzer,
    stop: StopRequest, tick: Callable[[int, bool], None], say: Callable[[str], None],
) -> str:
    scope, addresses = plan.scope, plan.addresses
    assert scope is not None and addresses is not None  # a web plan has both
    async with make_session(config.fetch, config.workers, config.politeness.per_host_concurrency, addresses) as session:
        fetcher = Fetcher(session, config.fetch)

        async def robots_hop(url: str) -> str | None:
            return scope.address_refusal(url)

        async def fetch_robots(url: str) -> FetchResult:
            return await fetcher.fetch(url, robots_hop, ROBOTS_BODY)

        robots = RobotsCache(fetch_robots, config.fetch.user_agent)
        crawl = WebCrawl(config, frontier, keeper, analyzer, fetcher, robots, scope, log=say)
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


async def _ticker(crawl: WebCrawl, keeper: SampleKeeper, tick: Callable[[int, bool], None]) -> None:
    """Once a second: commit the frontier's progress, flush an old partial shard, report."""
    while True:
        await asyncio.sleep(1.0)
        keeper.maybe_flush()
        keeper.save_progress()
        tick(crawl.frontier.queued_count() + crawl.buffered, False)
