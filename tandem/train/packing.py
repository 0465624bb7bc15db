"""Samples from one or more sources (see `shuffled_source`) packed into fixed-length token
blocks, with the exact position after every block, so that a checkpoint can say where the next
block starts.

The Trainer's dataloader reads ahead of the optimizer (accelerate fetches one batch early, and
in multi-process runs rank 0 reads for every rank), so the position stored in a checkpoint is
not "where the reader is" but "where it was after the block the last optimizer step used":
`position_after(blocks)` looks that up in a short history kept per block.

With several sources (`data.mix`) each sample comes from a source drawn by weight, with random
numbers from a seeded counter kept in the position, so a resume draws as the first run did.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch.utils.data import IterableDataset

from tandem.train.shard_source import ShardSource
from tandem.train.shuffled_source import (
    ShuffledSource,
    SourceCursor,
    SourceExhausted,
    WindowSettings,
    uniform,
)

log = logging.getLogger(__name__)

Encode = Callable[[str], list[int]]
MIX_STREAM = "mix"  # the random-number stream that picks a source


class DataExhausted(Exception):
    """Every source is complete and has used its pass budget."""


@dataclass(frozen=True)
class Current:
    """The sample being packed: `offset` of its tokens are in blocks already."""

    source: str
    shard: str
    line: int
    offset: int = 0


@dataclass(frozen=True)
class DataPosition:
    """Where the next block starts: each source's cursor, the sample being packed, the counts."""

    sources: Mapping[str, SourceCursor] = field(default_factory=dict)
    current: Current | None = None
    blocks: int = 0  # blocks produced before this point
    samples: int = 0  # samples started before this point
    draws: int = 0  # random numbers used to pick sources

    @property
    def epoch(self) -> int:
        """Passes finished by the source furthest behind (data_pass in metrics)."""
        return min((c.epoch for c in self.sources.values()), default=0)

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.sources.values())

    def times_read(self) -> dict[int, int]:
        """Usable samples by the times they were read, over every source."""
        counts: dict[int, int] = {}
        for cursor in self.sources.values():
            for times, usable in cursor.times_read().items():
                counts[times] = counts.get(times, 0) + usable
        return dict(sorted(counts.items()))

    def tokens_by_source(self) -> dict[str, int]:
        return {name: cursor.tokens for name, cursor in self.sources.items()}

    def to_json(self) -> dict[str, Any]:
        current = self.current
        return {"blocks": self.blocks, "samples": self.samples, "draws": self.draws,
                "current": None if current is None else
                [current.source, current.shard, current.line, current.offset],
                "sources": {name: cursor.to_json() for name, cursor in self.sources.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], first_source: str = "crawl") -> DataPosition:
        if "sources" not in data:  # before shuffling: one source read in order, window of 1
            shard, line = data.get("shard"), int(data.get("line", 0))
            offset = int(data.get("offset", 0))  # of the sample on `line`; 0: `line` is the next to read
            cursor = SourceCursor(epoch=int(data.get("epoch", 0)), done_shards=tuple(data.get("done_shards", ())),
                                  shard=shard, line=line + 1 if shard and offset else line,
                                  skipped=int(data.get("skipped", 0)))
            return cls(sources={first_source: cursor}, blocks=int(data.get("blocks", 0)),
                       samples=int(data.get("samples", 0)),
                       current=Current(first_source, shard, line, offset) if shard and offset else None)
        current = data.get("current")
        return cls(sources={str(name): SourceCursor.from_json(c) for name, c in data["sources"].items()},
                   current=Current(str(current[0]), str(current[1]), int(current[2]), int(current[3]))
                   if current else None,
                   blocks=int(data.get("blocks", 0)), samples=int(data.get("samples", 0)),
                   draws=int(data.get("draws", 0)))


