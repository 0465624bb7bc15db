"""Page analysis: bytes to title, normalised text, links and the quality verdict.

This is the CPU-heavy half of the pipeline (decode, extract, filters: 1-1.5 ms a page here).
The web crawl runs it on the event loop's thread (see `fetching.engine.InlineAnalyzer`).
Extraction (decode, extract, line rules, normalise) is timed as the step "extract" of the filter
stats, next to each quality filter's step; the line rules are also timed on their own
("line_rules").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor, ExtractSettings
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.normalize import normalize_text
from tandem.crawl.text.quality import QualityFilter, QualitySettings


@dataclass
class PageAnalysis:
    title: str
    text: str  # normalised: what a record stores and what its id hashes
    links: list[str]
    drop_reason: str | None  # the quality filter's reason, None when the text passes


class PageAnalyzer:
    def __init__(self, extract: ExtractSettings, quality: QualitySettings, ng_words: list[str],
                 extractor_state: dict[str, Any] | None = None, filter_stats: FilterStats | None = None) -> None:
        self.stats = filter_stats if filter_stats is not None else FilterStats()
        self.extractor = Extractor(extract)
        if extractor_state:
            self.extractor.load_state(extractor_state)
        self.quality = QualityFilter(quality, ng_words, self.stats)

    def analyse_html(self, body: bytes, content_type: str | None, url: str, title: str = "") -> PageAnalysis:
        start = self.stats.clock()
        html, _ = decode_body(body, content_type)
        page = self.extractor.extract(html, url)
        text, letter_spaced_share = self._normalize(page.text)
        self.stats.record("extract", False, self.stats.clock() - start)
        return self._judge(text, letter_spaced_share, page.title or title, page.links)

    def analyse_text(self, raw_text: str, title: str = "", links: list[str] | None = None) -> PageAnalysis:
        start = self.stats.clock()
        text, letter_spaced_share = self._normalize(raw_text)
        self.stats.record("extract", False, self.stats.clock() - start)
        return self._judge(text, letter_spaced_share, title, links)

    def _normalize(self, raw_text: str) -> tuple[str, float]:
        """The normalised text after the line rules, and its share of letter-spaced Japanese.
        The line rules read NFKC text before normalize_text collapses its spaces (and, with
        neologdn, removes those between Japanese words, which delimit a keyword run)."""
        cleaned = self.quality.clean(unicodedata.normalize("NFKC", raw_text))
        return normalize_text(cleaned.text), cleaned.letter_spaced_share

    def _judge(self, text: str, letter_spaced_share: float, title: str, links: list[str] | None) -> PageAnalysis:
        keep, reason = self.quality.check(text, letter_spaced_share)
        return PageAnalysis(title, text, links or [], None if keep else reason)

    def state_dict(self) -> dict[str, Any]:
        return self.extractor.state_dict()
