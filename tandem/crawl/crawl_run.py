"""One crawl run end to end: output folder, resume, the runner, signals, final files.

`run_crawl` is what `scripts/crawl.py` calls once the config is loaded. It owns the run's
lifecycle: move old output aside (`--no-auto-resume`) or resume from it, reload committed
shards, run until the target or the sources are exhausted or a signal asks to stop, commit what
is pending, and leave `stats.json`, `shards/_COMPLETE` (when finished) and the status file. How
documents arrive is the runner's part (crawl_runner.py): the web's or the file sources'.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import TextIO

from tandem.common.script_main import timestamped
from tandem.common.typed_config import ConfigError, resolved_config_path, save_resolved
from tandem.contracts.child_protocol import StatusReporter
from tandem.contracts.exit_codes import EXIT_FAILED, EXIT_OK, exit_code_for_signal
from tandem.contracts.shards import clear_complete_marker, write_complete_marker
from tandem.crawl.crawl_config import CrawlConfig
from tandem.crawl.crawl_plan import plan_crawl
from tandem.crawl.crawl_runner import CrawlRunner, StopRequest
from tandem.crawl.crawl_stats import INPUTS_FAILED, CrawlStats
from tandem.crawl.source_runner import SourceRunner
from tandem.crawl.sources.inputs import SourceError
from tandem.crawl.storage.frontier import FrontierDamaged, SQLiteFrontier
from tandem.crawl.storage.sample_keeper import EXTRACTOR_KEY, STATS_KEY, SampleKeeper
from tandem.crawl.storage.shard_writer import ShardWriter, remove_partial_shards
from tandem.crawl.text.dedup import Deduplicator
from tandem.crawl.web_runner import WebRunner
from tandem.fileio.atomic_files import atomic_write_json
from tandem.fileio.file_lock import AlreadyLocked, FileLock
from tandem.fileio.folders import describe_set_aside, move_contents_aside

FRONTIER_FILE = "frontier.sqlite"


def run_crawl(
    config: CrawlConfig,
    *,
    web: bool,
    resume: bool,
    status_file: Path | None,
    base_dir: Path | None = None,
    out: TextIO | None = None,
) -> int:
    def say(line: str, level: str = "INFO") -> None:  # sys.stdout as it is now, not at import
        print(timestamped(line, level), file=out or sys.stdout, flush=True)

    try:
        plan = plan_crawl(config, web=web, base_dir=base_dir)  # the same rules as `--check`
    except SourceError as exc:  # a remote source that cannot be listed now: not the config's fault
        print(timestamped(f"failed: {exc}", "ERROR"), file=sys.stderr, flush=True)
        return EXIT_FAILED
    output_dir = config.output_dir
    lock = _lock_output(output_dir)
    if not resume:
        moved = move_contents_aside(output_dir)
        if moved is not None:
            say(f"--no-auto-resume: moved the previous output to {describe_set_aside(moved)}")
    output_dir.mkdir(parents=True, exist_ok=True)
    save_resolved(config, resolved_config_path(output_dir, "crawl_config"))
    shards_dir = output_dir / "shards"
    remove_partial_shards(shards_dir)

    try:
        frontier = SQLiteFrontier(output_dir / FRONTIER_FILE, order=config.scheduler)
    except FrontierDamaged as exc:
        raise ConfigError(f"{exc}; move it aside and run again to resume from the committed shards "
                          "(nothing kept is lost or repeated; the web crawl starts again from its seeds), "
                          "or run with --no-auto-resume to start afresh") from None
    stats = CrawlStats(target=config.target)
    stats.restore(frontier.load_meta(STATS_KEY))
    saved_extractor = frontier.load_meta(EXTRACTOR_KEY)
    writer = ShardWriter(shards_dir, config.output.shard_size)
    runner: CrawlRunner = (WebRunner(config, plan, frontier, saved_extractor, stats.filters) if web
                           else SourceRunner(config, plan, frontier, saved_extractor, writer, stats))
    keeper = SampleKeeper(stats, Deduplicator(config.dedup, stats.filters), writer, frontier,
                          config.output.flush_interval_s, on_save=runner.save_progress)
    recovered = frontier.recover() + runner.requeue(frontier)
    replayed = keeper.replay(say)
    frontier.commit()
    if replayed or recovered:
        say(f"resuming: {replayed} records in committed shards, {recovered} URLs back in the queue")
    reporter = StatusReporter(status_file, unit="samples", total=config.target)
    stop = StopRequest()
    started = time.monotonic()
    last_line = [started]

    def tick(queue_size: int, force: bool = False) -> None:
        now = time.monotonic()
        stats.session_elapsed_s = now - started
        stats.queue_size = queue_size
        reporter.update(stats.kept, metrics=stats.metrics(), message=stats.progress_line(), force=force)
        if force or now - last_line[0] >= config.progress_interval_s:
            last_line[0] = now
            say(stats.progress_line())

    tick(frontier.queued_count(), force=True)
    finish_reason = "error"
    try:
        if keeper.reached_target:
            finish_reason = "target_reached"
        else:
            clear_complete_marker(shards_dir)
            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                finish_reason = runner.run(keeper, stop, tick, say)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if finish_reason == "exhausted" and stats.inputs_failed:
                finish_reason = INPUTS_FAILED  # not whole: a failed crawl (exit 1), resumed by a rerun
            if finish_reason == "exhausted" and stats.pages_fetched == 0:
                finish_reason = "nothing_fetched"  # not a finished crawl: a failed one (exit 1)
    finally:
        keeper.flush()
        frontier.recover()  # buffered and abandoned URLs: queued again for a later run
        tick(frontier.queued_count(), force=True)
        summary = {**stats.metrics(finish_reason), "frontier": frontier.state_counts()}
        atomic_write_json(output_dir / "stats.json", summary)
        # The last status carries the finish reason too: the supervisor's record and the report
        # read the status file, not stats.json.
        reporter.update(stats.kept, metrics=stats.metrics(finish_reason),
                        message=stats.progress_line(), force=True)
        frontier.close()
        lock.release()
    if finish_reason == INPUTS_FAILED:
        say(f"failed: {stats.end_note(finish_reason)} ({stats.kept} samples in {shards_dir})", "ERROR")
        return EXIT_FAILED
    if finish_reason == "nothing_fetched":
        say(f"failed: no page could be fetched (dropped: {dict(stats.dropped)}); no network, or sources empty?",
            "ERROR")
        return EXIT_FAILED
    if finish_reason in ("target_reached", "exhausted"):
        write_complete_marker(shards_dir, finish_reason, stats.kept, config.target)
        say(f"finished ({finish_reason}): {stats.kept} samples in {shards_dir}")
        end_note = stats.end_note(finish_reason)
        if end_note:  # below the target: say why, in one line (exit 0 all the same)
            say(end_note, "WARNING" if stats.kept == 0 else "INFO")
        return EXIT_OK
    say(f"stopped by signal {stop.signum}: {stats.kept} samples committed; run again to resume")
    return exit_code_for_signal(stop.signum)


def _lock_output(output_dir: Path) -> FileLock:
    """Hold `<output_dir>.lock` while crawling: two crawls in one folder would number their
    shards alike and replace each other's. The lock sits beside the folder, so that moving the
    folder's contents aside happens under it too. Released by the OS if the process dies."""
    lock = FileLock(output_dir.with_name(output_dir.name + ".lock"))
    try:
        lock.acquire("crawl")
    except AlreadyLocked:
        raise ConfigError(f"output_dir: {output_dir} is in use by another running crawl") from None
    return lock

