"""One source of training samples (a set of shard globs) read in passes, through a seeded shuffle
window, under a repetition budget; its whole state is a `SourceCursor`, so a checkpoint can say
exactly where it is and a resumed run draws the same samples in the same order.

Reading: shards in name order within a pass; a pass ends when every listed shard is read; the
next one starts at once when no more will come (`_COMPLETE`, or no `follow`), or, following,
after no new shard for `follow_idle_timeout_s` — unless `max_passes` passes are done: then,
following, it waits for new shards ("waiting for data — pass budget used"), and otherwise the
source is exhausted once its window is empty.

Shuffling: samples read go into a window of `shuffle_window`; once it is full (or nothing more
can come) one is drawn at random and trained on. With `max_per_host_per_window`, a draw prefers
samples whose site had fewer than that many of the last `shuffle_window` samples drawn (when
every sample in the window is over the cap, any may be drawn). The random numbers are a hash of
the seed, the source's name and a draw counter, so the counter is the generator's whole state.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from tandem.train.shard_source import Sample, ShardSource, TrainingStopped

log = logging.getLogger(__name__)

PASS_BUDGET_USED = "waiting for data — pass budget used"


class SourceExhausted(Exception):
    """A source with no more samples to give: complete, its pass budget used, its window empty."""


def uniform(seed: int, stream: str, counter: int) -> float:
    """The `counter`-th random number in [0, 1) of `stream`: the same on every run and resume."""
    digest = hashlib.blake2b(f"{seed}/{stream}/{counter}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass(frozen=True)
class WindowEntry:
    """A sample waiting in the shuffle window; its text is not saved (shards never change)."""

    shard: str
    line: int
    host: str
    text: str = field(default="", compare=False)

    def to_json(self) -> list[Any]:
        return [self.shard, self.line, self.host]


@dataclass(frozen=True)
class SourceCursor:
    """Where a source's reader is, what waits in its window, and what it has given so far."""

    epoch: int = 0  # passes finished
    done_shards: tuple[str, ...] = ()  # finished in this pass, in reading order
    shard: str | None = None  # the shard being read
    line: int = 0  # the next line to read in it
    skipped: int = 0  # empty or malformed lines passed over
    window: tuple[WindowEntry, ...] = ()
    recent_hosts: tuple[str, ...] = ()  # hosts of the last `shuffle_window` samples drawn
    draws: int = 0  # random numbers used: the generator's state
    samples: int = 0  # samples drawn from this source
    tokens: int = 0  # tokens of the samples drawn
    reads: tuple[tuple[str, int, int], ...] = ()  # (shard, times read to the end, usable samples)
    exhausted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "done_shards": list(self.done_shards), "shard": self.shard,
                "line": self.line, "skipped": self.skipped, "window": [e.to_json() for e in self.window],
                "recent_hosts": list(self.recent_hosts), "draws": self.draws, "samples": self.samples,
                "tokens": self.tokens, "reads": [list(r) for r in self.reads], "exhausted": self.exhausted}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceCursor:
        return cls(epoch=int(data.get("epoch", 0)), done_shards=tuple(data.get("done_shards", ())),
                   shard=data.get("shard"), line=int(data.get("line", 0)), skipped=int(data.get("skipped", 0)),
                   window=tuple(WindowEntry(str(s), int(n), str(h)) for s, n, h in data.get("window", ())),
                   recent_hosts=tuple(data.get("recent_hosts", ())), draws=int(data.get("draws", 0)),
                   samples=int(data.get("samples", 0)), tokens=int(data.get("tokens", 0)),
                   reads=tuple((str(s), int(k), int(u)) for s, k, u in data.get("reads", ())),
                   exhausted=bool(data.get("exhausted", False)))

    def times_read(self) -> dict[int, int]:
        """Usable samples by how many times their shard was read to the end (a pass in progress
        not counted)."""
        counts: dict[int, int] = {}
        for _, times, usable in self.reads:
            counts[times] = counts.get(times, 0) + usable
        return counts


@dataclass
class WindowSettings:
    """How a source is read (data.shuffle_window, max_per_host_per_window, max_passes, and the
    follow timings); the defaults read every shard in order, pass after pass."""

    shuffle_window: int = 1  # 1: no shuffling, samples in reading order
    max_per_host: int | None = None
    max_passes: int | None = None  # None: no limit
    poll_interval_s: float = 2.0
    idle_timeout_s: float = 120.0


