"""The file-source loop: what is analysed, handled and committed, and in which order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.sources.analysis import Verdict
from tandem.crawl.sources.cursor import SourceCursor
from tandem.crawl.sources.feed import Handled, InputEnd, Message
from tandem.crawl.sources.inputs import InputFile
from tandem.crawl.sources.source_run import run_sources
from tandem.crawl.storage.frontier import SQLiteFrontier
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter
from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.page_analysis import PageAnalysis

INPUT = InputFile("file:///a.warc.gz", "warc", 0)


def _keeper(tmp_path: Path, target: int) -> SampleKeeper:
    return SampleKeeper(CrawlStats(target=target), Deduplicator(DedupSettings()), ShardWriter(tmp_path / "s", 100),
                        SQLiteFrontier(tmp_path / "f.sqlite"), flush_interval_s=60)


def _feed(texts: list[str | None], analysed: list[int]) -> Iterator[Message]:
    """Like the inline feed: a document is analysed when the loop asks for it."""
    for index, text in enumerate(texts):
        analysed.append(index)
        page = None if text is None else PageAnalysis("", text, [], None)
        reason = "prefilter_no_kana" if page is None else None
        yield Handled(0, index + 1, Verdict(f"https://x/{index}", 10, page, reason))
    yield InputEnd(0)


def test_every_tick_sees_each_analysed_document_handled(tmp_path: Path, article_text: str) -> None:
    analysed: list[int] = []
    cursor = SourceCursor()
    keeper = _keeper(tmp_path, 10)
    ticks: list[tuple[int, int]] = []

    def tick() -> None:  # where the frontier is committed: the extractor's state and the cursor must agree
        ticks.append((len(analysed), keeper.stats.pages_fetched))

    texts = [None, article_text, None, None]
    finish = run_sources(_feed(texts, analysed), [INPUT], keeper, cursor, lambda: False, tick, print)
    assert finish == "exhausted"
    assert len(ticks) >= len(texts) and all(done == handled for done, handled in ticks)
    assert cursor.start(INPUT.uri) == (True, None)


def test_nothing_more_is_analysed_once_the_target_is_reached(tmp_path: Path, article_text: str,
                                                           other_article_text: str) -> None:
    analysed: list[int] = []
    cursor = SourceCursor()
    texts = [article_text, other_article_text, None, None]
    finish = run_sources(_feed(texts, analysed), [INPUT], _keeper(tmp_path, 2), cursor, lambda: False,
                         lambda: None, print)
    assert finish == "target_reached"
    assert analysed == [0, 1] and cursor.start(INPUT.uri) == (False, 2)
