"""PNG plots beside the report: training loss, crawl progress, CPU and memory per process.

matplotlib is optional (the `report` extra). It is driven through its object API with the Agg
canvas, never pyplot, so it needs no display, selects no global backend and keeps no figures
alive in the supervisor process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.contracts.metrics_read import CrawlMetricsView
from tandem.report.figures import RunFigures

PLOT_NAMES = ("training_loss.png", "crawl_progress.png", "resources.png")
MIB = 1024**2


@dataclass(frozen=True)
class Plot:
    title: str
    path: Path


class PlotsUnavailable(Exception):
    """matplotlib cannot be imported; `str()` says why, for the report."""


def _canvas() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotsUnavailable(f"matplotlib is not installed ({exc.msg})") from None
    return Figure, FigureCanvasAgg


def time_axis(longest_s: float) -> tuple[float, str]:
    """(divisor, label) so that a run of seconds or of days both get readable ticks."""
    if longest_s < 120:
        return 1.0, "seconds since start"
    if longest_s < 3 * 3600:
        return 60.0, "minutes since start"
    return 3600.0, "hours since start"


def draw_plots(figures: RunFigures, folder: Path) -> list[Plot]:
    """Draw what the figures allow into `folder`; raises PlotsUnavailable without matplotlib."""
    figure_cls, canvas_cls = _canvas()
    folder.mkdir(parents=True, exist_ok=True)
    drawn: list[Plot] = []

    def save(fig: Any, name: str, title: str) -> None:
        canvas_cls(fig)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=100)
        drawn.append(Plot(title, folder / name))

    training = [p for p in figures.processes.values() if p.kind == "train" and len(p.loss_series) >= 1]
    if training:
        fig = figure_cls(figsize=(7, 3.5))
        ax = fig.add_subplot()
        for proc in training:
            steps, losses = zip(*proc.loss_series, strict=True)
            ax.plot(steps, losses, marker="." if len(steps) < 50 else None, label=f"{proc.name} training")
            if proc.eval_series:  # the held-out loss beside it, on the same steps and scale
                steps, losses = zip(*proc.eval_series, strict=True)
                ax.plot(steps, losses, marker="o", linestyle="--", label=f"{proc.name} eval (held out)")
        has_eval = any(proc.eval_series for proc in training)
        ax.set(xlabel="step", ylabel="loss", title="Training and eval loss" if has_eval else "Training loss")
        ax.grid(alpha=0.3)
        ax.legend()
        save(fig, PLOT_NAMES[0], "Training loss over steps")

    crawls = [p for p in figures.processes.values() if p.kind == "crawl" and p.progress_series]
    if crawls:
        fig = figure_cls(figsize=(7, 3.5))
        ax = fig.add_subplot()
        divisor, time_label = time_axis(max(p.progress_series[-1][0] for p in crawls))
        for proc in crawls:
            times, done = zip(*proc.progress_series, strict=True)
            ax.plot([t / divisor for t in times], done, label=f"{proc.name} kept")
            target = CrawlMetricsView.read(proc.metrics).target or (proc.progress.total if proc.progress else None)
            if target is not None and target > 0:
                ax.axhline(target, linestyle="--", color="grey", linewidth=1, label=f"{proc.name} target")
        ax.set(xlabel=time_label, ylabel="samples kept", title="Crawl: samples over time")
        ax.grid(alpha=0.3)
        ax.legend()
        save(fig, PLOT_NAMES[1], "Crawl samples over time")

    series = {name: s for name, s in figures.resources.items() if s.elapsed_s}
    if series:
        fig = figure_cls(figsize=(7, 5))
        cpu_ax, rss_ax = fig.subplots(2, 1, sharex=True)
        divisor, time_label = time_axis(max(s.elapsed_s[-1] for s in series.values()))
        for name, values in series.items():
            scaled = [t / divisor for t in values.elapsed_s]
            cpu_ax.plot(scaled, values.cpu_percent, label=name)
            rss_ax.plot(scaled, [r / MIB for r in values.rss_bytes], label=name)
        cpu_ax.set(ylabel="CPU % (100 = one core)", title="CPU and memory per process tree")
        rss_ax.set(xlabel=time_label, ylabel="RSS (MiB)")
        for ax in (cpu_ax, rss_ax):
            ax.grid(alpha=0.3)
            ax.legend()
        save(fig, PLOT_NAMES[2], "CPU and RSS per process over time")
    return drawn
