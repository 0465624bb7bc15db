"""The report document: summary, process table, errors, figures, resources, plots and files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.contracts.child_protocol import Progress
from tandem.contracts.metrics_read import CrawlMetricsView, TrainMetricsView
from tandem.contracts.run_record import ProcessState, RunRecord, RunState
from tandem.report.errors import errors_section
from tandem.report.figures import ProcessFigures, RunFigures, number
from tandem.report.markdown import code, inline, link, table
from tandem.report.plots import Plot
from tandem.report.record_facts import (
    format_bytes,
    format_duration,
    format_exit,
    format_number,
    format_time,
    resolve,
    seconds_between,
)


def run_duration(record: RunRecord) -> float | None:
    end = record.ended_at
    if not end and record.status == RunState.RUNNING:
        end = datetime.now().astimezone().isoformat()
    return seconds_between(record.started_at, end)


def summary_line(record: RunRecord) -> str:
    """One line for logs, notifications and the report's top, e.g.
    `tandem run 20261128_140000: failed in 3m12s — train succeeded, crawl failed (exit 3)`."""
    status = record.status
    took = format_duration(run_duration(record))
    head = f"tandem run {record.run_id}: {status} "
    head += f"for {took}" if status == RunState.RUNNING else f"in {took}"
    parts = []
    for name, proc in record.processes.items():
        part = f"{name} {proc.status}"
        if proc.status == ProcessState.FAILED and proc.exit_code not in (None, 0):
            part += f" (exit {format_exit(proc.exit_code)})"
        count = proc.restarts
        if count:
            part += f" after {count} restart{'s' if count != 1 else ''}"
        parts.append(part)
    return head + (" — " + ", ".join(parts) if parts else "")


def render(record: RunRecord, record_path: Path, figures: RunFigures, plots: list[Plot] | str,
           report_path: Path, root: Path, tail_lines: int) -> str:
    """The whole Markdown text. `plots` is the drawn plots, or why there are none."""
    base = report_path.parent
    title = f"tandem run {record.run_id} — {record.status}"
    out = [f"# {inline(title)}", "",
           f"**{inline(summary_line(record))}**", ""]
    if record.status == RunState.RUNNING and record.report is None:
        out += ["> **Live report**, written while the run is still going. The run's end writes the "
                "final report and removes this one.", ""]
    out += [table(["Run", ""], [
        ["Kind", inline(record.kind or "–")],
        ["Status", inline(record.status)],
        ["Exit code", inline(format_exit(record.exit_code))],
        ["Started", inline(format_time(record.started_at, with_offset=True))],
        ["Ended", inline(format_time(record.ended_at, with_offset=True))],
        ["Duration", format_duration(run_duration(record))],
        *_settings_rows(record),
    ]), ""]
    out += _process_table(record), ""
    out += errors_section(record, root, base, tail_lines)
    out += _figures_section(figures, root, base)
    out += _resources_section(record)
    out += _plots_section(plots, base)
    out += _files_section(record, record_path, figures, root, base)
    return "\n".join(out).rstrip() + "\n"


def _settings_rows(record: RunRecord) -> list[list[str]]:
    """How the run was started, where the record says (older or foreign records may not)."""
    rows = []
    if record.config_file:
        rows.append(["Config", code(record.config_file)])
    if record.auto_resume is not None:
        rows.append(["Auto-resume", "on" if record.auto_resume else "off"])
    return rows


def _process_table(record: RunRecord) -> str:
    usage = record.resources.get("processes") if record.resources else None
    rows = []
    for name, proc in record.processes.items():
        peaks = usage.get(name, {}) if isinstance(usage, dict) else {}
        cpu = number(peaks.get("mean_cpu_percent")) if isinstance(peaks, dict) else None
        rows.append([
            code(name), inline(proc.status), inline(format_exit(proc.exit_code)),
            str(proc.restarts), inline(format_time(proc.started_at)), inline(format_time(proc.ended_at)),
            format_duration(seconds_between(proc.started_at, proc.ended_at)),
            format_bytes(peaks.get("peak_rss_bytes")) if isinstance(peaks, dict) else "–",
            f"{cpu:.1f} %" if cpu is not None else "–",
            _progress_cell(proc.progress),
        ])
    header = ["Process", "Status", "Exit code", "Restarts", "Start", "End", "Duration", "Peak RSS",
              "Mean CPU", "Progress"]
    return "## Processes\n\n" + table(header, rows, ["l", "l", "r", "r", "l", "l", "r", "r", "r", "l"])


def _progress_cell(progress: Progress | None) -> str:
    if progress is None or progress.done is None:
        return "–"
    text = format_number(progress.done) + (f" / {format_number(progress.total)}" if progress.total is not None else "")
    return inline(f"{text} {progress.unit}".strip())


def _figures_section(figures: RunFigures, root: Path, base: Path) -> list[str]:
    out = ["## Figures", ""]
    for proc in figures.processes.values():
        kind = {"crawl": "crawl", "train": "training"}.get(proc.kind or "", "")
        out += [f"### {code(proc.name)}" + (f" — {kind}" if kind else ""), ""]
        if proc.kind == "crawl":
            out += _crawl_figures(proc)
        elif proc.kind == "train":
            out += _train_figures(proc, root, base)
        else:
            out.append("No figures reported (the process writes no known metrics).")
            cell = _progress_cell(proc.progress)
            if cell != "–":
                out.append(f"Last progress: {cell}.")
            out.append("")
        message = proc.progress.message if proc.progress else ""
        if message:
            out += [f"Last status message: {inline(message)}", ""]
    return out


def _known(rows: list[list[str]]) -> list[list[str]]:
    """Rows with a value: a figure the process does not report is left out, not shown as a dash."""
    return [row for row in rows if row[1] not in ("–", "– / –", "– exact / – near")] or rows[:1]


def _crawl_figures(proc: ProcessFigures) -> list[str]:
    progress = proc.progress or Progress()
    m = CrawlMetricsView.read(proc.metrics)
    kept = m.kept if m.kept is not None else progress.done  # a crawl of its own may report only `done`
    target = m.target if m.target is not None else progress.total
    share = f" ({100 * kept / target:.1f} %)" if kept is not None and target else ""
    dupes = f"{format_number(m.duplicates_exact)} exact / {format_number(m.duplicates_near)} near"
    if m.duplicates_contained:
        dupes += f" / {format_number(m.duplicates_contained)} contained"
    rows = [
        ["Kept / target", f"{format_number(kept)} / {format_number(target)}{share}"],
        ["Finish reason", inline(m.finish_reason or "–")],
        ["Pages fetched", format_number(m.pages_fetched)],
        ["Pages/s", format_number(m.pages_per_s, 3)],
        ["Fetched per kept page", format_number(m.fetched_per_kept, 2)],
        ["Queue size", format_number(m.queue_size)],
        ["Duplicates", dupes],
        ["Bytes fetched", format_bytes(m.bytes_fetched)],
        ["Elapsed", format_duration(m.elapsed_s)],
    ]
    out = [table(["Figure", "Value"], _known(rows), ["l", "r"]), ""]
    if m.end_note:  # ended below its target (or kept nothing): the crawl's own one line
        out += [f"**Ended below its target:** {inline(m.end_note)}", ""]
    if m.dropped:
        ordered = sorted(m.dropped.items(), key=lambda kv: -kv[1])
        rows = [[inline(k), format_number(v)] for k, v in ordered]
        out += ["Dropped, by reason:", "", table(["Reason", "Pages"], rows, ["l", "r"]), ""]
    elif m.dropped is not None:
        out += ["Dropped, by reason: none.", ""]
    return out


def _train_figures(proc: ProcessFigures, root: Path, base: Path) -> list[str]:
    progress = proc.progress or Progress()
    m = TrainMetricsView.read(proc.metrics)
    step = m.step if m.step is not None else progress.done  # a trainer of its own may report only `done`
    max_steps = m.max_steps if m.max_steps is not None else progress.total
    final = proc.loss_series[-1][1] if proc.loss_series else m.loss
    best = min(proc.loss_series, key=lambda point: point[1]) if proc.loss_series else None
    best_text = f"{format_number(best[1])} (step {format_number(int(best[0]))})" if best else "–"
    speed = format_number(m.tokens_per_s, 1)
    if proc.tokens_per_s_mean is not None:
        speed += f" (mean {format_number(proc.tokens_per_s_mean, 1)})"
    rows = [
        ["Steps", f"{format_number(step)} / {format_number(max_steps)}"],
        ["Final loss", format_number(final)],
        ["Best loss", best_text],
        ["Learning rate (last)", format_number(m.learning_rate, 3)],
        ["Tokens/s (last)", speed],
        ["Samples seen", format_number(m.samples_seen)],
        *_eval_rows(proc, m, root, base),
        ["Newest checkpoint", _path_link(m.checkpoint, root, base)],
        ["Metrics file", _path_link(m.metrics_file, root, base)],
        ["Output folder", _path_link(m.output_dir, root, base)],
    ]
    return [table(["Figure", "Value"], _known(rows), ["l", "r"]), "", *_generations(proc)]


def _eval_rows(proc: ProcessFigures, m: TrainMetricsView, root: Path, base: Path) -> list[list[str]]:
    """Held-out loss and perplexity (last and best), and the best checkpoint by it."""
    last = proc.eval_series[-1] if proc.eval_series else None
    best = min(proc.eval_series, key=lambda point: point[1]) if proc.eval_series else None
    return [
        ["Eval loss (last)", f"{format_number(last[1])} (step {format_number(int(last[0]))})" if last else "–"],
        ["Eval perplexity (last)", format_number(m.eval_perplexity) if m.eval_perplexity is not None else "–"],
        ["Best eval loss", f"{format_number(best[1])} (step {format_number(int(best[0]))})" if best else "–"],
        ["Best checkpoint", _path_link(m.best_checkpoint, root, base)],
        *_held_out_text_rows(proc),
        ["Times samples were read", _times_read(m.times_read)],
        ["Tokens drawn, by source", _source_tokens(m.source_tokens)],
    ]


def _held_out_text_rows(proc: ProcessFigures) -> list[list[str]]:
    """Bits per UTF-8 byte on the user's held-out texts (eval.paths), first and last."""
    series = proc.bits_per_byte_series
    if not series:
        return []
    (first_step, first), (last_step, last) = series[0], series[-1]
    return [["Held-out texts, bits/byte (last)", f"{format_number(last, 4)} (step {format_number(int(last_step))})"],
            ["Held-out texts, bits/byte (first)", f"{format_number(first, 4)} (step {format_number(int(first_step))})"]]


