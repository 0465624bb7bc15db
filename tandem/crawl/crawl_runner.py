"""What the web runner and the source runner share with the run around them.

`crawl_run.run_crawl` owns a run's lifecycle (output folder, resume, the keeper, signals, the
final files); a runner owns how documents arrive: pages fetched from the web
(`web_runner.WebRunner`) or records read from files and remote sources
(`source_runner.SourceRunner`). Both hand every document to the same text pipeline
(text/text_steps.py) and offer what it gives to the same keeper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tandem.crawl.storage.frontier import Frontier
from tandem.crawl.storage.sample_keeper import SampleKeeper

Tick = Callable[[int, bool], None]  # (queue size, force): report progress
Say = Callable[..., None]  # (line, level="INFO"): one timestamped line of the crawl's log


@dataclass
class StopRequest:
    """The signal handler of a run: it only records the first signal and calls the callbacks
    that turn it into a stop (cancel the web crawl's task, end a waiting read)."""

    signum: int | None = None
    callbacks: list[Callable[[], None]] = field(default_factory=list)

    def __call__(self, signum: int, _frame: object = None) -> None:
        if self.signum is None:
            self.signum = signum
            for callback in self.callbacks:
                callback()


class CrawlRunner(Protocol):
    def save_progress(self, frontier: Frontier) -> None:
        """Runs inside each commit of the keeper's progress: what the runner must resume from."""

    def requeue(self, frontier: Frontier) -> int:
        """On resume, before anything runs: how many URLs it put back in the queue."""

    def run(self, keeper: SampleKeeper, stop: StopRequest, tick: Tick, say: Say) -> str:
        """Until the target, the end of the inputs or `stop`: "target_reached", "exhausted" or
        "interrupted"."""
