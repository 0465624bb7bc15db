"""Where each input file's reading stands, as far as it is safe to resume from.

A document's outcome is durable once it was dropped (nothing to keep) or once its record is in
a committed shard. A kept record waits in the shard writer until the next commit, so a file's
saved position never passes its first such record: after kill -9 the resumed run reads from
there again. Records that did reach a shard before the kill are read again too, and refused as
exact duplicates of the replayed shards; so nothing is lost and nothing repeated. (Counters of
dropped pages may count the pages re-read after a kill -9 twice; records, never.)

Positions are opaque to the cursor (each reader defines its own); files are keyed by URI, so
adding sources to the config later does not disturb the positions of the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CURSOR_KEY = "source_cursor"
_DONE = "done"


@dataclass
class _FileState:
    position: Any = None  # after the last handled document
    pending_from: Any = None  # before the first kept document not yet committed
    pending: bool = False
    done: bool = False


class SourceCursor:
    def __init__(self, saved: dict[str, Any] | None = None) -> None:
        self._files: dict[str, _FileState] = {}
        for uri, value in (saved or {}).items():
            self._files[uri] = _FileState(done=True) if value == _DONE else _FileState(position=value)

    def start(self, uri: str) -> tuple[bool, Any]:
        """(already finished, position to read on from)."""
        state = self._files.get(uri)
        if state is None:
            return False, None
        return state.done, state.position

    def handled(self, uri: str, position: Any, kept: bool) -> None:
        """A document of `uri` ending at `position` was dropped, or kept (waiting for a commit)."""
        state = self._files.setdefault(uri, _FileState())
        if kept and not state.pending:
            state.pending, state.pending_from = True, state.position
        state.position = position

    def finished(self, uri: str) -> None:
        self._files.setdefault(uri, _FileState()).done = True

    def committed(self) -> None:
        """Every kept record so far is in a committed shard."""
        for state in self._files.values():
            state.pending, state.pending_from = False, None

    def saved(self) -> dict[str, Any]:
        """The durable view, for the frontier's meta table."""
        out: dict[str, Any] = {}
        for uri, state in self._files.items():
            if state.pending:
                out[uri] = state.pending_from
            else:
                out[uri] = _DONE if state.done else state.position
        return out

    def finished_count(self) -> int:
        return sum(1 for state in self._files.values() if state.done and not state.pending)
