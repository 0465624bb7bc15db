"""The URLs the engine holds for one host between the frontier and a worker, in fetch order.

"fifo" hands them out as they came from the frontier. "quality" hands out the host's best first
(a link found after a refill may beat URLs already held: then the engine sends the held ones
back to the frontier, which hands out the best again), and the engine gives the next turn to
the ready host whose best URL is worth most (`turn_worth`), counting each second a host has
waited as AGING_PER_S more: a host with poor pages still gets every turn no better host can
take, and one waiting long enough gets the next turn whatever the others hold. Politeness is not
decided here: a host is ready or not by its own concurrency and delay (engine.WebCrawl).
"""

from __future__ import annotations

import heapq
import itertools

from tandem.crawl.storage.frontier import FrontierEntry

# Priorities are 0-1: after 100 s without a turn a host beats any other's best URL.
AGING_PER_S = 0.01


class HostBuffer:
    def __init__(self, by_priority: bool) -> None:
        self._by_priority = by_priority
        self._heap: list[tuple[float, int, FrontierEntry]] = []
        self._arrival = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, entry: FrontierEntry) -> None:
        rank = -entry.priority if self._by_priority else 0.0
        heapq.heappush(self._heap, (rank, next(self._arrival), entry))

    def pop(self) -> FrontierEntry:
        return heapq.heappop(self._heap)[2]

    def best_priority(self) -> float:
        return self._heap[0][2].priority

    def worst_priority(self) -> float:
        return min(entry.priority for _, _, entry in self._heap)

    def drain(self) -> list[FrontierEntry]:
        entries = [entry for _, _, entry in self._heap]
        self._heap.clear()
        return entries


def turn_worth(best_priority: float, waited_s: float) -> float:
    """What a ready host's next turn is worth: its best URL's priority, plus its waiting time."""
    return best_priority + AGING_PER_S * max(0.0, waited_s)
