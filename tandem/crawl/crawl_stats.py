"""The crawl's counters, in the shape the status file and stats.json share (`contracts.metrics`).

Counters that describe work done (pages fetched, bytes, drops) are saved in the frontier with
each commit and carried across resumes; `kept` is always recounted from the committed shards.
Rates are for the current session only, so a resume does not dilute them with downtime.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tandem.contracts.metrics import CrawlMetrics
from tandem.crawl.text.filter_stats import FilterStats

TOP_DROP_REASONS = 3
INPUTS_FAILED = "inputs_failed"  # finish reason: the sources ran out, but some could not be read whole


@dataclass
class CrawlStats:
    target: int
    kept: int = 0
    pages_fetched: int = 0
    bytes_fetched: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # pages/records not kept, by reason
    refused: Counter[str] = field(default_factory=Counter)  # links never queued, by reason
    filters: FilterStats = field(default_factory=FilterStats)  # each filter step's count and time
    previous_elapsed_s: float = 0.0
    session_elapsed_s: float = 0.0
    session_pages: int = 0
    queue_size: int = 0
    # Inputs this session could not read whole (URI: reason): the crawl fails (exit 1) and a resume
    # tries them again from their last record. Not carried across resumes: each run says its own.
    inputs_failed: dict[str, str] = field(default_factory=dict)
    # Inputs this session found changed under their saved position, and read again from the start.
    inputs_changed: list[str] = field(default_factory=list)

    def count_fetch(self, nbytes: int) -> None:
        self.pages_fetched += 1
        self.session_pages += 1
        self.bytes_fetched += nbytes

    def drop(self, reason: str) -> None:
        self.dropped[reason] += 1

    @property
    def elapsed_s(self) -> float:
        return self.previous_elapsed_s + self.session_elapsed_s

    @property
    def pages_per_s(self) -> float:
        return self.session_pages / self.session_elapsed_s if self.session_elapsed_s > 0 else 0.0

    def metrics(self, finish_reason: str | None = None) -> dict[str, Any]:
        """The status file's and stats.json's figures (docs/child-protocol.md)."""
        return CrawlMetrics(
            kept=self.kept,
            target=self.target,
            pages_fetched=self.pages_fetched,
            pages_per_s=round(self.pages_per_s, 1),
            queue_size=self.queue_size,
            dropped=dict(sorted(self.dropped.items())),
            refused_links=dict(sorted(self.refused.items())),
            duplicates_exact=self.dropped.get("duplicate_exact", 0),
            duplicates_near=self.dropped.get("duplicate_near", 0),
            duplicates_contained=self.dropped.get("duplicate_contained", 0),
            bytes_fetched=self.bytes_fetched,
            elapsed_s=round(self.elapsed_s, 1),
            filters=self.filters.to_json(),
            lines_removed=self.filters.lines_removed_json(),
            inputs_failed=dict(self.inputs_failed),
            inputs_changed=list(self.inputs_changed),
            finish_reason=finish_reason,
            end_note=self.end_note(finish_reason),
        ).to_json()

    def end_note(self, finish_reason: str | None) -> str | None:
        """One line for a crawl that ran out of pages below its target, or could not read some
        inputs whole; None otherwise."""
        if finish_reason == INPUTS_FAILED:
            uri, why = next(iter(self.inputs_failed.items()))
            more = f" (and {len(self.inputs_failed) - 1} more)" if len(self.inputs_failed) > 1 else ""
            return (f"{len(self.inputs_failed)} input(s) could not be read whole: {uri}: {why}{more}; "
                    "run again to resume them from their last record")
        if finish_reason != "exhausted" or self.kept >= self.target:
            return None
        top = ", ".join(f"{reason} {count}" for reason, count in self.dropped.most_common(TOP_DROP_REASONS))
        why = f"; top drop reasons: {top}" if top else "; no page was dropped"
        head = f"KEPT NOTHING (target {self.target})" if self.kept == 0 else f"kept only {self.kept} of {self.target}"
        return f"{head}: nothing left to crawl after {self.pages_fetched} pages fetched{why}"

    def saved(self) -> dict[str, Any]:
        """What the frontier keeps across restarts."""
        return {
            "pages_fetched": self.pages_fetched,
            "bytes_fetched": self.bytes_fetched,
            "dropped": dict(self.dropped),
            "refused": dict(self.refused),
            "filters": self.filters.to_json(),
            "lines_removed": self.filters.lines_removed_json(),
            "elapsed_s": self.elapsed_s,
        }

    def restore(self, saved: dict[str, Any] | None) -> None:
        if not saved:
            return
        self.pages_fetched = int(saved.get("pages_fetched", 0))
        self.bytes_fetched = int(saved.get("bytes_fetched", 0))
        self.dropped = Counter(saved.get("dropped", {}))
        self.refused = Counter(saved.get("refused", {}))
        self.filters.restore(saved.get("filters"), saved.get("lines_removed"))
        self.previous_elapsed_s = float(saved.get("elapsed_s", 0.0))

    def progress_line(self) -> str:
        drops = sum(self.dropped.values())
        return (
            f"kept {self.kept}/{self.target} | fetched {self.pages_fetched} ({self.pages_per_s:.1f} pages/s)"
            f" | queue {self.queue_size} | dropped {drops} | elapsed {self.elapsed_s:.0f}s"
        )
