"""`--no-web-crawl`: documents from files and remote sources, through the same filters, dedup and
shards as the web crawl, with a resume position per input file (see `cursor`).

The keeper (exact target, dedup, shard commits) lives in the crawl's process; the documents come
from `feed.inline_feed` (one process) or `worker_pool.process_feed` (`workers: N`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tandem.common.typed_config import ConfigError
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.sources.cursor import CURSOR_KEY, IDENTITY_KEY, SourceCursor
from tandem.crawl.sources.feed import Handled, InputEnd, InputOpened, Message
from tandem.crawl.sources.inputs import InputFile
from tandem.crawl.sources.read_guard import ReadInterrupted
from tandem.crawl.sources.read_limits import ReadLimits
from tandem.crawl.sources.source_config import SourceSettings
from tandem.crawl.storage.frontier import Frontier
from tandem.crawl.storage.sample_keeper import SampleKeeper


@dataclass
class SourceFiles:
    """What a file-source run reads: the inputs, the settings they came from, where each stands."""

    inputs: list[InputFile]
    sources: list[SourceSettings]
    cursor: SourceCursor
    limits: ReadLimits = field(default_factory=ReadLimits)


SOURCE_NAME = "local"  # the records' `source` field: web or local (docs/shards.md)
INPUT_FAILED = "input_failed"


def load_cursor(frontier: Frontier) -> SourceCursor:
    return SourceCursor(frontier.load_meta(CURSOR_KEY), frontier.load_meta(IDENTITY_KEY))


def run_sources(
    feed: Iterator[Message],
    inputs: list[InputFile],
    keeper: SampleKeeper,
    cursor: SourceCursor,
    should_stop: Callable[[], bool],
    tick: Callable[[], None],
    say: Callable[..., None],
) -> str:
    """Offer every document to the keeper; "target_reached", "exhausted" or "interrupted"."""
    stats = keeper.stats
    try:
        while True:
            # All of this before the next document is read and analysed (inside `next`): a
            # commit (in `tick`) must see the extractor's state and the cursor agree, and once
            # the run is over nothing more may change that state.
            if keeper.reached_target:
                return "target_reached"
            if should_stop():
                return "interrupted"
            tick()
            try:
                message = next(feed, None)
            except ReadInterrupted:  # a stop signal ended a read (read_guard)
                return "interrupted"
            if message is None:
                break
            if isinstance(message, InputOpened):
                _input_opened(message, inputs, cursor, keeper, say)
            elif isinstance(message, InputEnd):
                _input_ended(message, inputs, cursor, keeper, say)
            elif isinstance(message, Handled):
                _offer(message, inputs[message.input_index], keeper, cursor)
    finally:
        close = getattr(feed, "close", None)
        if close is not None:
            close()  # stops worker processes, closes files
    return "target_reached" if stats.kept >= stats.target else "exhausted"


def _offer(message: Handled, item: InputFile, keeper: SampleKeeper, cursor: SourceCursor) -> None:
    verdict = message.verdict
    keeper.stats.count_fetch(verdict.nbytes)
    keeper.stats.filters.add(verdict.steps)
    page = verdict.page
    # Before the offer: an offer that fills a shard commits it, with the cursor past this document.
    cursor.handled(item.uri, message.position)
    if page is None:
        keeper.stats.drop(verdict.reason or "unreadable")
        return
    keeper.offer(page, verdict.url, SOURCE_NAME, None)


def _input_opened(message: InputOpened, inputs: list[InputFile], cursor: SourceCursor, keeper: SampleKeeper,
                  say: Callable[..., None]) -> None:
    item = inputs[message.input_index]
    cursor.opened(item.uri, message.identity, message.read_again)
    if message.read_again:
        keeper.stats.inputs_changed.append(item.uri)
    if message.note:
        say(f"{item.uri}: {message.note}", "WARNING" if message.read_again else "INFO")


def _input_ended(message: InputEnd, inputs: list[InputFile], cursor: SourceCursor, keeper: SampleKeeper,
                 say: Callable[..., None]) -> None:
    item: Any = inputs[message.input_index]
    if message.error is None:
        cursor.finished(item.uri)
        return
    if message.usage:  # e.g. a Parquet file without the text_field's column
        raise ConfigError(f"sources[{item.source}].{message.error}")
    keeper.stats.drop(INPUT_FAILED)
    keeper.stats.inputs_failed[item.uri] = message.error
    say(f"{item.uri}: cannot read on ({message.error}); skipped for this run, a resume tries again from "
        "the last record handled", "ERROR")


def read_limits(config: CrawlConfig) -> ReadLimits:
    """The bounds of every read, from the crawl config (`fetch` timeouts, `max_record_bytes`)."""
    return ReadLimits(read_timeout_s=config.fetch.read_timeout_s, connect_timeout_s=config.fetch.connect_timeout_s,
                      max_record_bytes=config.max_record_bytes)
