"""`scripts/train.py`: flags, logging, signals, exit codes; prepare once, then train here or
under the configured launcher."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from tandem.common.overrides import Override, blame, flag_overrides, parse_sets
from tandem.common.script_main import OneLineArgumentParser, one_line_failure, record_uncaught, run_main
from tandem.common.typed_config import ConfigError
from tandem.contracts.child_protocol import ChildEnvironment, StatusReporter
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK
from tandem.fileio.disk_errors import NoSpaceLeft, full_disk_path
from tandem.train.signals import StopFlag
from tandem.train.train_check import check_training
from tandem.train.train_config import TrainConfig, load_train_config

log = logging.getLogger("tandem.train")

DEFAULT_CONFIG = "configs/training_config.yaml"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineArgumentParser(
        description="Train or fine-tune a causal LM on the crawl's JSONL shards; resumes "
        "from the newest complete checkpoint in output_dir unless told otherwise.")
    parser.add_argument("--config", default=DEFAULT_CONFIG,
                        help=f"training config YAML (default: {DEFAULT_CONFIG})")
    parser.add_argument("--max-steps", type=int, help="optimizer steps to train in all (overrides "
                        "training.max_steps)")
    parser.add_argument("--output-dir", help="where checkpoints, metrics.jsonl and final/ go (overrides "
                        "output_dir)")
    parser.add_argument("--no-auto-resume", action="store_true", help="start afresh: move output_dir's "
                        "contents to a timestamped sibling first (also: TANDEM_AUTO_RESUME=0)")
    parser.add_argument("--node-rank", type=int, help="this machine's number when training spans machines "
                        "(overrides distributed.node_rank; under Slurm: $SLURM_NODEID)")
    parser.add_argument("--rdzv-endpoint", help="host:port of node 0's rendezvous (overrides "
                        "distributed.rdzv_endpoint; under Slurm: the allocation's first host)")
    parser.add_argument("--status-file", type=Path, help="JSON progress file, replaced about once a second "
                        "(default: $TANDEM_STATUS_FILE, else none)")
    parser.add_argument("--set", action="append", dest="sets", metavar="KEY=VALUE",
                        help="override one key of the config, e.g. --set training.learning_rate=1e-4 "
                        "(repeatable; --max-steps and --output-dir win for their keys)")
    parser.add_argument("--check", action="store_true",
                        help="check the config and flags without training: exit 0, or 2 with one line")
    return parser.parse_args(argv)


def command_line_overrides(args: argparse.Namespace) -> list[Override]:
    """`--set` first, then the dedicated flags, so that a flag wins for the same key."""
    return [*parse_sets(TrainConfig, args.sets), *flag_overrides([
        ("--max-steps", "training.max_steps", args.max_steps),
        ("--output-dir", "output_dir", args.output_dir),
        ("--node-rank", "distributed.node_rank", args.node_rank),
        ("--rdzv-endpoint", "distributed.rdzv_endpoint", args.rdzv_endpoint),
    ])]


def setup_logging() -> None:
    rank = int(os.environ.get("RANK", "0"))
    prefix = f"[rank {rank}] " if "RANK" in os.environ else ""
    logging.basicConfig(stream=sys.stdout, level=logging.INFO if rank == 0 else logging.WARNING,
                        format=f"%(asctime)s %(levelname)s {prefix}%(message)s", datefmt="%Y-%m-%d %H:%M:%S",
                        force=True)
    warnings.filterwarnings("ignore", category=FutureWarning)
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_warning()
    if not sys.stderr.isatty():
        hf_logging.disable_progress_bar()  # per-save "Writing model shards" bars clutter a log file


def worker_argv(argv: list[str]) -> list[str]:
    """This program for the launcher to start as each worker, with its own flags minus the one the
    preparation has dealt with: `-m tandem.train` when started as a module (as the shipped configs
    do; torchrun and accelerate launch both take `-m`), else the script's path."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    program = ["-m", spec.name.removesuffix(".__main__")] if spec is not None else [os.path.abspath(sys.argv[0])]
    return [*program, *(a for a in argv if a != "--no-auto-resume")]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = command_line_overrides(args)
    config = load_train_config(args.config, overrides)
    if args.check:
        print(check_training(config, source=str(args.config), overrides=overrides))
        return EXIT_OK
    setup_logging()
    env = ChildEnvironment.from_environ()
    reporter = StatusReporter(args.status_file or env.status_file, unit="steps",
                              total=config.training.max_steps)
    stop = StopFlag()
    stop.install()
    # Heavy imports after the config is known to be good: a typo costs no torch start-up.
    from tandem.train.launch import exec_workers, is_worker, launcher_command
    from tandem.train.shard_source import DataSourceFailed, TrainingStopped
    from tandem.train.training_run import train
    try:
        if not is_worker():
            done = before_workers(config, env.auto_resume and not args.no_auto_resume, env.run_id, reporter, stop)
            if done is not None:
                return done
            command = launcher_command(config.launcher, config.distributed,
                                       worker_argv(sys.argv[1:] if argv is None else argv))
            if command is not None:
                log.info("starting workers: %s", " ".join(command))
                exec_workers(command)
        return train(config, reporter, stop)
    except ConfigError as exc:
        raise ConfigError(blame(str(exc), str(args.config), overrides)) from None
    except TrainingStopped:
        return stop.exit_code()
    except NoSpaceLeft as exc:
        return one_line_failure(str(exc))
    except DataSourceFailed as exc:
        log.error("%s", exc)
        reporter.update(0, force=True, message=f"failed: {exc}")
        return EXIT_FAILED
    except Exception as exc:
        full = full_disk_path(exc, config.output_dir)
        if full is not None:
            return one_line_failure(f"no space left on {full}")
        log.exception("training failed")
        record_uncaught(exc)
        return EXIT_FAILED


def before_workers(config: TrainConfig, auto_resume: bool, run_id: str | None, reporter: StatusReporter,
                   stop: StopFlag) -> int | None:
    """Node 0 locks and prepares output_dir (the lock stays held across the exec of the launcher);
    another node waits for node 0. An exit status when there is nothing to train."""
    from tandem.train.launch import wait_for_node_0
    from tandem.train.prepare import finished_at, lock_output_dir, prepare
    output_dir, max_steps, dist = config.output_dir, config.training.max_steps, config.distributed
    if dist.node_rank == 0:
        lock = lock_output_dir(output_dir)
        preparation = prepare(config, auto_resume, reporter, stop, run_id)
        if preparation.finished_step is not None:
            reporter.update(preparation.finished_step, total=max_steps, force=True, message="finished")
            return EXIT_OK
        lock.keep_across_exec()  # the process ends or becomes the launcher: either way it stays held
        return None
    assert dist.rdzv_endpoint is not None  # node_rank > 0 means several machines, which need one
    if wait_for_node_0(dist.rdzv_endpoint, stop, lambda message: reporter.update(0, total=max_steps, message=message),
                       finished=lambda: finished_at(output_dir, max_steps) is not None):
        return None
    if stop():
        return stop.exit_code()
    log.info("training already finished in %s; nothing to do", output_dir)
    return EXIT_OK


def run() -> None:
    """The console entry point `tandem-train`."""
    run_main(main)
