"""Run the crawl's file-source pipeline on datatrove: all cores, a Slurm cluster or a Ray cluster.

    python scripts/crawl_cluster.py --config configs/crawl_config.yaml --tasks 64 --workers 16
    python scripts/crawl_cluster.py --config ... --executor slurm --tasks 1000 --partition cpu
    RAY_ADDRESS=auto python scripts/crawl_cluster.py --config ... --executor ray --tasks 256

Stage 1 (`--tasks` tasks, `--workers` at a time): read the config's `sources`, pre-filter,
extract, quality filters; each task writes its candidates. Stage 2 (one task, after stage 1):
dedup and the exact `target` into tandem's shards under `output_dir/shards`, which `train`
follows as it follows the crawl. Run the same command again to resume: datatrove skips the
tasks it finished (`output_dir/datatrove/`), the merge resumes like the crawl. Exit codes as
the crawl's: 0 done (or, for Slurm, submitted), 2 bad config or flag, 1 failed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from tandem.common.script_main import OneLineArgumentParser
from tandem.common.typed_config import ConfigError, load_config
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import plan_crawl
from tandem.crawl.sources.inputs import SourceError
from tandem.fileio.folders import describe_set_aside, move_contents_aside

EXECUTORS = ("local", "slurm", "ray")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=Path("configs/crawl_config.yaml"),
                        help="crawl config YAML: sources, prefilter, extract, quality, dedup, target, output_dir")
    parser.add_argument("--executor", choices=EXECUTORS, default="local", help="where the tasks run (default local)")
    parser.add_argument("--tasks", type=int, default=0,
                        help="stage-1 tasks, each a disjoint share of the input files (default: one per file)")
    parser.add_argument("--workers", type=int, default=-1, help="tasks running at once (default: all; local: cores)")
    parser.add_argument("--target", type=int, help="kept samples to end with (overrides target:)")
    parser.add_argument("--output-dir", type=Path, help="output folder (overrides output_dir:)")
    parser.add_argument("--no-auto-resume", action="store_true", help="move the output folder's contents aside first")
    slurm = parser.add_argument_group("Slurm")
    slurm.add_argument("--partition", help="Slurm partition (required with --executor slurm)")
    slurm.add_argument("--time", default="24:00:00", help="time limit of each Slurm task (default 24:00:00)")
    slurm.add_argument("--cpus-per-task", type=int, default=1, help="CPUs per task (Slurm and Ray; default 1)")
    slurm.add_argument("--mem-per-cpu-gb", type=float, default=2, help="memory per CPU in GB (default 2)")
    args = parser.parse_args(argv)
    if args.tasks < 0 or args.workers == 0 or args.workers < -1:
        parser.error("--tasks and --workers must be positive")
    if args.executor == "slurm" and not args.partition:
        parser.error("--executor slurm needs --partition")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {"target": args.target, "output_dir": str(args.output_dir) if args.output_dir else None}
    config = load_config(CrawlConfig, args.config, overrides)
    try:
        from tandem.crawl.cluster.pipeline import build_executors
    except ImportError as exc:
        raise ConfigError(f"--executor {args.executor}: {exc} (pip install 'tandem[cluster]')") from None
    try:  # the crawl's own rules for a file-source crawl (its `--check`), then the same steps
        plan = plan_crawl(config, web=False)
    except ConfigError as exc:
        raise ConfigError(f"{args.config}: {exc}") from None
    except SourceError as exc:  # a remote source that cannot be listed now
        print(f"[crawl-cluster] failed: {exc}", flush=True)
        return EXIT_FAILED
    inputs = plan.inputs
    if not args.no_auto_resume and os.environ.get("TANDEM_AUTO_RESUME") == "0":
        args.no_auto_resume = True
    if args.no_auto_resume:
        moved = move_contents_aside(Path(config.output_dir))
        if moved is not None:
            print(f"[crawl-cluster] --no-auto-resume: moved the previous output to {describe_set_aside(moved)}",
                  flush=True)
    tasks = args.tasks or len(inputs)
    _, merge = build_executors(config, plan.ng_words, args.executor, tasks, args.workers, _executor_options(args))
    print(f"[crawl-cluster] {len(inputs)} inputs in {tasks} tasks on {args.executor}; shards in "
          f"{Path(config.output_dir) / 'shards'}", flush=True)
    try:
        merge.run()
    except RuntimeError as exc:
        print(f"[crawl-cluster] failed: {exc}", flush=True)
        return EXIT_FAILED
    return EXIT_OK


def _executor_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.executor == "slurm":
        return {"partition": args.partition, "time": args.time, "cpus_per_task": args.cpus_per_task,
                "mem_per_cpu_gb": args.mem_per_cpu_gb}
    if args.executor == "ray":
        return {"cpus_per_task": args.cpus_per_task, "mem_per_cpu_gb": args.mem_per_cpu_gb}
    return {}
