"""Page analysis: bytes to title, normalised text, links and the quality verdict.

The text pipeline (text_steps.py: decode, extract, line rules, normalise, quality filters) on
one page, plus the page's score for the priority frontier. This is the CPU-heavy half of the
crawl (1-1.5 ms a page here); the web crawl runs it on the event loop's thread (see
`fetching.engine.InlineAnalyzer`). Each step is timed and counted in the run's `FilterStats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.page_measures import PageMeasures
from tandem.crawl.text.page_score import japanese_evidence, page_score
from tandem.crawl.text.prefilter import PrefilterSettings
from tandem.crawl.text.quality import QualitySettings
from tandem.crawl.text.text_pipeline import Document, TextPipeline
from tandem.crawl.text.text_steps import build_text_steps, extractor_of


@dataclass
class PageAnalysis:
    title: str
    text: str  # normalised: what a record stores and what its id hashes
    links: list[str]
    drop_reason: str | None  # the reason of the step that dropped it, None when the text passes
    score: float = 0.0  # page_score.page_score, when the analyzer scores pages (else 0)


class PageAnalyzer:
    def __init__(self, extract: ExtractSettings, quality: QualitySettings, ng_words: list[str],
                 extractor_state: dict[str, Any] | None = None, filter_stats: FilterStats | None = None,
                 score_pages: bool = False, prefilter: PrefilterSettings | None = None) -> None:
        self.score_pages = score_pages  # for the priority frontier: costs ~0.3 ms a page
        self.settings = quality
        steps = build_text_steps(extract, quality, ng_words, prefilter, extractor_state)
        self.pipeline = TextPipeline(steps, filter_stats)
        self.stats = self.pipeline.stats
        self.extractor = extractor_of(steps)

    def analyse(self, doc: Document) -> PageAnalysis:
        self.pipeline.run_one(doc)
        score = 0.0
        if self.score_pages:
            measures = doc.measures or PageMeasures(doc.text, self.settings.preset == "technical")
            score = page_score(measures, self.settings, doc.drop_reason, japanese_evidence(doc.markup or doc.text))
        return PageAnalysis(doc.title, doc.text, doc.links, doc.drop_reason, score)

    def analyse_html(self, body: bytes, content_type: str | None, url: str, title: str = "") -> PageAnalysis:
        return self.analyse(Document(url, body=body, content_type=content_type, title=title))

    def analyse_text(self, raw_text: str, title: str = "") -> PageAnalysis:
        return self.analyse(Document("", text=raw_text, title=title))

    def state_dict(self) -> dict[str, Any]:
        return self.extractor.state_dict()
