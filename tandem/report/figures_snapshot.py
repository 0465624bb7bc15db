"""A finished run's figures, fixed in its own run folder (`logs/runs/RUN_ID/figures.json`).

The files the figures come from are not the run's alone: the trainer's `metrics.jsonl` sits in
an output folder that the next run appends to or sets aside. So the figures are gathered once,
when the run has ended, and saved beside its record; every later report of that run
(`invoke report --run ID`) is built from this snapshot alone and shows the same facts.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from tandem.contracts.child_protocol import Progress
from tandem.contracts.run_record import RunRecord
from tandem.fileio.atomic_files import atomic_write_json, read_json
from tandem.report.figures import ProcessFigures, ResourceSeries, RunFigures, gather
from tandem.report.record_facts import resolve

FIGURES_SNAPSHOT = "figures.json"
SNAPSHOT_VERSION = 1


def save_figures(figures: RunFigures, path: Path) -> None:
    processes = {name: {**dataclasses.asdict(item), "progress": item.progress.to_json() if item.progress else None,
                        "generations": {str(step): answers for step, answers in item.generations.items()}}
                 for name, item in figures.processes.items()}
    resources = {name: dataclasses.asdict(series) for name, series in figures.resources.items()}
    atomic_write_json(path, {"version": SNAPSHOT_VERSION, "processes": processes, "resources": resources})


def load_figures(path: Path, run_dir: Path | None) -> RunFigures | None:
    """The snapshot at `path`, or None where there is none that this version can read."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
        return None
    try:
        processes = {name: _process(name, item) for name, item in data["processes"].items()}
        resources = {name: ResourceSeries(**series) for name, series in data["resources"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return RunFigures(processes=processes, resources=resources, run_dir=run_dir)


def _process(name: str, item: dict[str, Any]) -> ProcessFigures:
    return ProcessFigures(
        name=name, kind=item["kind"], progress=Progress.from_json(item["progress"]),
        metrics=dict(item["metrics"]),
        progress_series=_points(item["progress_series"]), loss_series=_points(item["loss_series"]),
        tokens_per_s_mean=item["tokens_per_s_mean"], eval_series=_points(item["eval_series"]),
        generations={int(step): list(answers) for step, answers in item["generations"].items()})


def _points(rows: list[list[float]]) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in rows]


def run_figures(record: RunRecord, root: Path) -> RunFigures:
    """A finished run's figures from its snapshot, made from its files the first time they are
    asked for after its end; a running run's figures from its files as they are now."""
    run_dir = resolve(record.run_dir, root)
    snapshot = run_dir / FIGURES_SNAPSHOT if run_dir is not None else None
    if record.finished and snapshot is not None:
        saved = load_figures(snapshot, run_dir)
        if saved is not None:
            return saved
    figures = gather(record, root)
    if record.finished and snapshot is not None and snapshot.parent.is_dir():
        with contextlib.suppress(OSError):  # a full disk costs the snapshot, never the report
            save_figures(figures, snapshot)
    return figures
