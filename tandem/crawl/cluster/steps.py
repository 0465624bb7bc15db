"""tandem's text pipeline as datatrove pipeline steps: read → each text step → candidates.

The steps in between are the crawl's own (`text.text_steps.build_text_steps`, the one list every
executor runs), each wrapped as one datatrove step (`TextStep`), so a page is judged alike on a
workstation and on a cluster, a filter added to the crawl is run here too, and datatrove counts
each step's documents, drops (under the crawl's own reason names) and time. Task `rank` of
`world_size` reads the inputs `rank, rank + world_size, ...` of the sorted input list: disjoint,
and the same on every node.

The last step of a task, `CandidateWriter`, writes what passed to `candidates/NNNNN.jsonl`,
renamed into place only when the task is complete: a task datatrove runs again replaces its
file whole. Dedup and the exact target need every task's candidates: `merge.MergeToShards`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.sources.feed import PanicException
from tandem.crawl.sources.inputs import resolve_inputs
from tandem.crawl.sources.reading import read_input
from tandem.crawl.text import text_pipeline
from tandem.crawl.text.normalize import text_id
from tandem.crawl.text.text_pipeline import Step
from tandem.crawl.text.text_steps import build_text_steps
from tandem.fileio.atomic_files import atomic_write_text

CANDIDATES = "candidates"
PAGE = "tandem_page"  # the metadata key of the crawl's own document (text.text_pipeline.Document)


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
                    page = text_pipeline.Document(doc.url, body=doc.html, content_type=doc.content_type,
                                             languages=doc.languages, title=doc.title,
                                             text="" if doc.html is not None else doc.text or "")
                    yield Document(text="", id=doc.key, metadata={"url": doc.url, PAGE: page})
            except (Exception, PanicException) as exc:  # one unreadable input must not end the task
                self.stat_update("input_failed")
                logger.warning(f"{item.uri}: cannot read on ({type(exc).__name__}: {exc}); skipped")


def text_steps(config: CrawlConfig, ng_words: list[str]) -> list[PipelineStep]:
    """The crawl's text steps for file sources (pre-filter first), each a datatrove step.
    `ng_words`: the crawl plan's (crawl_plan.plan_crawl)."""
    return [TextStep(step) for step in build_text_steps(config.extract, config.quality, ng_words, config.prefilter)]


class TextStep(PipelineStep):
    """One step of the crawl's text pipeline. Each task runs a fresh copy of the step as built (the
    extractor learns per host), like a fresh crawl; lines the line rules remove are counted as
    `lines_removed_REASON`."""

    type = "🔻 - FILTER"

    def __init__(self, step: Step) -> None:
        self.name = f"tandem {step.name}"  # before datatrove names the step's stats after it
        super().__init__()
        self.step = step

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        step = copy.deepcopy(self.step)
        for doc in data or ():
            page: text_pipeline.Document = doc.metadata[PAGE]
            with self.track_time():
                keep, reason = step(page)
            for removed, count in page.lines_removed.items():
                self.stat_update(f"lines_removed_{removed}", value=count)
            page.lines_removed = {}
            self.stat_update("total")
            if not keep:
                self.stat_update(f"dropped_{reason}")
                continue
            self.stat_update("forwarded")
            doc.text = page.text
            yield doc


class CandidateWriter(PipelineStep):
    name = "tandem candidates"
    type = "💽 - WRITER"

    def __init__(self, output_dir: Path) -> None:
        super().__init__()
        self.folder = Path(output_dir) / CANDIDATES

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        lines = []
        for doc in data or ():
            page: text_pipeline.Document = doc.metadata[PAGE]
            lines.append(json.dumps({"id": text_id(page.text), "url": page.url, "title": page.title,
                                     "text": page.text}, ensure_ascii=False) + "\n")
            self.stat_update("candidates")
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / f"{rank:05d}.jsonl", "".join(lines))
        yield from ()
