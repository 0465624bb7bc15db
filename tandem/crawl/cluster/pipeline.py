"""The two datatrove stages and the executors that run them (local, Slurm, Ray)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tandem.crawl.cluster.merge import MergeToShards
from tandem.crawl.cluster.steps import CandidateWriter, TandemSourceReader, text_steps
from tandem.crawl.crawl_config import CrawlConfig

LOGS = "datatrove"


def extract_pipeline(config: CrawlConfig, ng_words: list[str]) -> list[Any]:
    """read → the crawl's text steps → candidates (stage 1, any number of tasks)."""
    return [TandemSourceReader(config), *text_steps(config, ng_words), CandidateWriter(Path(config.output_dir))]


def merge_pipeline(config: CrawlConfig) -> list[Any]:
    """exact + near dedup, exact target → tandem's shards (stage 2, one task)."""
    return [MergeToShards(config)]


def build_executors(config: CrawlConfig, ng_words: list[str], executor: str, tasks: int, workers: int,
                    options: dict[str, Any]) -> tuple[Any, Any]:
    """(stage 1, stage 2); running stage 2 runs stage 1 first (`depends`). Finished stage-1 tasks
    are skipped by the next run; the merge always runs, as a resume (a larger target goes on)."""
    logs = Path(config.output_dir) / LOGS
    if executor == "local":
        from datatrove.executor.local import LocalPipelineExecutor

        extract = LocalPipelineExecutor(extract_pipeline(config, ng_words), tasks=tasks, workers=workers,
                                        logging_dir=str(logs / "extract"), start_method="fork")
        merge = LocalPipelineExecutor(merge_pipeline(config), tasks=1, workers=1, logging_dir=str(logs / "merge"),
                                      depends=extract, skip_completed=False)
        return extract, merge
    if executor == "slurm":
        from datatrove.executor.slurm import SlurmPipelineExecutor

        extract = SlurmPipelineExecutor(extract_pipeline(config, ng_words), tasks=tasks, workers=workers,
                                        job_name="tandem-extract", logging_dir=str(logs / "extract"), **options)
        merge = SlurmPipelineExecutor(merge_pipeline(config), tasks=1, job_name="tandem-merge",
                                      logging_dir=str(logs / "merge"), depends=extract, skip_completed=False,
                                      **options)
        return extract, merge
    if executor == "ray":
        import ray
        from datatrove.executor.ray import RayPipelineExecutor

        if not ray.is_initialized():
            ray.init()  # RAY_ADDRESS=auto (or ray://...) joins a running cluster; unset starts a local one
        extract = RayPipelineExecutor(extract_pipeline(config, ng_words), tasks=tasks, workers=workers,
                                      logging_dir=str(logs / "extract"), **options)
        merge = RayPipelineExecutor(merge_pipeline(config), tasks=1, workers=1, logging_dir=str(logs / "merge"),
                                    depends=extract, skip_completed=False, **options)
        return extract, merge
    raise ValueError(f"unknown executor {executor!r}")
