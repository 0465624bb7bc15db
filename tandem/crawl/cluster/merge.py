"""The merge: every task's candidates through one keeper, into tandem's shards.

Exact and near dedup across all tasks and the exact target need one place that sees every
candidate; that is this step, run as a single datatrove task after the others. It is the crawl
itself (`run_crawl`) reading the candidate files as a JSONL source, with the pre-filter and the
quality filters off (the tasks applied them): the same keeper, the same shards, `_COMPLETE` at
the end, and the same resume after a kill. Candidate files are read in task order, so a merge
run again decides alike.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from tandem.contracts.exit_codes import EXIT_OK
from tandem.crawl.cluster.steps import CANDIDATES
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_run import run_crawl
from tandem.crawl.sources.source_config import SourceSettings
from tandem.crawl.text.prefilter import PrefilterSettings
from tandem.crawl.text.quality import QualitySettings


def merge_config(config: CrawlConfig) -> CrawlConfig:
    candidates = SourceSettings(path=str(Path(config.output_dir) / CANDIDATES), format="jsonl")
    return dataclasses.replace(
        config, sources=[candidates], local_sources=[], workers=1,
        prefilter=PrefilterSettings(enabled=False), quality=QualitySettings(enabled=False),
    )


class MergeToShards(PipelineStep):
    name = "tandem merge to shards"
    type = "💽 - WRITER"

    def __init__(self, config: CrawlConfig) -> None:
        super().__init__()
        self.config = config

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        status = run_crawl(merge_config(self.config), web=False, resume=True, status_file=None, out=sys.stdout)
        if status != EXIT_OK:
            raise RuntimeError(f"the merge stopped with exit status {status}; run again to resume it")
        yield from ()
