"""Where each input file's reading stands, and what a file-source run commits to the frontier.

The frontier is committed every second and at every shard commit. A file source's progress —
each input's position, the counters, the extractor's per-host state — is committed as it was at
the last moment when no kept record was waiting in the shard writer: every document before
those positions is then either dropped or in a committed shard. After a kill -9 the resume reads
on from there, and since the counters and the extractor's state are from the same moment, it
handles the documents read again exactly as the uninterrupted run did: the same records, the
same counts. (A record committed in the instant between a shard's rename and the frontier's
commit is read again and refused as an exact duplicate of the replayed shard.)

Positions are opaque here (each reader defines its own); files are keyed by URI, so adding
sources to the config later does not disturb the positions of the others. Each local file's
identity (`file_identity`) is kept beside its position, so that a position is never applied to
another file under the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tandem.crawl.crawl_stats import CrawlStats
from tandem.crawl.sources.file_identity import Identity
from tandem.crawl.storage.frontier import Frontier
from tandem.crawl.storage.sample_keeper import EXTRACTOR_KEY, STATS_KEY
from tandem.crawl.storage.shard_writer import ShardWriter

CURSOR_KEY = "source_cursor"
IDENTITY_KEY = "source_identity"  # each local input's identity when its position was taken
_DONE = "done"


class SourceCursor:
    def __init__(self, saved: dict[str, Any] | None = None, identities: dict[str, Identity] | None = None) -> None:
        self._positions: dict[str, Any] = dict(saved or {})
        self._identities: dict[str, Identity] = dict(identities or {})

    def start(self, uri: str) -> tuple[bool, Any]:
        """(already finished, position to read on from; None for the start)."""
        position = self._positions.get(uri)
        return position == _DONE, None if position == _DONE else position

    def handled(self, uri: str, position: Any) -> None:
        """A document of `uri` ending at `position` has been offered to the keeper."""
        self._positions[uri] = position

    def finished(self, uri: str) -> None:
        self._positions[uri] = _DONE

    def identity(self, uri: str) -> Identity | None:
        return self._identities.get(uri)

    def opened(self, uri: str, identity: Identity, read_again: bool) -> None:
        """The file `uri` is being read as it is now (`identity`); `read_again`: from its start,
        its old position meaning nothing in it (see `file_identity`)."""
        self._identities[uri] = identity
        if read_again:
            self._positions.pop(uri, None)

    def saved_identities(self) -> dict[str, Identity]:
        return dict(self._identities)

    def saved(self) -> dict[str, Any]:
        return dict(self._positions)

    def finished_count(self) -> int:
        return sum(1 for position in self._positions.values() if position == _DONE)


class SourceProgress:
    """The frontier meta a file-source run commits: a consistent snapshot (see above)."""

    def __init__(self, cursor: SourceCursor, writer: ShardWriter, stats: CrawlStats,
                 extractor_state: Callable[[], dict[str, Any]]) -> None:
        self._cursor = cursor
        self._writer = writer
        self._stats = stats
        self._extractor_state = extractor_state
        self._snapshot = self._take()  # as loaded: consistent by definition

    def _take(self) -> dict[str, Any]:
        return {CURSOR_KEY: self._cursor.saved(), IDENTITY_KEY: self._cursor.saved_identities(),
                STATS_KEY: self._stats.saved(),
                EXTRACTOR_KEY: self._extractor_state()}

    def save(self, frontier: Frontier) -> None:
        """The keeper's `on_save`: runs inside each commit of its progress."""
        if not self._writer.pending:
            self._snapshot = self._take()
        for key, value in self._snapshot.items():
            frontier.save_meta(key, value)
