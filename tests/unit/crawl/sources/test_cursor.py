"""The resume cursor and what a file-source run commits: positions, counters and the extractor's
state, all as of the last moment when no kept record waited for its shard."""

from __future__ import annotations

from pathlib import Path

from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.sources.cursor import CURSOR_KEY, SourceCursor, SourceProgress
from tandem.crawl.storage.frontier import SQLiteFrontier
from tandem.crawl.storage.sample_keeper import EXTRACTOR_KEY, STATS_KEY
from tandem.crawl.storage.shard_writer import ShardWriter


def test_positions_per_file_survive_a_reload() -> None:
    cursor = SourceCursor()
    cursor.handled("a", [3, 120])
    cursor.handled("b", 7)
    cursor.finished("c")
    reloaded = SourceCursor(cursor.saved())
    assert reloaded.start("a") == (False, [3, 120])
    assert reloaded.start("b") == (False, 7)
    assert reloaded.start("c") == (True, None)
    assert reloaded.start("new") == (False, None)
    assert reloaded.finished_count() == 1


def test_progress_is_committed_as_of_the_last_moment_nothing_was_pending(tmp_path: Path) -> None:
    frontier = SQLiteFrontier(tmp_path / "frontier.sqlite")
    writer = ShardWriter(tmp_path / "shards", 10)
    stats = CrawlStats(target=100)
    state = {"lines": 0}
    cursor = SourceCursor()
    progress = SourceProgress(cursor, writer, stats, lambda: dict(state))

    def committed() -> tuple[object, object, object]:
        progress.save(frontier)
        frontier.commit()
        return frontier.load_meta(CURSOR_KEY), frontier.load_meta(STATS_KEY)["pages_fetched"], \
            frontier.load_meta(EXTRACTOR_KEY)

    cursor.handled("a", 1)
    stats.count_fetch(10)
    state["lines"] = 1
    assert committed() == ({"a": 1}, 1, {"lines": 1})  # a dropped document: durable at once
    writer.add({"id": "x"}, None)  # a kept one, waiting for its shard
    cursor.handled("a", 2)
    stats.count_fetch(10)
    state["lines"] = 2
    cursor.handled("a", 3)
    assert committed() == ({"a": 1}, 1, {"lines": 1})  # still the moment before it
    writer.commit()
    assert committed() == ({"a": 3}, 2, {"lines": 2})