def _times_read(counts: dict[str, int] | None) -> str:
    """`1×: 480 · 2×: 120`: usable samples by the times they were read (a pass under way not counted)."""
    if not counts:
        return "–"
    parts = [(int(times), count) for times, count in counts.items() if times.isdigit()]
    return " · ".join(f"{times}×: {format_number(count)}" for times, count in sorted(parts))


def _source_tokens(tokens: dict[str, int] | None) -> str:
    if not tokens:
        return "–"
    values = {name: float(count) for name, count in tokens.items()}
    total = sum(values.values()) or 1.0
    return " · ".join(f"{inline(name)} {format_number(int(count))} ({100 * count / total:.0f} %)"
                      for name, count in values.items())


def _generations(proc: ProcessFigures) -> list[str]:
    """What the model answered to the prompts at its first and its latest evaluation."""
    if not proc.generations:
        return []
    steps = sorted(proc.generations)
    shown = [steps[0], steps[-1]] if len(steps) > 1 else steps
    out = ["What the model says (greedy, at the first and the latest evaluation):", ""]
    rows = [[format_number(step), inline(answer["prompt"]),
             inline(whole_characters(answer["text"]).strip() or "(nothing)")]
            for step in shown for answer in proc.generations[step]]
    return [*out, table(["Step", "Prompt", "Continuation"], rows, ["r", "l", "l"]), ""]


