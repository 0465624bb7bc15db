"""The crawl's figures: each filter step in stats.json, and the one line of a crawl that ended short."""

from tandem.contracts.metrics import CRAWL_KEYS
from tandem.crawl.crawl_stats import CrawlStats


def stats_after(kept: int, dropped: dict[str, int]) -> CrawlStats:
    stats = CrawlStats(target=300, kept=kept, pages_fetched=512)
    stats.dropped.update(dropped)
    return stats


def test_a_crawl_that_kept_nothing_says_so_with_its_top_drop_reasons() -> None:
    stats = stats_after(0, {"too_short": 300, "japanese_fraction": 150, "duplicate_near": 12, "ellipsis": 1})
    assert stats.end_note("exhausted") == ("KEPT NOTHING (target 300): nothing left to crawl after 512 pages "
                                           "fetched; top drop reasons: too_short 300, japanese_fraction 150, "
                                           "duplicate_near 12")
    assert stats.metrics("exhausted")["end_note"] == stats.end_note("exhausted")


def test_a_crawl_short_of_its_target_says_how_short() -> None:
    note = stats_after(12, {"too_short": 3}).end_note("exhausted")
    assert note is not None and note.startswith("kept only 12 of 300: nothing left to crawl")


def test_no_note_when_the_target_was_reached_or_the_crawl_was_stopped() -> None:
    assert stats_after(300, {}).end_note("target_reached") is None
    assert stats_after(5, {}).end_note("interrupted") is None
    assert "end_note" not in stats_after(5, {}).metrics(None)


def test_filter_steps_are_in_the_metrics_and_survive_a_resume() -> None:
    stats = CrawlStats(target=10)
    stats.filters.record("too_short", True, 0.5)
    stats.filters.record("too_short", False, 0.25)
    metrics = stats.metrics()
    assert metrics["filters"] == {"too_short": {"checked": 2, "dropped": 1, "seconds": 0.75}}
    assert {"filters", "duplicates_contained", "end_note"} <= CRAWL_KEYS
    resumed = CrawlStats(target=10)
    resumed.restore(stats.saved())
    assert resumed.metrics()["filters"] == metrics["filters"]


def test_fetched_per_kept_page_is_in_the_progress_line_and_the_metrics() -> None:
    stats = stats_after(128, {})
    assert stats.metrics()["fetched_per_kept"] == 4.0
    assert "(0.0 pages/s, 4.0 per kept)" in stats.progress_line()
    assert "fetched_per_kept" in CRAWL_KEYS


def test_fetched_per_kept_page_is_unknown_before_the_first_kept_page() -> None:
    stats = stats_after(0, {})
    assert stats.metrics()["fetched_per_kept"] is None
    assert "- per kept" in stats.progress_line()
