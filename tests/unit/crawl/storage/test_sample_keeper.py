"""SampleKeeper: the exact target, and the resume path after a crash between shard and frontier commit."""

from __future__ import annotations

import random
from pathlib import Path

from tandem.contracts.shards import read_records
from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.storage.frontier import SQLiteFrontier
from tandem.crawl.storage.sample_keeper import SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter
from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.page_analysis import PageAnalysis


def _text(seed: int) -> str:
    draw = random.Random(seed)
    return "".join(draw.choice("あいうえおかきくけこさしすせそたちつてと") for _ in range(300))


def _keeper(tmp_path: Path, target: int) -> tuple[SampleKeeper, SQLiteFrontier]:
    frontier = SQLiteFrontier(tmp_path / "frontier.sqlite")
    keeper = SampleKeeper(CrawlStats(target=target), Deduplicator(DedupSettings()), ShardWriter(tmp_path / "shards", 4),
                    frontier, flush_interval_s=60)
    return keeper, frontier


def test_offer_keeps_exactly_the_target_and_says_why_not(tmp_path: Path) -> None:
    keeper, _ = _keeper(tmp_path, target=5)
    assert keeper.offer(PageAnalysis("t", _text(0), [], "too_short"), "u0", "web", None) == "too_short"
    reasons = [keeper.offer(PageAnalysis("t", _text(i), [], None), f"u{i}", "web", None) for i in range(8)]
    assert reasons == [None] * 5 + ["target_reached"] * 3
    assert keeper.offer(PageAnalysis("t", _text(1), [], None), "again", "web", None) == "target_reached"
    records = [r for _, r in read_records(tmp_path / "shards")]  # flushed at the target
    assert [r["url"] for r in records] == [f"u{i}" for i in range(5)]
    assert keeper.stats.dropped == {"too_short": 1}


def test_duplicates_are_dropped(tmp_path: Path) -> None:
    keeper, _ = _keeper(tmp_path, target=10)
    assert keeper.offer(PageAnalysis("t", _text(0), [], None), "a", "web", None) is None
    assert keeper.offer(PageAnalysis("t", _text(0), [], None), "b", "web", None) == "duplicate_exact"
    assert keeper.offer(PageAnalysis("t", _text(0)[:-3] + "かきく", [], None), "c", "web", None) == "duplicate_near"


def test_crash_after_shard_rename_before_frontier_commit(tmp_path: Path) -> None:
    keeper, frontier = _keeper(tmp_path, target=10)
    frontier.add([(f"http://a/{i}", "a", 0) for i in range(6)])
    entries = frontier.pop(6)
    frontier.commit()
    for i, entry in enumerate(entries[:3]):  # fewer than shard_size: still pending
        keeper.offer(PageAnalysis("t", _text(i), [], None), entry.url, "web", entry.url_id)
    keeper.writer.commit()  # the shard is renamed into place… and the process dies here
    frontier._db.close()

    resumed, reopened = _keeper(tmp_path, target=10)
    assert reopened.recover() == 6
    assert resumed.replay() == 3
    assert resumed.stats.kept == 3
    assert reopened.state_counts() == {"done": 3, "queued": 3}
    # a page of the lost frontier state fetched again is a duplicate, not a second record
    assert resumed.offer(PageAnalysis("t", _text(0), [], None), entries[0].url, "web", None) == "duplicate_exact"
    assert resumed.writer.next_number == 2


def test_a_page_made_of_kept_pages_is_dropped_as_contained(tmp_path: Path) -> None:
    keeper, _ = _keeper(tmp_path, target=10)
    chapters = ["\n".join(_text(seed + part) for part in range(3)) for seed in (0, 10)]
    for number, chapter in enumerate(chapters):
        assert keeper.offer(PageAnalysis("t", chapter, [], None), f"ch{number}", "web", None) is None
    one_page = PageAnalysis("t", "\n".join(chapters), [], None)
    assert keeper.offer(one_page, "all-in-one", "web", None) == "duplicate_contained"
    assert keeper.stats.dropped == {"duplicate_contained": 1}
    assert keeper.stats.metrics()["duplicates_contained"] == 1
