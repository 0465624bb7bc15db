"""One document's way to a verdict: pre-filter on the raw bytes, then decode, extract, filters.

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
from tandem.crawl.text.prefilter import PrefilterSettings, prefilter_bytes, prefilter_text

ANALYSIS_ERROR = "analysis_error"
PREFILTER_STEP = "prefilter"  # its drops are counted as prefilter_language / prefilter_no_kana


@dataclass
class Verdict:
    url: str
    nbytes: int
    page: PageAnalysis | None  # the analysed page; None when refused before analysis
    reason: str | None  # why it was refused before analysis (pre-filter, unreadable record)
    # A worker's filter counts for this document (`FilterStats.drain`); empty in the crawl's process,
    # whose analyzer counts into the run's `FilterStats` directly.
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def drop_reason(self) -> str | None:
        return self.reason if self.page is None else self.page.drop_reason


class DocumentAnalyzer:
    def __init__(self, analyzer: PageAnalyzer, prefilter: PrefilterSettings) -> None:
        self.analyzer = analyzer
        self.prefilter = prefilter

    def __call__(self, doc: LocalDocument) -> Verdict:
        verdict = self._analyse(doc)
        verdict.steps = self.analyzer.stats.drain()
        return verdict

    def _analyse(self, doc: LocalDocument) -> Verdict:
        size = doc.size
        if doc.error is not None:
            return Verdict(doc.url, size, None, doc.error)
        stats = self.analyzer.stats
        start = stats.clock()
        if doc.html is not None:
            keep, reason = prefilter_bytes(doc.html, self.prefilter, doc.content_type, doc.languages)
        else:
            keep, reason = prefilter_text(doc.text or "", self.prefilter, doc.languages)
        if self.prefilter.enabled:
            stats.record(PREFILTER_STEP, not keep, stats.clock() - start)
        if not keep:
            return Verdict(doc.url, size, None, reason)
        try:
            if doc.html is not None:
                page = self.analyzer.analyse_html(doc.html, doc.content_type, doc.url, doc.title)
            else:
                page = self.analyzer.analyse_text(doc.text or "", doc.title)
        except Exception as exc:  # one odd document must not end the run
            print(timestamped(f"analysis failed for {doc.url}: {type(exc).__name__}: {exc}", "ERROR"),
                  file=sys.stderr)
            return Verdict(doc.url, size, None, ANALYSIS_ERROR)
        if page.drop_reason is not None:  # the text is not needed any more: keep messages small
            page = PageAnalysis(page.title, "", [], page.drop_reason)
        return Verdict(doc.url, size, PageAnalysis(page.title, page.text, [], page.drop_reason), None)