class PackedBlocks(IterableDataset):
    """An endless stream of {"input_ids", "labels"} blocks of `seq_len` tokens (EOS between texts);
    with `document_mask`, also "position_ids" that restart at each text. `sources`: one source
    (named "crawl"), or {name: (source, weight)}."""

    def __init__(
        self,
        sources: ShardSource | Mapping[str, tuple[ShardSource, float]],
        encode: Encode,
        seq_len: int,
        start: DataPosition | None = None,
        settings: WindowSettings | None = None,
        seed: int = 0,
        on_wait: Callable[[str], None] = lambda message: None,
        should_stop: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        document_mask: bool = False,
        raise_when_exhausted: bool = True,
    ) -> None:
        weighted = {"crawl": (sources, 1.0)} if isinstance(sources, ShardSource) else dict(sources)
        self.settings = settings or WindowSettings()
        self.seed = seed
        self.clock = clock
        self._sleep = sleep
        # Seconds spent waiting for the crawl, so that training speed can leave them out.
        self.waited_s = 0.0
        self.readers = {name: ShuffledSource(name, source, self.settings, seed, self._on_wait, should_stop,
                                             clock, self._wait) for name, (source, _) in weighted.items()}
        self.weights = {name: weight for name, (_, weight) in weighted.items()}
        self.document_mask = document_mask
        self.encode = encode
        self.seq_len = seq_len
        start = start or DataPosition()
        self.start = replace(start, sources={name: start.sources.get(name, SourceCursor()) for name in weighted})
        self.on_wait = on_wait
        # False (training): when every source has used its pass budget, say so in `exhausted` and
        # read on past the budget, so that every process reaches the same step boundary and stops
        # there together (the reader runs at most a batch ahead); True: raise DataExhausted.
        self.raise_when_exhausted = raise_when_exhausted
        self.exhausted: str | None = None
        self.history: dict[int, DataPosition] = {self.start.blocks: self.start}
        self.newest = self.start

    @property
    def source(self) -> ShardSource:
        """The first source's shards (the crawl's, without a mix)."""
        return next(iter(self.readers.values())).source

    def _on_wait(self, message: str) -> None:
        self.on_wait(message)

    def _wait(self, seconds: float) -> None:
        asleep_since = self.clock()
        self._sleep(seconds)
        self.waited_s += self.clock() - asleep_since

    def position_after(self, blocks: int) -> DataPosition:
        """The position after the first `blocks` blocks of the stream (already produced)."""
        return self.history[blocks]

    def forget_before(self, blocks: int) -> None:
        """Drop history no checkpoint can need any more (steps before the current one)."""
        for key in [k for k in self.history if k < blocks]:
            del self.history[key]

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        block: list[int] = []
        positions: list[int] = []  # restart at 0 for each text's piece of the block
        blocks = self.start.blocks
        for position, ids in self._samples(self.start):
            assert position.current is not None
            used = position.current.offset
            while used < len(ids):
                take = min(self.seq_len - len(block), len(ids) - used)
                block.extend(ids[used:used + take])
                positions.extend(range(take))
                used += take
                if len(block) == self.seq_len:
                    blocks += 1
                    after = replace(position, blocks=blocks,
                                    current=replace(position.current, offset=used) if used < len(ids) else None)
                    self.history[blocks] = after
                    self.newest = after
                    tensor = torch.tensor(block, dtype=torch.long)
                    item = {"input_ids": tensor, "labels": tensor.clone()}
                    if self.document_mask:
                        # transformers reads a restart of the position ids as the start of another
                        # sequence and masks attention across it.
                        item["position_ids"] = torch.tensor(positions, dtype=torch.long)
                    yield item
                    block = []
                    positions = []

    def _samples(self, start: DataPosition) -> Iterator[tuple[DataPosition, list[int]]]:
        """(position of a sample, its token ids + EOS). The position counts the sample in
        `samples`; its current `offset` is where to begin (non-zero only for a sample resumed
        midway)."""
        pos = replace(start, sources={name: self.readers[name].hydrate(cursor)
                                      for name, cursor in start.sources.items()})
        current = pos.current
        if current is not None and current.offset > 0 and current.source in self.readers:
            for line, sample in self.readers[current.source].source.read(current.shard, current.line):
                if line == current.line and sample is not None:
                    yield pos, self.encode(sample.text)
                break
        while True:
            try:
                name = self._pick(pos)
            except DataExhausted as exc:
                if self.raise_when_exhausted:
                    raise
                self.exhausted = str(exc)
                self.settings.max_passes = None  # the step under way still gets its blocks
                pos = replace(pos, sources={n: replace(c, exhausted=False) for n, c in pos.sources.items()})
                continue
            reader = self.readers[name]
            try:
                cursor, entry = reader.next(pos.sources[name])
            except SourceExhausted:
                pos = replace(pos, sources={**pos.sources, name: replace(pos.sources[name], exhausted=True)})
                continue
            ids = self.encode(entry.text)
            cursor = replace(cursor, tokens=cursor.tokens + len(ids))
            pos = replace(pos, sources={**pos.sources, name: cursor}, samples=pos.samples + 1,
                          current=Current(name, entry.shard, entry.line), draws=pos.draws + 1)
            yield pos, ids

    def _pick(self, pos: DataPosition) -> str:
        """A source drawn by weight among those not exhausted."""
        live = [(name, weight) for name, weight in self.weights.items()
                if not (pos.sources[name].exhausted and not pos.sources[name].window)]
        if not live:
            raise DataExhausted("every source is complete and has used data.max_passes passes")
        if len(live) == 1:
            return live[0][0]
        point = uniform(self.seed, MIX_STREAM, pos.draws) * sum(weight for _, weight in live)
        for name, weight in live:
            point -= weight
            if point < 0:
                return name
        return live[-1][0]
