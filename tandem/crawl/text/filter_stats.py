"""Per-step counts and time of the text pipeline's filters, as datatrove counts each filter.

Each named step (a quality filter, a dedup check) records how many pages reached it, how many
it dropped and the seconds it spent. The crawl keeps one `FilterStats` for the whole run, saves
it with its other counters and writes it to `stats.json` (`contracts.metrics.CrawlMetrics`).
Lines removed inside kept or dropped pages by the line rules (line_rules.py) are counted apart,
by reason (`stats.json` → `lines_removed`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class StepCount:
    checked: int = 0
    dropped: int = 0
    seconds: float = 0.0


# (step, dropped, seconds) of one page at one step; for removed lines ("lines_removed:REASON",
# how many, 0.0).
StepRecord = tuple[str, int, float]
LINES_REMOVED = "lines_removed:"


class FilterStats:
    """`journaled`: also keep each record until `drain()`, for a worker process that sends its
    counts to the crawl's own `FilterStats` (`add`) with every verdict."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter, journaled: bool = False) -> None:
        self.clock = clock
        self.steps: dict[str, StepCount] = {}
        self.lines_removed: Counter[str] = Counter()
        self.journal: list[StepRecord] | None = [] if journaled else None

    def record(self, step: str, dropped: bool, seconds: float) -> None:
        if self.journal is not None:
            self.journal.append((step, dropped, seconds))
        count = self.steps.get(step)
        if count is None:
            count = self.steps[step] = StepCount()
        count.checked += 1
        count.dropped += dropped
        count.seconds += seconds

    def remove_lines(self, reason: str, count: int) -> None:
        if self.journal is not None:
            self.journal.append((LINES_REMOVED + reason, count, 0.0))
        self.lines_removed[reason] += count

    def drain(self) -> list[StepRecord]:
        """The records since the last drain (none unless journaled)."""
        if not self.journal:
            return []
        records, self.journal = self.journal, []
        return records

    def add(self, records: list[StepRecord]) -> None:
        for step, dropped, seconds in records:
            if step.startswith(LINES_REMOVED):
                self.remove_lines(step[len(LINES_REMOVED):], dropped)
            else:
                self.record(step, bool(dropped), seconds)

    def to_json(self) -> dict[str, dict[str, Any]]:
        """{step: {"checked", "dropped", "seconds"}} in the order the steps first ran."""
        return {step: {"checked": c.checked, "dropped": c.dropped, "seconds": round(c.seconds, 3)}
                for step, c in self.steps.items()}

    def lines_removed_json(self) -> dict[str, int]:
        return dict(sorted(self.lines_removed.items()))

    def restore(self, saved: dict[str, dict[str, Any]] | None, lines_removed: dict[str, int] | None = None) -> None:
        self.lines_removed.update({reason: int(count) for reason, count in (lines_removed or {}).items()})
        for step, values in (saved or {}).items():
            self.steps[step] = StepCount(int(values.get("checked", 0)), int(values.get("dropped", 0)),
                                         float(values.get("seconds", 0.0)))
