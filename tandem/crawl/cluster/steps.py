"""tandem's read → pre-filter → extract → quality filters steps as datatrove pipeline steps.

Each step calls the same functions as the crawl (`sources.reading`, `text.prefilter`,
`text.decode`, `text.extract`, `text.normalize`, `text.quality`), so a page is judged alike on a
workstation and on a cluster. Every drop is counted in datatrove's stats under the crawl's own
reason names. Task `rank` of `world_size` reads the inputs `rank, rank + world_size, ...` of the
sorted input list: disjoint, and the same on every node.

The last step of a task, `CandidateWriter`, writes what passed to `candidates/NNNNN.jsonl`,
renamed into place only when the task is complete: a task datatrove runs again replaces its
file whole. Dedup and the exact target need every task's candidates: `merge.MergeToShards`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.utils.logging import logger

from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.sources.feed import PanicException
from tandem.crawl.sources.inputs import resolve_inputs
from tandem.crawl.sources.reading import read_input
from tandem.crawl.text.decode import decode_body
from tandem.crawl.text.extract import Extractor
from tandem.crawl.text.normalize import normalize_text, text_id
from tandem.crawl.text.prefilter import prefilter_bytes, prefilter_text
from tandem.crawl.text.quality import QualityFilter
from tandem.fileio.atomic_files import atomic_write_text

CANDIDATES = "candidates"
HTML, RAW_TEXT = "html", "raw_text"


class TandemSourceReader(PipelineStep):
    name = "tandem sources"
    type = "📖 - READER"

    def __init__(self, config: CrawlConfig) -> None:
        super().__init__()
        self.config = config

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sources = self.config.source_list()
        inputs = resolve_inputs(sources)[rank::world_size]
        for item in inputs:
            try:
                for doc, _ in read_input(item, sources[item.source], None):
                    self.stat_update("documents")
                    if doc.error is not None:
                        self.stat_update(f"dropped_{doc.error}")
                        continue
                    metadata: dict[str, Any] = {"url": doc.url, "title": doc.title,
                                                "content_type": doc.content_type, "languages": doc.languages}
                    metadata[HTML if doc.html is not None else RAW_TEXT] = doc.html if doc.html is not None \
                        else doc.text
                    yield Document(text="", id=doc.key, metadata=metadata)
            except (Exception, PanicException) as exc:  # one unreadable input must not end the task
                self.stat_update("input_failed")
                logger.warning(f"{item.uri}: cannot read on ({type(exc).__name__}: {exc}); skipped")


class JapanesePrefilter(BaseFilter):
    name = "tandem Japanese pre-filter"

    def __init__(self, config: CrawlConfig) -> None:
        super().__init__()
        self.settings = config.prefilter

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        meta = doc.metadata
        if HTML in meta:
            keep, reason = prefilter_bytes(meta[HTML], self.settings, meta.get("content_type"), meta.get("languages"))
        else:
            keep, reason = prefilter_text(meta[RAW_TEXT], self.settings, meta.get("languages"))
        return True if keep else (False, reason)


class TandemExtractor(PipelineStep):
    """Decode (declared charset, then detection) and cut out the main text; normalise it."""

    name = "tandem extractor"
    type = "🛢 - EXTRACTOR"

    def __init__(self, config: CrawlConfig) -> None:
        super().__init__()
        self.settings = config.extract
        self._extractor: Extractor | None = None  # built in the task: it learns per-host state

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self._extractor = Extractor(self.settings)
        for doc in data or ():
            with self.track_time():
                meta = doc.metadata
                if HTML in meta:
                    html, _ = decode_body(meta.pop(HTML), meta.get("content_type"))
                    page = self._extractor.extract(html, meta["url"])
                    doc.text = normalize_text(page.text)
                    meta["title"] = page.title or meta.get("title", "")
                else:
                    doc.text = normalize_text(meta.pop(RAW_TEXT))
            if not doc.text:
                self.stat_update("dropped_empty")
                continue
            self.stat_update("forwarded")
            yield doc


class TandemQualityFilter(BaseFilter):
    name = "tandem quality filters"

    def __init__(self, config: CrawlConfig) -> None:
        super().__init__()
        self.settings = config.quality
        ng_words = load_ng_words(config.quality.ngwords_file) if config.quality.check_ng_words else []
        self.quality = QualityFilter(self.settings, ng_words)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        # The line rules first, as the crawl's page analysis runs them (page_analysis.py); their
        # removed lines are counted as lines_removed_REASON.
        cleaned = self.quality.clean(doc.text)
        for reason, count in cleaned.removed.items():
            self.stat_update(f"lines_removed_{reason}", value=count)
        doc.text = normalize_text(cleaned.text)
        keep, reason = self.quality.check(doc.text, cleaned.letter_spaced_share)
        return True if keep else (False, reason)


class CandidateWriter(PipelineStep):
    name = "tandem candidates"
    type = "💽 - WRITER"

    def __init__(self, output_dir: Path) -> None:
        super().__init__()
        self.folder = Path(output_dir) / CANDIDATES

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        lines = []
        for doc in data or ():
            meta = doc.metadata
            lines.append(json.dumps({"id": text_id(doc.text), "url": meta["url"], "title": meta.get("title", ""),
                                     "text": doc.text}, ensure_ascii=False) + "\n")
            self.stat_update("candidates")
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / f"{rank:05d}.jsonl", "".join(lines))
        yield from ()
