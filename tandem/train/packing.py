"""Texts from the shards packed into fixed-length token blocks, with the exact position after
every block, so that a checkpoint can say where the next block starts.

The Trainer's dataloader reads ahead of the optimizer (accelerate fetches one batch early, and
in multi-process runs rank 0 reads for every rank), so the position stored in a checkpoint is
not "where the reader is" but "where it was after the block the last optimizer step used":
`position_after(blocks)` looks that up in a short history kept per block.

Order: shards in name order within a pass; a pass (epoch) ends when every listed shard is read
and no more will come (`_COMPLETE`, or no `follow`), or, following, when no new shard arrived
for `follow_idle_timeout_s`; the next pass reads all shards again, picking up new ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import IterableDataset

from tandem.train.shard_source import ShardSource, TrainingStopped

log = logging.getLogger(__name__)

Encode = Callable[[str], list[int]]


@dataclass(frozen=True)
class DataPosition:
    """Where the next block starts. `offset` tokens of the sample on `line` of `shard` are used."""

    epoch: int = 0
    done_shards: tuple[str, ...] = ()  # finished in this pass, in reading order
    shard: str | None = None
    line: int = 0
    offset: int = 0
    blocks: int = 0  # blocks produced before this point
    samples: int = 0  # samples started before this point
    skipped: int = 0  # empty or malformed lines passed over

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "done_shards": list(self.done_shards)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataPosition:
        return cls(**{**data, "done_shards": tuple(data.get("done_shards", ()))})


@dataclass
class FollowTiming:
    poll_interval_s: float = 2.0
    idle_timeout_s: float = 120.0


class PackedBlocks(IterableDataset):
    """An endless stream of {"input_ids", "labels"} blocks of `seq_len` tokens (EOS between texts);
    with `document_mask`, also "position_ids" that restart at each text."""

    def __init__(
        self,
        source: ShardSource,
        encode: Encode,
        seq_len: int,
        start: DataPosition | None = None,
        timing: FollowTiming | None = None,
        on_wait: Callable[[str], None] = lambda message: None,
        should_stop: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        document_mask: bool = False,
    ) -> None:
        self.source = source
        self.document_mask = document_mask
        self.encode = encode
        self.seq_len = seq_len
        self.start = start or DataPosition()
        self.timing = timing or FollowTiming()
        self.on_wait = on_wait
        self.should_stop = should_stop
        self.clock = clock
        self.sleep = sleep
        self.history: dict[int, DataPosition] = {self.start.blocks: self.start}
        self.newest = self.start
        # Seconds spent waiting for the crawl, so that training speed can leave them out.
        self.waited_s = 0.0

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
            used = position.offset
            while used < len(ids):
                take = min(self.seq_len - len(block), len(ids) - used)
                block.extend(ids[used:used + take])
                positions.extend(range(take))
                used += take
                if len(block) == self.seq_len:
                    blocks += 1
                    after = (replace(position, offset=used, blocks=blocks) if used < len(ids)
                             else replace(position, line=position.line + 1, offset=0, blocks=blocks))
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
        `samples`; its `offset` is where to begin (non-zero only for a sample resumed midway)."""
        pos = start
        idle_since: float | None = None
        while True:
            if pos.shard is None:
                shards = self.source.list_shards()
                done = set(pos.done_shards)
                pending = [s for s in shards if s not in done]
                if pending:
                    pos = replace(pos, shard=pending[0], line=0, offset=0)
                    idle_since = None
                    continue
                idle_since = self.clock() if idle_since is None else idle_since
                if self._pass_over(bool(shards), self.clock() - idle_since, pos):
                    pos = replace(pos, epoch=pos.epoch + 1, done_shards=())
                    idle_since = None
                continue
            shard = pos.shard
            if not Path(shard).is_file():
                log.warning("data: shard %s has gone; treating it as read", shard)
            else:
                for line, text in self.source.read(shard, pos.line):
                    if text is None:
                        pos = replace(pos, line=line + 1, offset=0, skipped=pos.skipped + 1)
                        continue
                    fresh = pos.offset == 0
                    pos = replace(pos, line=line, samples=pos.samples + (1 if fresh else 0))
                    yield pos, self.encode(text)
                    pos = replace(pos, line=line + 1, offset=0)
            pos = replace(pos, done_shards=(*pos.done_shards, shard), shard=None, line=0, offset=0)

    def _pass_over(self, have_shards: bool, idle_s: float, pos: DataPosition) -> bool:
        """All listed shards are read: start the next pass now (True), or wait for more (False)."""
        if self.source.complete() and have_shards:
            if pos.samples == 0:
                raise RuntimeError("data: every line of every shard is empty or malformed")
            log.info("data: pass %d done (%d shards), starting pass %d", pos.epoch, len(pos.done_shards),
                     pos.epoch + 1)
            return True
        if self.should_stop():
            raise TrainingStopped
        if have_shards and idle_s >= self.timing.idle_timeout_s:
            log.info("data: no new shard for %.0f s (data.follow_idle_timeout_s) and the crawl is not "
                     "complete; starting pass %d over the %d shards there are", idle_s, pos.epoch + 1,
                     len(pos.done_shards))
            return True
        self.on_wait(f"waiting for data: caught up with {len(pos.done_shards)} shards, crawl still running")
        asleep_since = self.clock()
        self.sleep(self.timing.poll_interval_s)
        self.waited_s += self.clock() - asleep_since
        return False