class ShuffledSource:
    """Gives the next sample of one source and the cursor after it (`next`), waiting while the
    crawl it follows has nothing new."""

    def __init__(self, name: str, source: ShardSource, settings: WindowSettings, seed: int,
                 on_wait: Callable[[str], None], should_stop: Callable[[], bool],
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self.source = source
        self.settings = settings
        self.seed = seed
        self.on_wait = on_wait
        self.should_stop = should_stop
        self.clock = clock
        self.sleep = sleep
        self._reader: tuple[str, int, Iterator[tuple[int, Sample | None]]] | None = None

    def hydrate(self, cursor: SourceCursor) -> SourceCursor:
        """A cursor read from a checkpoint, with its window's texts read back from the shards."""
        wanted: dict[str, set[int]] = {}
        for entry in cursor.window:
            wanted.setdefault(entry.shard, set()).add(entry.line)
        texts: dict[tuple[str, int], str] = {}
        for shard, lines in wanted.items():
            for line, sample in self.source.read(shard):
                if line in lines and sample is not None:
                    texts[(shard, line)] = sample.text
        return replace(cursor, window=tuple(replace(e, text=texts.get((e.shard, e.line), "")) for e in cursor.window))

    def next(self, cursor: SourceCursor) -> tuple[SourceCursor, WindowEntry]:
        """Fill the window, then draw from it; raises `SourceExhausted` when nothing is left."""
        idle_since: float | None = None
        while len(cursor.window) < self.settings.shuffle_window and not cursor.exhausted:
            cursor, entry = self._read_one(cursor)
            if entry is not None:
                cursor = replace(cursor, window=(*cursor.window, entry))
                idle_since = None
            else:  # caught up with this pass
                idle_since = self.clock() if idle_since is None else idle_since
                step = self._caught_up(cursor, self.clock() - idle_since)
                if step == "next pass":
                    cursor = replace(cursor, epoch=cursor.epoch + 1, done_shards=())
                    idle_since = None
                elif step == "end":
                    cursor = replace(cursor, exhausted=True)
        if not cursor.window:
            raise SourceExhausted(self.name)
        return self._draw(cursor)

    def _draw(self, cursor: SourceCursor) -> tuple[SourceCursor, WindowEntry]:
        window, cap = cursor.window, self.settings.max_per_host
        candidates = list(range(len(window)))
        if cap is not None:
            counts: dict[str, int] = {}
            for host in cursor.recent_hosts:
                counts[host] = counts.get(host, 0) + 1
            under = [i for i in candidates if counts.get(window[i].host, 0) < cap]
            candidates = under or candidates
        index = candidates[int(uniform(self.seed, self.name, cursor.draws) * len(candidates))]
        entry = window[index]
        recent = (*cursor.recent_hosts, entry.host)[-self.settings.shuffle_window:] if cap is not None else ()
        return replace(cursor, window=window[:index] + window[index + 1:], recent_hosts=recent,
                       draws=cursor.draws + 1, samples=cursor.samples + 1), entry

    def _read_one(self, cursor: SourceCursor) -> tuple[SourceCursor, WindowEntry | None]:
        """The next usable sample in reading order; None when every listed shard is read in this
        pass (the cursor then has no shard)."""
        while True:
            if cursor.shard is None:
                done = set(cursor.done_shards)
                pending = [s for s in self.source.list_shards() if s not in done]
                if not pending:
                    return cursor, None
                cursor = replace(cursor, shard=pending[0], line=0)
            shard = cursor.shard
            assert shard is not None
            for line, sample in self._lines(shard, cursor.line):
                if sample is None:
                    cursor = replace(cursor, line=line + 1, skipped=cursor.skipped + 1)
                    continue
                self._reader = (shard, line + 1, self._reader[2]) if self._reader else None
                return replace(cursor, line=line + 1), WindowEntry(shard, line, sample.host, sample.text)
            cursor = self._finish_shard(cursor, shard)

    def _lines(self, shard: str, start: int) -> Iterator[tuple[int, Sample | None]]:
        """The shard's lines from `start`, going on with the open reader when it is there."""
        if self._reader is None or self._reader[:2] != (shard, start):
            self._reader = (shard, start, self.source.read(shard, start))
        return self._reader[2]

    def _finish_shard(self, cursor: SourceCursor, shard: str) -> SourceCursor:
        self._reader = None
        reads = {s: (times, usable) for s, times, usable in cursor.reads}
        times, _ = reads.get(shard, (0, 0))
        reads[shard] = (times + 1, self.source.counts(shard)[0])
        return replace(cursor, done_shards=(*cursor.done_shards, shard), shard=None, line=0,
                       reads=tuple((s, t, u) for s, (t, u) in reads.items()))

    def _budget_used(self, cursor: SourceCursor) -> bool:
        return self.settings.max_passes is not None and cursor.epoch + 1 >= self.settings.max_passes

    def _caught_up(self, cursor: SourceCursor, idle_s: float) -> str:
        """Every listed shard is read in this pass: "next pass" now; "end" (nothing more will
        come and the pass budget is used: the window drains); or "waited" a poll interval."""
        have_shards = bool(cursor.done_shards)
        if self.source.complete():
            if not have_shards or self._budget_used(cursor):
                return "end"
            if not any(usable for _, _, usable in cursor.reads):
                raise RuntimeError("data: every line of every shard is empty or malformed")
            log.info("data: %s: pass %d done (%d shards), starting pass %d", self.name, cursor.epoch,
                     len(cursor.done_shards), cursor.epoch + 1)
            return "next pass"
        if self.should_stop():
            raise TrainingStopped
        if self._budget_used(cursor):
            message = f"{PASS_BUDGET_USED} ({self.settings.max_passes} passes over {len(cursor.done_shards)} shards)"
        elif have_shards and idle_s >= self.settings.idle_timeout_s:
            log.info("data: %s: no new shard for %.0f s (data.follow_idle_timeout_s) and the crawl is not "
                     "complete; starting pass %d over the %d shards there are", self.name, idle_s,
                     cursor.epoch + 1, len(cursor.done_shards))
            return "next pass"
        else:
            message = f"waiting for data: caught up with {len(cursor.done_shards)} shards, crawl still running"
        self.on_wait(message)
        self.sleep(self.settings.poll_interval_s)
        return "waited"
