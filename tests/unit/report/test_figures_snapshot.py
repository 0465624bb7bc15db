"""A finished run's figures are fixed in its run folder and read back as they were."""

from __future__ import annotations

from pathlib import Path

from tandem.contracts.child_protocol import Progress
from tandem.report.figures import ProcessFigures, ResourceSeries, RunFigures
from tandem.report.figures_snapshot import load_figures, save_figures


def test_the_snapshot_gives_back_the_figures_it_was_made_from(tmp_path: Path) -> None:
    figures = RunFigures(
        processes={"train": ProcessFigures(
            name="train", kind="train", progress=Progress(150, 150, "steps", {"loss": 6.0787}, "done"),
            metrics={"loss": 6.0787, "checkpoint": "outputs/checkpoint-150"},
            progress_series=[(0.5, 1.0), (60.0, 150.0)], loss_series=[(1.0, 9.5), (150.0, 6.0787)],
            tokens_per_s_mean=1234.5, eval_series=[(50.0, 7.1)],
            generations={50: [{"prompt": "日本語", "text": "は"}]})},
        resources={"train": ResourceSeries([1.0, 2.0], [99.0, 101.0], [1e8, 2e8])},
        run_dir=tmp_path)
    save_figures(figures, tmp_path / "figures.json")
    assert load_figures(tmp_path / "figures.json", tmp_path) == figures


def test_a_snapshot_this_version_cannot_read_is_none(tmp_path: Path) -> None:
    (tmp_path / "figures.json").write_text('{"version": 99, "processes": {}}')
    assert load_figures(tmp_path / "figures.json", tmp_path) is None
    (tmp_path / "figures.json").write_text('{"version": 1, "processes": {"train": {}}, "resources": {}}')
    assert load_figures(tmp_path / "figures.json", tmp_path) is None
    assert load_figures(tmp_path / "missing.json", tmp_path) is None
