"""The URLs the engine holds for one host between the frontier and a worker, in fetch order.

"fifo" hands them out as they came from the frontier. "quality" hands out the host's best first
(a link found after a refill may beat URLs already held: then the engine sends those back to
the frontier, which hands out the best again), and the engine gives the next turn to
the ready host whose best URL is worth most (`turn_worth`), counting each second a host has
waited as AGING_PER_S more. A request is not spent on a URL worth less than WORTH_SHARE of the
best one waiting for its host's delay, or of the best one being fetched, whose page may bring
better links (`worth_a_request`): the workers wait for that host or that page instead, so a good
site's turns are not padded out with junk. No host starves: its waiting time raises
its worth until it is taken (at most (1 - WORTH_SHARE) / AGING_PER_S = 50 s of waiting beyond
its own delay). Politeness is not decided here: a host is ready or not by its own concurrency
and delay (engine.WebCrawl), as with fifo.
"""

from __future__ import annotations

import heapq
import itertools

from tandem.crawl.storage.frontier import FrontierEntry

# Priorities are 0-1: after 100 s without a turn a host beats any other's best URL.
AGING_PER_S = 0.01
WORTH_SHARE = 0.5


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

    def take_below(self, priority: float) -> list[FrontierEntry]:
        """Remove and return the held URLs ranked below `priority`."""
        below = [item for item in self._heap if item[2].priority < priority]
        if below:
            self._heap = [item for item in self._heap if item[2].priority >= priority]
            heapq.heapify(self._heap)
        return [entry for _, _, entry in below]


def turn_worth(best_priority: float, waited_s: float) -> float:
    """What a host's next turn is worth: its best URL's priority, plus its waiting time."""
    return best_priority + AGING_PER_S * max(0.0, waited_s)


def worth_a_request(ready_worth: float, waiting_worth: float) -> bool:
    """Whether the best ready turn is worth a request, while a host whose turn is worth
    `waiting_worth` waits for its politeness (or a URL of that worth is being fetched)."""
    return ready_worth >= WORTH_SHARE * waiting_worth
