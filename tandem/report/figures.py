"""The figures a report shows, gathered from the record and the files beside it.

A process is recognised as a crawl or a training by the keys of its status metrics
(`contracts.metrics`), never by its name, so a renamed process or a user's own script that
writes the same keys still gets its figures; one that writes none gets "no figures reported".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.contracts.child_protocol import Progress
from tandem.contracts.metrics import kind_of
from tandem.contracts.metrics_read import TrainLogRow, TrainMetricsView
from tandem.contracts.run_record import RunRecord
from tandem.fileio.jsonl import read_jsonl
from tandem.report.record_facts import resolve

# Plots stay readable and cheap however long the run was.
MAX_POINTS = 2000


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN
        return None
    return float(value)


def thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    return [points[int(i * step)] for i in range(MAX_POINTS)] + [points[-1]]


@dataclass
class ProcessFigures:
    name: str
    kind: str | None
    progress: Progress | None  # the last status
    metrics: dict[str, Any] = field(default_factory=dict)
    progress_series: list[tuple[float, float]] = field(default_factory=list)  # (elapsed_s, done)
    loss_series: list[tuple[float, float]] = field(default_factory=list)  # (step, loss)
    tokens_per_s_mean: float | None = None
    eval_series: list[tuple[float, float]] = field(default_factory=list)  # (step, held-out loss)
    bits_per_byte_series: list[tuple[float, float]] = field(default_factory=list)  # (step, on eval.paths)
    generations: dict[int, list[dict[str, str]]] = field(default_factory=dict)  # step → [{prompt, text}]


@dataclass
class ResourceSeries:
    elapsed_s: list[float] = field(default_factory=list)
    cpu_percent: list[float] = field(default_factory=list)
    rss_bytes: list[float] = field(default_factory=list)


@dataclass
class RunFigures:
    processes: dict[str, ProcessFigures]
    resources: dict[str, ResourceSeries]
    run_dir: Path | None


def gather(record: RunRecord, root: Path) -> RunFigures:
    run_dir = resolve(record.run_dir, root)
    history = _progress_history(run_dir / "progress.jsonl" if run_dir else None)
    figures: dict[str, ProcessFigures] = {}
    for name, proc in record.processes.items():
        past = history.get(name, _History())
        progress = proc.progress
        if progress is None and past.last is not None:  # the record missed the last status
            progress = Progress.from_json({k: past.last.get(k) for k in ("done", "total", "unit", "metrics")})
        metrics = progress.metrics if progress else {}
        item = ProcessFigures(name=name, kind=kind_of(metrics), progress=progress, metrics=metrics)
        item.progress_series = thin(past.points)
        if item.kind == "train":
            _training_history(item, past.steps, root)
        figures[name] = item
    resources = _resource_series(resolve(_samples_file(record, run_dir), root))
    return RunFigures(processes=figures, resources=resources, run_dir=run_dir)


def _samples_file(record: RunRecord, run_dir: Path | None) -> str | None:
    summary = record.resources
    if isinstance(summary, dict) and isinstance(summary.get("samples_file"), str):
        return summary["samples_file"]
    return str(run_dir / "resources.jsonl") if run_dir else None


@dataclass
class _History:
    """What the report needs from one process's lines of progress.jsonl (kept compact: the file
    gets a line per change, for as long as the run lasts)."""

    last: dict[str, Any] | None = None
    points: list[tuple[float, float]] = field(default_factory=list)  # (elapsed_s, done)
    steps: list[TrainLogRow] = field(default_factory=list)  # step, loss and tokens_per_s only


def _progress_history(path: Path | None) -> dict[str, _History]:
    history: dict[str, _History] = {}
    for entry in read_jsonl(path):
        if not isinstance(entry.get("process"), str):
            continue
        past = history.setdefault(entry["process"], _History())
        past.last = entry
        elapsed, done = number(entry.get("elapsed_s")), number(entry.get("done"))
        if elapsed is not None and done is not None:
            past.points.append((elapsed, done))
        metrics = entry.get("metrics")
        if isinstance(metrics, dict) and "loss" in metrics:
            row = TrainLogRow.read({"step": entry.get("done"), **metrics})  # `done` counts the steps if no `step`
            past.steps.append(TrainLogRow(step=row.step, loss=row.loss, tokens_per_s=row.tokens_per_s))
    return history


def _training_history(item: ProcessFigures, from_progress: list[TrainLogRow], root: Path) -> None:
    """Loss per step and mean tokens/s, from the trainer's metrics file or else the progress log."""
    metrics_file = resolve(TrainMetricsView.read(item.metrics).metrics_file, root)
    from_file = [TrainLogRow.read(row) for row in read_jsonl(metrics_file)]
    losses: dict[float, float] = {}
    speeds: dict[float, float] = {}
    for rows in (from_file, from_progress):  # the progress log only if no file rows
        for row in rows:
            _add_step(losses, speeds, row)
        if losses or speeds:
            break
    item.loss_series = thin(sorted(losses.items()))
    item.tokens_per_s_mean = sum(speeds.values()) / len(speeds) if speeds else None
    _evaluations(item, from_file)


def _evaluations(item: ProcessFigures, rows: list[TrainLogRow]) -> None:
    """Held-out loss per step, and the model's answers at each evaluation (latest per step)."""
    losses: dict[float, float] = {}
    bits_per_byte: dict[float, float] = {}
    latest_counts: dict[str, Any] = {}  # the latest line's, unless the status has them
    for row in rows:
        if row.step is None:
            continue
        step = float(row.step)
        if row.eval_loss is not None:
            losses[step] = row.eval_loss
        if row.eval_bits_per_byte is not None:
            bits_per_byte[step] = row.eval_bits_per_byte
        if row.times_read is not None:
            latest_counts["times_read"] = row.times_read
        if row.source_tokens is not None:
            latest_counts["source_tokens"] = row.source_tokens
        if row.generations is not None:
            item.generations[row.step] = row.generations
    item.eval_series = thin(sorted(losses.items()))
    item.bits_per_byte_series = thin(sorted(bits_per_byte.items()))
    item.metrics = {**latest_counts, **{k: v for k, v in item.metrics.items() if v is not None}}
    status = TrainMetricsView.read(item.metrics)
    if not item.generations and status.generations is not None:  # no file: the status
        item.generations[status.eval_step or 0] = status.generations


def _add_step(losses: dict[float, float], speeds: dict[float, float], row: TrainLogRow) -> None:
    if row.step is not None:
        # A run resumed from a checkpoint logs some steps again: the latest value of a step wins.
        if row.loss is not None:
            losses[float(row.step)] = row.loss
        if row.tokens_per_s is not None and row.tokens_per_s > 0:
            speeds[float(row.step)] = row.tokens_per_s


def _resource_series(path: Path | None) -> dict[str, ResourceSeries]:
    series: dict[str, ResourceSeries] = {}
    for sample in read_jsonl(path):
        elapsed = number(sample.get("elapsed_s"))
        procs = sample.get("processes")
        if elapsed is None or not isinstance(procs, dict):
            continue
        for name, values in procs.items():
            if not isinstance(values, dict):
                continue
            cpu, rss = number(values.get("cpu_percent")), number(values.get("rss_bytes"))
            if cpu is None or rss is None:
                continue
            entry = series.setdefault(name, ResourceSeries())
            entry.elapsed_s.append(elapsed)
            entry.cpu_percent.append(cpu)
            entry.rss_bytes.append(rss)
    return series
