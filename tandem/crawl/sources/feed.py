"""The stream of verdicts the keeper consumes, produced in the crawl's own process.

`inline_feed` reads the inputs one after the other and analyses each document as it comes;
`worker_pool.process_feed` yields the same messages from N processes. Either way, the messages
of one input arrive in the input's order, which is what the resume cursor relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tandem.crawl.sources.analysis import Verdict
from tandem.crawl.sources.cursor import SourceCursor
from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.sources.inputs import InputFile, SourceError
from tandem.crawl.sources.opening import DEFAULT_LIMITS
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
class Idle:
    """Nothing arrived for a while (only from worker processes): time to tick and look at signals."""


Message = Handled | InputEnd | Idle


def pending_inputs(inputs: list[InputFile], cursor: SourceCursor) -> list[tuple[int, Any]]:
    """(input index, start position) of every input not yet finished, in order."""
    todo = []
    for index, item in enumerate(inputs):
        done, start = cursor.start(item.uri)
        if not done:
            todo.append((index, start))
    return todo


def read_one_input(
    index: int, start: Any, inputs: list[InputFile], sources: list[SourceSettings],
    analyse: Callable[[LocalDocument], Verdict], limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Handled | InputEnd]:
    item = inputs[index]
    try:
        for doc, position in read_input(item, sources[item.source], start, limits):
            yield Handled(index, position, analyse(doc))
    except SourceError as exc:
        if not exc.usage:
            raise
        yield InputEnd(index, str(exc), usage=True)  # the config is wrong for it: the crawl stops, exit 2
        return
    except (Exception, PanicException) as exc:  # one unreadable input must not end the run
        said = str(exc) if isinstance(exc, InputDamaged) else f"{type(exc).__name__}: {exc}"
        yield InputEnd(index, (said.splitlines() or [type(exc).__name__])[0][:300])
        return
    yield InputEnd(index)


def inline_feed(
    inputs: list[InputFile], sources: list[SourceSettings], cursor: SourceCursor,
    analyse: Callable[[LocalDocument], Verdict], limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Message]:
    for index, start in pending_inputs(inputs, cursor):
        yield from read_one_input(index, start, inputs, sources, analyse, limits)