def whole_characters(text: str) -> str:
    """The text up to its first U+FFFD: what a decoder shows for a cut or invalid UTF-8 sequence
    (answers recorded before the trainer cut them to whole characters)."""
    return text.split("\ufffd", 1)[0]


def _path_link(value: Any, root: Path, base: Path) -> str:
    path = resolve(value, root) if isinstance(value, str) else None
    if path is None:
        return "–"
    return link(inline(value), path, base) + ("" if path.exists() else " (not found)")


def _resources_section(record: RunRecord) -> list[str]:
    summary = record.resources
    out = ["## Resources", "", *_placement(record)]
    if not isinstance(summary, dict) or not summary.get("samples"):
        return [*out, "No resource samples (monitoring off, or the run ended before the first sample).", ""]
    raw_system = summary.get("system")
    system: dict[str, Any] = raw_system if isinstance(raw_system, dict) else {}
    out.append(f"{format_number(summary.get('samples'))} samples every "
               f"{format_number(summary.get('interval_s'))} s. "
               f"System: mean CPU {format_number(system.get('mean_cpu_percent'), 3)} %, peak memory "
               f"{format_number(system.get('peak_memory_percent'), 3)} %.")
    disks = system.get("min_free_disk_bytes")
    if isinstance(disks, dict) and disks:
        lowest = ", ".join(f"{code(k)} {format_bytes(v)}" for k, v in disks.items())
        out.append(f"Lowest free disk: {lowest}.")
    out.append("")
    rows = []
    for name, p in (summary.get("processes") or {}).items():
        if not isinstance(p, dict):
            continue
        gpu = format_bytes(p["peak_gpu_memory_bytes"]) if "peak_gpu_memory_bytes" in p else "–"
        rows.append([code(name), format_bytes(p.get("peak_rss_bytes")), format_bytes(p.get("mean_rss_bytes")),
                     format_number(p.get("peak_cpu_percent"), 3), format_number(p.get("mean_cpu_percent"), 3),
                     format_number(p.get("peak_threads")), format_number(p.get("peak_open_files")),
                     format_bytes(p.get("read_bytes")), format_bytes(p.get("write_bytes")), gpu])
    if rows:
        header = ["Process tree", "Peak RSS", "Mean RSS", "Peak CPU %", "Mean CPU %", "Peak threads",
                  "Peak open files", "Disk read", "Disk written", "Peak GPU memory"]
        out += [table(header, rows, ["l"] + ["r"] * 9), ""]
    warnings = [w for w in summary.get("warnings") or [] if isinstance(w, str)]
    if warnings:
        out += ["Warnings:", "", *[f"- {inline(w)}" for w in warnings], ""]
    return out


