"""Which shards are held out for evaluation: decided once per shard, kept, never trained on.

A shard is decided the first time it is listed (shards in name order, so in the crawl's order):
the n-th shard decided is held out when it brings the held-out count to round((n - 1) × share),
so the first shard always trains and the share holds however many shards a followed crawl adds.
Decisions are written to `output_dir/eval_split.json` before the shard is read, so a resume, a
restart or a shard that sorts before earlier ones can never move a shard from one side to the
other. Only the process that reads the data (rank 0) decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json, read_json

SPLIT_FILE = "eval_split.json"


def held_out_count(decided: int, share: float) -> int:
    """Shards held out among the first `decided` shards."""
    if decided < 1 or share <= 0:
        return 0
    return math.floor((decided - 1) * share + 0.5 + 1e-9)


@dataclass
class EvalSplit:
    """The split of shard paths (as `data.paths` lists them) into training and held-out."""

    share: float
    path: Path | None = None  # where decisions are kept; None: in memory only (tests, share 0)
    order: list[str] = field(default_factory=list)  # every decided shard, in the order decided
    held_out: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, output_dir: Path, share: float) -> EvalSplit:
        """The split kept in `output_dir`, or a new one. A changed share applies to new shards only:
        a decided shard stays where it is."""
        path = output_dir / SPLIT_FILE
        saved: Any = read_json(path)
        split = cls(share=share, path=path)
        if isinstance(saved, dict) and isinstance(saved.get("order"), list):
            split.order = [str(name) for name in saved["order"]]
            split.held_out = {str(name) for name in saved.get("held_out", [])} & set(split.order)
        return split

    def decide(self, shards: list[str]) -> None:
        """Decide every shard not decided yet (in the order given) and keep the result."""
        known = set(self.order)
        new = [shard for shard in shards if shard not in known]
        if not new:
            return
        for shard in new:
            self.order.append(shard)
            if len(self.held_out) < held_out_count(len(self.order), self.share):
                self.held_out.add(shard)
        if self.path is not None:
            atomic_write_json(self.path, {"share": self.share, "order": self.order,
                                          "held_out": [s for s in self.order if s in self.held_out]})

    def training(self, shards: list[str]) -> list[str]:
        self.decide(shards)
        return [shard for shard in shards if shard not in self.held_out]

    def evaluation(self, shards: list[str]) -> list[str]:
        self.decide(shards)
        return [shard for shard in shards if shard in self.held_out]
