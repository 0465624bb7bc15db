"""One document's way to a verdict: the text pipeline with its pre-filter (text_steps.py).

Runs in the crawl's process or in a worker process (`workers: N`); what it returns is small and
picklable, so a worker sends it to the one keeper that decides what is kept.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from tandem.common.script_main import timestamped
from tandem.crawl.sources.document import LocalDocument
from tandem.crawl.text.filter_stats import StepRecord
from tandem.crawl.text.page_analysis import PageAnalysis, PageAnalyzer
from tandem.crawl.text.text_pipeline import Document

ANALYSIS_ERROR = "analysis_error"


@dataclass
class Verdict:
    url: str
    nbytes: int
    page: PageAnalysis | None  # the analysed page; None when refused before analysis
    reason: str | None  # why it was refused before analysis (an unreadable record, an error)
    # A worker's filter counts for this document (`FilterStats.drain`); empty in the crawl's process,
    # whose analyzer counts into the run's `FilterStats` directly.
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def drop_reason(self) -> str | None:
        return self.reason if self.page is None else self.page.drop_reason


class DocumentAnalyzer:
    """`analyzer`: built with the crawl's `prefilter` settings, so its first step is the pre-filter."""

    def __init__(self, analyzer: PageAnalyzer) -> None:
        self.analyzer = analyzer

    def __call__(self, doc: LocalDocument) -> Verdict:
        verdict = self._analyse(doc)
        verdict.steps = self.analyzer.stats.drain()
        return verdict

    def _analyse(self, doc: LocalDocument) -> Verdict:
        size = doc.size
        if doc.error is not None:
            return Verdict(doc.url, size, None, doc.error)
        document = Document(doc.url, body=doc.html, content_type=doc.content_type, languages=doc.languages,
                            title=doc.title, text="" if doc.html is not None else doc.text or "")
        try:
            page = self.analyzer.analyse(document)
        except Exception as exc:  # one odd document must not end the run
            print(timestamped(f"analysis failed for {doc.url}: {type(exc).__name__}: {exc}", "ERROR"),
                  file=sys.stderr)
            return Verdict(doc.url, size, None, ANALYSIS_ERROR)
        # Small messages: no links (a file source follows none), no text when it is dropped.
        return Verdict(doc.url, size, PageAnalysis(page.title, "" if page.drop_reason else page.text, [],
                                                   page.drop_reason), None)
