"""The crawl's JSONL shards as the trainer sees them: which exist, whether more will come, and
the usable texts inside (empty and malformed lines skipped and counted).

A shard appears under its final `*.jsonl` name only once complete (docs/shards.md), so a shard
that is listed can be read to the end; `_COMPLETE` beside the shards means no more will come, and
so does the supervisor's upstream notice (`$TANDEM_UPSTREAM_FILE`: the crawl failed for good).
The trainer never imports the crawl: these files are the whole interface.
"""

from __future__ import annotations

import glob
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from tandem.common.typed_config import ConfigError
from tandem.contracts.shards import COMPLETE_MARKER, GLOB_MAGIC, read_shard
from tandem.contracts.upstream import UpstreamFailure, read_upstream_failure, upstream_file_from_env

log = logging.getLogger(__name__)


class Sample(NamedTuple):
    """One usable line: its text, and the host of its `url` ("" when it has none), which the
    shuffle window uses to keep one site from filling a batch."""

    text: str
    host: str


class TrainingStopped(Exception):
    """A stop signal arrived while the trainer was waiting (for data); nothing to save."""


class DataSourceFailed(Exception):
    """What the trainer follows failed for good before any usable sample arrived (exit 1)."""


@dataclass
class ShardSource:
    """The files matched by `data.paths`, in name order; `follow` means the set still grows."""

    patterns: list[str]
    follow: bool
    text_field: str = "text"
    # Which of the listed shards this reader takes (the training or the held-out side of an
    # `EvalSplit`); None: all of them.
    select: Callable[[list[str]], list[str]] | None = None
    _line_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # shard → (usable, skipped)
    upstream_file: Path | None = field(default_factory=upstream_file_from_env)

    def upstream_failure(self) -> UpstreamFailure | None:
        """The supervisor's word that what writes the shards has failed for good, if it said so."""
        return read_upstream_failure(self.upstream_file) if self.follow else None

    def list_shards(self) -> list[str]:
        found: set[str] = set()
        for pattern in self.patterns:
            for name in glob.glob(pattern, recursive=True):
                if Path(name).is_file() and Path(name).name != COMPLETE_MARKER:
                    found.add(name)
        shards = sorted(found)
        return self.select(shards) if self.select is not None else shards

    def marker_dirs(self) -> set[Path]:
        """Where `_COMPLETE` may appear: each pattern's folder (or, for a globbed folder, the
        folders the shards are in)."""
        dirs: set[Path] = set()
        for pattern in self.patterns:
            parent = Path(pattern).parent
            if GLOB_MAGIC & set(str(parent)):
                dirs.update(Path(name).parent for name in glob.glob(pattern, recursive=True))
            else:
                dirs.add(parent)
        return dirs

    def complete(self) -> bool:
        """No more shards will come: always so without `follow`; else `_COMPLETE` everywhere, or
        the crawl has failed for good."""
        if not self.follow or self.upstream_failure() is not None:
            return True
        dirs = self.marker_dirs()
        return bool(dirs) and all((d / COMPLETE_MARKER).is_file() for d in dirs)

    def read(self, shard: str, start_line: int = 0) -> Iterator[tuple[int, Sample | None]]:
        """(line index, sample) from `start_line` on; None for an empty or malformed line."""
        for index, record in read_shard(shard, start_line):
            text = record.get(self.text_field) if record is not None else None
            if isinstance(text, str) and text.strip():
                url = record.get("url") if record is not None else None
                yield index, Sample(text, (urlsplit(url).hostname or "") if isinstance(url, str) else "")
            else:
                yield index, None

    def counts(self, shard: str) -> tuple[int, int]:
        """(usable, skipped) lines of a listed shard; cached, since listed shards never change."""
        if shard not in self._line_counts:
            usable = skipped = 0
            for _, text in self.read(shard):
                if text is None:
                    skipped += 1
                else:
                    usable += 1
            self._line_counts[shard] = (usable, skipped)
        return self._line_counts[shard]

    def first_texts(self, limit: int) -> list[str]:
        texts: list[str] = []
        for shard in self.list_shards():
            for _, sample in self.read(shard):
                if sample is not None:
                    texts.append(sample.text)
                    if len(texts) >= limit:
                        return texts
        return texts


def wait_for_samples(
    source: ShardSource,
    min_samples: int,
    poll_interval_s: float,
    on_wait: Callable[[str], None],
    should_stop: Callable[[], bool],
    timeout_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Block until `min_samples` usable samples exist (or, following, the crawl has finished with
    fewer); returns how many there are. Without follow nothing is waited for, and no usable sample
    at all is a one-line config error."""
    started = clock()
    while True:
        shards = source.list_shards()
        usable = sum(source.counts(s)[0] for s in shards)
        skipped = sum(source.counts(s)[1] for s in shards)
        if usable >= min_samples:
            return usable
        if source.complete():
            failure = source.upstream_failure()
            where = ", ".join(source.patterns)
            if usable:
                if failure is not None:
                    log.warning("%s: training on the %d usable samples that arrived", failure.describe(), usable)
                elif source.follow:
                    log.warning("the crawl finished with %d usable samples (< data.min_samples %d)",
                                usable, min_samples)
                return usable
            if failure is not None:
                raise DataSourceFailed(f"{failure.describe()} before any usable sample arrived in {where}: "
                                       "nothing to train on")
            if not shards:
                raise ConfigError(f"data.paths: no file matches {where}")
            raise ConfigError(f"data.paths: no usable '{source.text_field}' in {len(shards)} file(s) "
                              f"matching {where} ({skipped} empty or malformed lines skipped)")
        if should_stop():
            raise TrainingStopped
        if timeout_s is not None and clock() - started > timeout_s:
            raise ConfigError(f"data.start_timeout_s: only {usable}/{min_samples} samples after "
                              f"{timeout_s:g} s in {', '.join(source.patterns)}")
        on_wait(f"waiting for data: {usable}/{min_samples} samples")
        sleep(poll_interval_s)
