"""The stream of verdicts the keeper consumes, produced in the crawl's own process.

`inline_feed` reads the inputs one after the other and analyses each document as it comes;
`worker_pool.process_feed` yields the same messages from N processes. Either way, the messages
of one input arrive in the input's order, which is what the resume cursor relies on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.crawl.sources.analysis import Verdict
from tandem.crawl.sources.cursor import SourceCursor
from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.file_identity import Identity, change_since, identity_of
from tandem.crawl.sources.inputs import InputFile, SourceError
from tandem.crawl.sources.opening import DEFAULT_LIMITS
from tandem.crawl.sources.read_guard import READS
from tandem.crawl.sources.read_limits import ReadLimits
from tandem.crawl.sources.reading import read_input
from tandem.crawl.sources.source_config import SourceSettings
from tandem.crawl.sources.warc import PanicException
from tandem.crawl.sources.wholeness import InputDamaged


@dataclass
class Handled:
    """One document's verdict, and the input's position after it."""

    input_index: int
    position: Any
    verdict: Verdict


@dataclass
class InputEnd:
    """An input read to its end (error None), or abandoned for this run (a resume tries again)."""

    input_index: int
    error: str | None = None
    usage: bool = False  # the error is the config's (`KEY: why`): no resume would read it


@dataclass
class InputOpened:
    """A local input about to be read: its identity now, and what became of its saved position."""

    input_index: int
    identity: Identity
    read_again: bool = False  # another file under the name: its old position is dropped
    note: str | None = None  # a line for the log


@dataclass
class Idle:
    """Nothing arrived for a while (only from worker processes): time to tick and look at signals."""


Message = Handled | InputEnd | InputOpened | Idle


@dataclass(frozen=True)
class Pending:
    """An input still to read: where from, and the identity its position was taken in."""

    index: int
    start: Any
    identity: Identity | None = None
    was_finished: bool = False  # read whole by an earlier run, and changed since


def pending_inputs(inputs: list[InputFile], cursor: SourceCursor) -> list[Pending]:
    """Every input not yet finished, in order; and every finished local file that changed since
    (read again from its start: `read_one_input` says so)."""
    todo = []
    for index, item in enumerate(inputs):
        done, start = cursor.start(item.uri)
        identity = cursor.identity(item.uri)
        if done and (identity is None or item.local_path is None or _unchanged(identity, item.local_path)):
            continue
        todo.append(Pending(index, None if done else start, identity, was_finished=done))
    return todo


def _unchanged(identity: Identity, path: Path) -> bool:
    try:
        return change_since(identity, path)[0] == "same"
    except OSError:
        return True  # gone since it was read whole: nothing more to read


def read_one_input(
    pending: Pending, inputs: list[InputFile], sources: list[SourceSettings],
    analyse: Callable[[LocalDocument], Verdict], limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Handled | InputEnd | InputOpened]:
    index, start = pending.index, pending.start
    item = inputs[index]
    if item.local_path is not None:
        try:
            opened = _opened(pending, item.local_path)
        except OSError:
            opened = None  # gone or unreadable: the reader says so below
        if opened is not None:
            yield opened
            start = None if opened.read_again else start
    documents = read_input(item, sources[item.source], start, limits)
    try:
        while True:
            with READS.reading():  # a stop signal ends a read that waits (read_guard)
                found = next(documents, None)
            if found is None:
                break
            doc, position = found
            yield Handled(index, position, analyse(doc))
    except SourceError as exc:
        READS.check()
        if not exc.usage:
            raise
        yield InputEnd(index, str(exc), usage=True)  # the config is wrong for it: the crawl stops, exit 2
        return
    except (Exception, PanicException) as exc:  # one unreadable input must not end the run
        READS.check()  # …but a reader that swallowed a stop does not fail its input
        said = _reason(exc, limits)
        yield InputEnd(index, (said.splitlines() or [type(exc).__name__])[0][:300])
        return
    READS.check()
    yield InputEnd(index)


def _opened(pending: Pending, path: Path) -> InputOpened:
    """Whether the saved position still belongs to this file (see `file_identity`)."""
    if pending.identity is None:
        return InputOpened(pending.index, identity_of(path))
    change, now = change_since(pending.identity, path)
    if change == "same" or (pending.start is None and not pending.was_finished):
        return InputOpened(pending.index, now)  # (no position taken in it yet: nothing to mix)
    if change == "grown" and pending.start is not None:
        return InputOpened(pending.index, now, note=(
            f"grew from {pending.identity[0]} to {now[0]} bytes with the same head since its position was saved "
            "(a download completed?): reading on from that position"))
    return InputOpened(pending.index, now, read_again=True, note=(
        "is not the file its saved position was taken in (its size, time or first 64 KiB differ): read "
        "again from its start; what was kept from it before stays, and repeats are dropped as duplicates"))


def _reason(exc: BaseException, limits: ReadLimits) -> str:
    if isinstance(exc, InputDamaged):
        return str(exc)
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):  # fsspec's FSTimeoutError says nothing
        return (f"no bytes for {limits.read_timeout_s:g} s (fetch.read_timeout_s): the server stopped "
                "sending, or never answered")
    return f"{type(exc).__name__}: {exc}"


def inline_feed(
    inputs: list[InputFile], sources: list[SourceSettings], cursor: SourceCursor,
    analyse: Callable[[LocalDocument], Verdict], limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Message]:
    for pending in pending_inputs(inputs, cursor):
        yield from read_one_input(pending, inputs, sources, analyse, limits)
