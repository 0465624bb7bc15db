"""From extracted text to a committed record: quality, dedup, the exact target, shard commits.

Web pages and local sources both end here, so both get the same filters, the same dedup and the
same exactness. Only this class decides "kept", and it never keeps more than the target.

Commit order (what makes kill -9 safe): the frontier's progress is committed, the shard is
written, fsynced and renamed, then the frontier marks the shard's URLs done and commits again.
A crash between the rename and that last commit leaves a shard whose URLs are still "in
flight"; `replay()` on resume reads every committed shard, so the dedup index and the kept count
include it and those URLs are marked done: nothing lost, nothing repeated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime

from tandem.common.script_main import timestamped
from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.storage.frontier import Frontier
from tandem.crawl.storage.shard_repair import checked_records
from tandem.crawl.storage.shard_writer import ShardWriter
from tandem.crawl.text.dedup import Deduplicator
from tandem.crawl.text.normalize import japanese_ratio, text_id
from tandem.crawl.text.page_analysis import PageAnalysis

STATS_KEY = "stats"
EXTRACTOR_KEY = "extractor_state"  # the frontier meta the runners save it under


def _to_stderr(line: str) -> None:
    print(timestamped(line, "WARNING"), file=sys.stderr, flush=True)


class SampleKeeper:
    def __init__(
        self,
        stats: CrawlStats,
        dedup: Deduplicator,
        writer: ShardWriter,
        frontier: Frontier,
        flush_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_save: Callable[[Frontier], None] | None = None,
    ) -> None:
        self.stats = stats
        self.dedup = dedup
        self.writer = writer
        self.frontier = frontier
        self.flush_interval_s = flush_interval_s
        self._clock = clock
        self._last_flush = clock()
        # More progress to commit with the stats: the runner's (the extractor's state, a file
        # source's cursor), crawl_runner.CrawlRunner.save_progress.
        self._on_save = on_save

    @property
    def reached_target(self) -> bool:
        return self.stats.kept >= self.stats.target

    def replay(self, say: Callable[[str], None] = _to_stderr) -> int:
        """Reload what committed shards hold; returns the number of records. A damaged line is
        named through `say` and skipped, and its shard repaired (`shard_repair`)."""
        urls = []
        count = 0
        for number, record in checked_records(self.writer.folder, say):
            self.dedup.add(record["id"], record["text"])
            self.frontier.mark_kept([(None, record["url"], record["id"], number)])
            urls.append(record["url"])
            count += 1
        self.frontier.mark_done_urls(urls)
        self.stats.kept = count
        return count

    def offer(self, page: PageAnalysis, url: str, source: str, url_id: int | None) -> str | None:
        """Keep the page as a record if it passed the filters, is new, and the target is not
        reached yet. Returns None when kept, else why not (filter, duplicate, `target_reached`)."""
        if self.reached_target:
            return "target_reached"
        if page.drop_reason is not None:
            self.stats.drop(page.drop_reason)
            return page.drop_reason
        text = page.text
        doc_id = text_id(text)
        keep, reason = self.dedup.check_and_add(doc_id, text)
        if not keep:
            self.stats.drop(reason)
            return reason
        record = {
            "id": doc_id,
            "url": url,
            "title": page.title,
            "text": text,
            "source": source,
            "fetched_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "chars": len(text),
            "ja_ratio": round(japanese_ratio(text), 4),
        }
        self.writer.add(record, url_id)
        self.stats.kept += 1
        if self.writer.full or self.reached_target:
            self.flush()
        return None

    def maybe_flush(self) -> None:
        """Commit a partial shard once it is old enough, and the frontier's progress with it."""
        if self._clock() - self._last_flush >= self.flush_interval_s:
            self.flush()

    def flush(self) -> None:
        # Commit the frontier's progress (links found, pages dropped) first, so that a kill in
        # the instant between the shard's rename and its URLs' "done" loses only those URLs'
        # state: they are fetched again and dropped as duplicates of the shard's records.
        if self.writer.pending:
            self.save_progress()
        committed = self.writer.commit()
        if committed is not None:
            number, records = committed
            self.frontier.mark_kept([(p.url_id, p.record["url"], p.record["id"], number) for p in records])
        self.save_progress()
        self._last_flush = self._clock()

    def save_progress(self) -> None:
        self.frontier.save_meta(STATS_KEY, self.stats.saved())
        if self._on_save is not None:
            self._on_save(self.frontier)
        self.frontier.commit()
