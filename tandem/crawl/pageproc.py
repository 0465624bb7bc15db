"""Page analysis: bytes to title, normalised text, links and the quality verdict.

This is the CPU-heavy half of the pipeline (decode, extract, filters: 1-1.5 ms a page here).
It runs on the event loop's thread. Measured on this 2-core machine against nginx, a
helper process (ProcessPoolExecutor, one or two workers) made the crawl slower, 205-340 vs
390-420 pages/s: pickling each body and its ~70 links both ways cost more CPU per page than the
second core gave back while other work shared it. `InlineAnalyzer` is the async seam where such
an offload would plug in (it must keep dedup and the keep decision in the crawl's process).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.crawl.decode import decode_body
from tandem.crawl.extract import Extractor, ExtractSettings
from tandem.crawl.normalize import normalize_text
from tandem.crawl.quality import QualityFilter, QualitySettings


@dataclass
class PageAnalysis:
    title: str
    text: str  # normalised: what a record stores and what its id hashes
    links: list[str]
    drop_reason: str | None  # the quality filter's reason, None when the text passes


class PageAnalyzer:
    def __init__(self, extract: ExtractSettings, quality: QualitySettings, base_dir: Path | None,
                 extractor_state: dict[str, Any] | None = None) -> None:
        self.extractor = Extractor(extract)
        if extractor_state:
            self.extractor.load_state(extractor_state)
        self.quality = QualityFilter(quality, base_dir=base_dir)

    def analyse_html(self, body: bytes, content_type: str | None, url: str, title: str = "") -> PageAnalysis:
        html, _ = decode_body(body, content_type)
        page = self.extractor.extract(html, url)
        return self.analyse_text(page.text, page.title or title, page.links)

    def analyse_text(self, raw_text: str, title: str = "", links: list[str] | None = None) -> PageAnalysis:
        text = normalize_text(raw_text)
        keep, reason = self.quality.check(text)
        return PageAnalysis(title, text, links or [], None if keep else reason)

    def state_dict(self) -> dict[str, Any]:
        return self.extractor.state_dict()


class InlineAnalyzer:
    """The engine's analyzer: analysis on the event loop's thread (see the module docstring)."""

    def __init__(self, analyzer: PageAnalyzer) -> None:
        self.analyzer = analyzer

    async def analyse(self, body: bytes, content_type: str | None, url: str) -> PageAnalysis:
        return self.analyzer.analyse_html(body, content_type, url)

    def state_dict(self) -> dict[str, Any]:
        return self.analyzer.state_dict()
