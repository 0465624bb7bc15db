"""The run report: `_docs/YYYY-MM-DD_parallel_train_crawl.md`, built from a run record.

The supervisor calls `write_report` at the end of every run (also after a failure or an
interruption) and `scripts/report.py` rebuilds it from any record. A report never overwrites an
earlier run's: a rebuild rewrites the file the record already names, a first build claims a free
name atomically. A run alone is named by its process (`…_train.md`, `…_crawl.md`).

A finished run's figures are fixed in its run folder the first time they are gathered after its
end (`figures_snapshot`): a rebuild shows the facts of that run, never a later run's files.

One run has one report: asked for while the run is still going, the report goes to
`_docs/live/RUN_ID.md` and claims no name; the run's end writes the real one and removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import datetime
from pathlib import Path

from tandem.contracts.run_record import RunRecord, RunState
from tandem.fileio.atomic_files import atomic_write_text
from tandem.monitor import summarize_samples
from tandem.report.figures import RunFigures
from tandem.report.figures_snapshot import run_figures
from tandem.report.plots import PLOT_NAMES, Plot, PlotsUnavailable, draw_plots
from tandem.report.record_facts import parse_time, resolve
from tandem.report.render import render, summary_line
from tandem.report.report_config import ReportSettings

__all__ = ["discard_live_report", "fix_run_figures", "is_live", "summary_line", "write_report"]

REPORT_SUFFIX = "_parallel_train_crawl"
LIVE_DIR = "live"


def write_report(record_path: Path, settings: ReportSettings, root: Path = Path(".")) -> Path:
    """Write the report for the record at `record_path`; returns its path (relative to the
    working directory when `root` and `settings.docs_dir` are). Raises RecordError when the
    record cannot be read."""
    record_path = Path(record_path)
    record = RunRecord.load(record_path)
    if record.resources is None:  # still running, or its supervisor died early
        samples = resolve(record.run_dir, root)
        if samples is not None and (samples / "resources.jsonl").is_file():
            record.resources = summarize_samples(samples / "resources.jsonl")
    figures = run_figures(record, root)
    docs_dir = resolve(settings.docs_dir, root) or Path(root)
    named = resolve(record.report, root) or (live_report_path(record, docs_dir) if is_live(record) else None)
    report_path = named or _claim_report_path(record, docs_dir)
    try:
        plots = _plots(figures, report_path, settings)
        text = render(record, record_path, figures, plots, report_path, Path(root), settings.log_tail_lines)
        atomic_write_text(report_path, text)
    except BaseException:
        if named is None:  # give the claimed name back rather than leave an empty report
            report_path.unlink(missing_ok=True)
        raise
    return report_path


def fix_run_figures(record_path: Path, root: Path = Path(".")) -> None:
    """At a run's end, report or not: fix its figures in its run folder (figures_snapshot), so
    that a report built later is about this run, whatever later runs write."""
    record = RunRecord.load(record_path)
    if record.finished:
        run_figures(record, root)


def is_live(record: RunRecord) -> bool:
    """Still going: its report is a live one, until the run's end writes the real one."""
    return record.status == RunState.RUNNING and record.report is None


def live_report_path(record: RunRecord, docs_dir: Path) -> Path:
    path = Path(docs_dir) / LIVE_DIR / f"{record.run_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def discard_live_report(record: RunRecord, docs_dir: Path) -> None:
    """Remove the run's live report and its plots, once the real report exists."""
    live = Path(docs_dir) / LIVE_DIR / f"{record.run_id}.md"
    live.unlink(missing_ok=True)
    shutil.rmtree(live.with_suffix(""), ignore_errors=True)
    with contextlib.suppress(OSError):
        live.parent.rmdir()  # only when no other run's live report is there


def _report_suffix(record: RunRecord) -> str:
    """`_parallel_train_crawl` for a parallel run; `_train` / `_crawl` for a process run alone."""
    kind = record.kind or "parallel"
    if kind == "parallel":
        return REPORT_SUFFIX
    return "_" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in kind)


def _run_start(record: RunRecord) -> datetime:
    started = parse_time(record.started_at)
    if started is not None:
        return started
    try:
        return datetime.strptime(record.run_id[:15], "%Y%m%d_%H%M%S")
    except ValueError:
        return datetime.now().astimezone()


def _claim_report_path(record: RunRecord, docs_dir: Path) -> Path:
    """The first free name of `STEM.md`, `STEM_HHMMSS.md`, `STEM_HHMMSS-2.md`, …, created
    exclusively so that two runs ending together cannot take the same file."""
    start = _run_start(record)
    stem = f"{start:%Y-%m-%d}{_report_suffix(record)}"
    docs_dir.mkdir(parents=True, exist_ok=True)
    candidates = [stem, f"{stem}_{start:%H%M%S}"]
    attempt = 2
    while True:
        for name in candidates:
            path = docs_dir / f"{name}.md"
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            return path
        candidates = [f"{stem}_{start:%H%M%S}-{attempt}"]
        attempt += 1


def _plots(figures: RunFigures, report_path: Path, settings: ReportSettings) -> list[Plot] | str:
    if not settings.plots:
        return "plots are turned off (report.plots: false)"
    folder = report_path.with_suffix("")
    try:
        drawn = draw_plots(figures, folder)
    except PlotsUnavailable as exc:
        return f"{exc}; install the report extra (pip install 'tandem[report]') to get them"
    except Exception as exc:  # a plot must never cost the report
        return f"drawing failed ({exc!r})"
    kept = {plot.path.name for plot in drawn}
    for name in PLOT_NAMES:  # a rebuild drops plots the data no longer supports
        if name not in kept:
            (folder / name).unlink(missing_ok=True)
    if not drawn and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return drawn