def _placement(record: RunRecord) -> list[str]:
    """What each process was given (parallel.yaml `resources`), where the record says."""
    given = [f"{code(name)} {proc.resources.describe()}"
             for name, proc in record.processes.items() if proc.resources is not None]
    return [f"Given: {'; '.join(given)}.", ""] if given else []


def _plots_section(plots: list[Plot] | str, base: Path) -> list[str]:
    out = ["## Plots", ""]
    if isinstance(plots, str):
        return [*out, f"No plots: {inline(plots)}.", ""]
    if not plots:
        return [*out, "No plots: the run left no series to draw.", ""]
    for plot in plots:
        out += [f"!{link(inline(plot.title), plot.path, base)}", ""]
    return out


def _files_section(record: RunRecord, record_path: Path, figures: RunFigures, root: Path,
                   base: Path) -> list[str]:
    entries: list[tuple[str, str | None]] = [("Run record", str(record_path)),
                                             ("Supervisor log", record.supervisor_log)]
    for name, proc in record.processes.items():
        entries.append((f"Log of {name}", proc.log_file))
    run_dir = record.run_dir
    if figures.run_dir is not None and run_dir:
        for file_name, label in (("progress.jsonl", "Progress history"),
                                 ("resources.jsonl", "Resource samples")):
            if (figures.run_dir / file_name).exists():
                entries.append((label, f"{run_dir.rstrip('/')}/{file_name}"))
    out = ["## Files", ""]
    for label, value in entries:
        path = resolve(value, root)
        if path is None:
            continue
        missing = "" if path.exists() else " (not found)"
        out.append(f"- {inline(label)}: {link(inline(value), path, base)}{missing}")
    return [*out, ""]
