"""Per-step counts and time of the text pipeline's filters, as datatrove counts each filter.

Each named step (a quality filter, a dedup check) records how many pages reached it, how many
it dropped and the seconds it spent. The crawl keeps one `FilterStats` for the whole run, saves
it with its other counters and writes it to `stats.json` (`contracts.metrics.CrawlMetrics`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class StepCount:
    checked: int = 0
    dropped: int = 0
    seconds: float = 0.0


class FilterStats:
    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.steps: dict[str, StepCount] = {}

    def record(self, step: str, dropped: bool, seconds: float) -> None:
        count = self.steps.get(step)
        if count is None:
            count = self.steps[step] = StepCount()
        count.checked += 1
        count.dropped += dropped
        count.seconds += seconds

    def to_json(self) -> dict[str, dict[str, Any]]:
        """{step: {"checked", "dropped", "seconds"}} in the order the steps first ran."""
        return {step: {"checked": c.checked, "dropped": c.dropped, "seconds": round(c.seconds, 3)}
                for step, c in self.steps.items()}

    def restore(self, saved: dict[str, dict[str, Any]] | None) -> None:
        for step, values in (saved or {}).items():
            self.steps[step] = StepCount(int(values.get("checked", 0)), int(values.get("dropped", 0)),
                                         float(values.get("seconds", 0.0)))
