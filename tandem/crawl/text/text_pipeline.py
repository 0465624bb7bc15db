"""The text pipeline's shape: a document, a named step, and the runner that counts each step.

datatrove's shape, for one document at a time: each step takes the document, may change it
(decode, extract, clean lines, normalise) and says whether it goes on, `(keep, reason)`. The
runner stops at the first step that drops it and counts, per step, the documents that reached
it, those it dropped and its time (`FilterStats`). The web crawl, the file sources (in the
crawl's process or a worker) and the cluster executors (`crawl.cluster.steps`, one datatrove
step per step here) all run the steps that `text_steps.build_text_steps` lists: a filter added
there is run by all of them.

Steps are pure functions of the document and their settings (the extractor also learns which
lines repeat on a host), without I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_measures import PageMeasures

KEEP = (True, "ok")


@dataclass
class Document:
    """One page or record on its way through the steps; each step fills in what it makes."""

    url: str
    body: bytes | None = None  # markup not decoded yet (web pages, WARC records, HTML files)
    content_type: str | None = None
    languages: str | None = None  # languages the source identified (WARC-Identified-Content-Language)
    title: str = ""
    markup: str = ""  # the decoded markup ("" for plain text)
    text: str = ""  # plain text as read; then extracted, cleaned and finally normalised text
    links: list[str] = field(default_factory=list)
    letter_spaced_share: float = 0.0  # measured by the line rules before they rejoin letters
    # Lines a step removed, by reason (the line rules): the runner counts and clears them after the step.
    lines_removed: dict[str, int] = field(default_factory=dict)
    measures: PageMeasures | None = None  # the quality checks' statistics, computed once
    drop_reason: str | None = None  # the step that dropped it said why; None while it goes on


class Step(Protocol):
    """A named step: changes the document and/or judges it."""

    name: str

    def __call__(self, doc: Document) -> tuple[bool, str]: ...


class TextPipeline:
    def __init__(self, steps: list[Step], stats: FilterStats | None = None) -> None:
        self.steps = steps
        self.stats = stats if stats is not None else FilterStats()

    def run_one(self, doc: Document) -> Document:
        """Run the steps until one drops the document (its reason in `drop_reason`)."""
        clock, record = self.stats.clock, self.stats.record
        for step in self.steps:
            start = clock()
            keep, reason = step(doc)
            record(step.name, not keep, clock() - start)
            if doc.lines_removed:  # counted as the step left them, then cleared for the next
                for removed, count in doc.lines_removed.items():
                    self.stats.remove_lines(removed, count)
                doc.lines_removed = {}
            if not keep:
                doc.drop_reason = reason
                break
        return doc

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        """The documents every step kept."""
        for doc in docs:
            if self.run_one(doc).drop_reason is None:
                yield doc
