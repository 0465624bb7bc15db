"""The report's content, field by field, from realistic records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tandem.contracts.run_record import RunRecord
from tandem.report import summary_line, write_report
from tandem.report.markdown import inline
from tandem.report.report_config import ReportSettings

NO_PLOTS = ReportSettings(plots=False)


def build(run, settings: ReportSettings = NO_PLOTS) -> tuple[Path, str]:
    report = write_report(run.save(), settings, root=run.root)
    return report, report.read_text(encoding="utf-8")


def test_success_table_row_by_row(run, md, metrics) -> None:
    run.process("train", progress={"done": 60, "total": 60, "unit": "steps", "metrics": metrics["train"]()})
    run.process("crawl", ended=100, progress={"done": 500, "total": 500, "unit": "samples",
                                              "metrics": metrics["crawl"](kept=500)})
    run.record["resources"] = {"samples": 3, "interval_s": 5.0, "processes": {
        "train": {"peak_rss_bytes": 300 * 2**20, "mean_rss_bytes": 200 * 2**20, "mean_cpu_percent": 97.26,
                  "peak_cpu_percent": 120.0}}, "system": {}, "warnings": []}
    report, text = build(run)

    assert report == run.root / "_docs" / "2026-11-28_parallel_train_crawl.md"
    assert text.startswith("# tandem run 20261128\\_140000 — succeeded\n")
    rows = {row["Process"]: row for row in md.table_after(text, "Process")}
    assert rows["train"] == {"Process": "train", "Status": "succeeded", "Exit code": "0", "Restarts": "0",
                             "Start": "2026-11-28 14:00:00", "End": "2026-11-28 14:03:12", "Duration": "3m12s",
                             "Peak RSS": "300.0 MiB", "Mean CPU": "97.3 %", "Progress": "60 / 60 steps"}
    assert rows["crawl"]["Duration"] == "1m40s"
    assert rows["crawl"]["Peak RSS"] == "–" and rows["crawl"]["Mean CPU"] == "–"
    assert "None: no process failed or was restarted." in text
    assert summary_line(RunRecord.from_json(run.record)) == \
        "tandem run 20261128_140000: succeeded in 3m12s — train succeeded, crawl succeeded"
    run_rows = {row["Run"]: row[""] for row in md.table_after(text, "Run")}
    assert run_rows["Exit code"] == "0" and run_rows["Duration"] == "3m12s" and run_rows["Kind"] == "parallel"
    assert run_rows["Started"] == "2026-11-28 14:00:00 +00:00"
    assert "Config" not in run_rows  # this record does not say


def test_the_run_table_shows_how_the_run_was_started(run, md) -> None:
    run.process("train")
    # An older record's `web_crawl` is read without complaint (the choice is now in the command).
    run.record.update(config_file="configs/parallel.yaml", auto_resume=False, web_crawl=True)
    _, text = build(run)
    run_rows = {row["Run"]: row[""] for row in md.table_after(text, "Run")}
    assert (run_rows["Config"], run_rows["Auto-resume"]) == ("configs/parallel.yaml", "off")
    assert "Web crawl" not in run_rows


def test_failure_exit_3_names_root_cause_and_fences_the_log(run, md, at_time) -> None:
    run.process("train")
    tail = ["loading shards", "Traceback (most recent call last):", "RuntimeError: disk quota exceeded"]
    run.process("crawl", status="failed", exit_code=3, ended=95,
                error={"reason": "exit code 3; auto-resume is off", "log_tail": tail},
                attempts=[{"pid": 7, "started_at": at_time(0), "ended_at": at_time(95), "exit_code": 3,
                           "uptime_s": 95.0, "reason": "exit code 3; auto-resume is off", "log_tail": tail}])
    run.record.update(status="failed", exit_code=1)
    _, text = build(run)

    assert ("**Root cause:** `crawl` failed first — exit 3 at 2026-11-28 14:01:35: exit code 3; "
            "auto-resume is off. Its log says:\n\n> RuntimeError: disk quota exceeded\n") in text
    assert md.fences(text) == ["\n".join(tail) + "\n"]
    assert "### `crawl` — failed, exit 3" in text
    assert "Last 3 lines of [logs/crawl\\_20261128\\_140000.log](../logs/crawl_20261128_140000.log):" in text
    assert summary_line(RunRecord.from_json(run.record)) == \
        "tandem run 20261128_140000: failed in 3m12s — train succeeded, crawl failed (exit 3)"


def test_restarts_show_every_attempt_and_the_first_crash_is_the_root_cause(run, md, at_time) -> None:
    attempts = [
        {"pid": 11, "started_at": at_time(0), "ended_at": at_time(4), "exit_code": 1, "uptime_s": 4.0,
         "reason": "exit code 1 after a failed start (up 4.0s); restart in 5s", "log_tail": ["crash number 1"]},
        {"pid": 12, "started_at": at_time(9), "ended_at": at_time(30), "exit_code": -9, "uptime_s": 21.0,
         "reason": "killed by signal 9 after a healthy run; restart in 5s", "log_tail": ["oom", "killed"]},
        {"pid": 13, "started_at": at_time(35), "ended_at": at_time(192), "exit_code": 0, "uptime_s": 157.0,
         "reason": "exited 0"},
    ]
    run.process("train", attempts=attempts, error={"reason": "killed by signal 9", "log_tail": ["oom", "killed"]})
    run.process("crawl")
    _, text = build(run)

    rows = md.table_after(text, "Attempt")
    assert [r["Exit code"] for r in rows] == ["1", "-9 (SIGKILL)", "0"]
    assert [r["PID"] for r in rows] == ["11", "12", "13"]
    assert rows[1]["Uptime"] == "21s" and rows[0]["Reason"].startswith("exit code 1 after a failed start")
    assert md.fences(text) == ["crash number 1\n", "oom\nkilled\n"]
    assert "**Root cause:** `train` crashed and was restarted first — exit 1 at 2026-11-28 14:00:04" in text
    assert "### `train` — succeeded, exit 0, 2 restarts" in text
    assert summary_line(RunRecord.from_json(run.record)).endswith("train succeeded after 2 restarts, crawl succeeded")


def test_interrupted_run_is_not_blamed_on_the_stopped_children(run, at_time) -> None:
    for name in ("train", "crawl"):
        run.process(name, status="stopped", exit_code=-15, ended=50,
                    attempts=[{"pid": 5, "started_at": at_time(0), "ended_at": at_time(50), "exit_code": -15,
                               "uptime_s": 50.0, "reason": "stopped on request"}])
    run.record.update(status="interrupted", exit_code=130, ended_at=at_time(51))
    _, text = build(run)

    assert "Root cause" not in text
    assert "The run was **interrupted** before it finished" in text
    assert "Stopped: `train`, `crawl`." in text
    assert summary_line(RunRecord.from_json(run.record)) == \
        "tandem run 20261128_140000: interrupted in 51s — train stopped, crawl stopped"


def test_crawl_figures_are_found_by_metric_keys_not_by_name(run, md, metrics) -> None:
    run.process("fetcher", progress={"done": 290, "total": 500, "unit": "samples",
                                     "metrics": metrics["crawl"](finish_reason="target reached"),
                                     "message": "fetching"})
    _, text = build(run)

    assert "### `fetcher` — crawl" in text
    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures == {"Kept / target": "290 / 500 (58.0 %)", "Finish reason": "target reached",
                       "Pages fetched": "800", "Pages/s": "8.25", "Queue size": "12",
                       "Duplicates": "20 exact / 7 near", "Bytes fetched": "11.8 MiB", "Elapsed": "1m40s"}
    dropped = md.table_after(text, "Reason")
    assert [(r["Reason"], r["Pages"]) for r in dropped] == [("not_japanese", "300"), ("too_short", "150"),
                                                            ("robots", "60")]
    assert "Last status message: fetching" in text


def test_crawl_efficiency_is_shown_as_pages_fetched_per_kept_page(run, md, metrics) -> None:
    run.process("crawl", progress={"done": 290, "total": 500, "unit": "samples",
                                   "metrics": metrics["crawl"](fetched_per_kept=2.76)})
    _, text = build(run)

    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Fetched per kept page"] == "2.76"


def test_training_figures_come_from_the_metrics_file(run, md, metrics) -> None:
    rows = [{"step": s, "loss": loss, "learning_rate": 3e-4, "tokens_per_s": tps}
            for s, loss, tps in [(10, 4.0, 1000.0), (20, 2.5, 1100.0), (30, 1.9, 1200.0), (40, 2.2, 1300.0)]]
    rows.insert(2, {"step": 20, "loss": 2.4, "tokens_per_s": 1100.0})  # a resumed run repeats step 20
    run.write("outputs/demo/metrics.jsonl", "".join(json.dumps(r) + "\n" for r in rows) + '{"torn": \n')
    run.write("outputs/demo/checkpoint-60/trainer_state.json", "{}")
    run.process("learner", progress={"done": 40, "total": 60, "unit": "steps",
                                     "metrics": metrics["train"](step=40, loss=2.2, tokens_per_s=1300.0)})
    _, text = build(run)

    assert "### `learner` — training" in text
    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Steps"] == "40 / 60"
    assert figures["Final loss"] == "2.2"
    assert figures["Best loss"] == "1.9 (step 30)"
    assert figures["Tokens/s (last)"] == "1,300 (mean 1,150)"
    assert figures["Samples seen"] == "480"
    assert figures["Newest checkpoint"] == "outputs/demo/checkpoint-60"
    assert "../outputs/demo/checkpoint-60" in md.links(text)


def test_a_linked_file_moved_since_the_run_is_said_to_be_gone(run, md, metrics) -> None:
    run.process("train", progress={"done": 3, "total": 3, "unit": "steps",
                                   "metrics": metrics["train"](step=3, loss=1.5, metrics_file=None)})
    _, text = build(run)
    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Newest checkpoint"] == "outputs/demo/checkpoint-60 (not found)"


def test_training_loss_falls_back_to_the_progress_history(run, md, metrics) -> None:
    run.process("train", progress={"done": 3, "total": 3, "unit": "steps",
                                   "metrics": metrics["train"](step=3, loss=1.5, metrics_file=None)})
    run.progress_lines([{"t": "x", "elapsed_s": float(s), "process": "train", "done": s, "total": 3,
                         "unit": "steps", "metrics": {"step": s, "loss": loss}}
                        for s, loss in [(1, 3.0), (2, 1.0), (3, 1.5)]])
    _, text = build(run)
    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Best loss"] == "1 (step 2)" and figures["Final loss"] == "1.5"


def test_foreign_script_without_figures_still_gets_a_complete_report(run, md) -> None:
    run.process("mine", progress={"done": 40, "total": 100, "unit": "items", "metrics": {}})
    run.process("silent", progress=None)
    _, text = build(run)

    assert text.count("No figures reported") == 2
    assert "Last progress: 40 / 100 items." in text
    rows = {row["Process"]: row for row in md.table_after(text, "Process")}
    assert rows["mine"]["Progress"] == "40 / 100 items" and rows["silent"]["Progress"] == "–"
    assert "No resource samples" in text


def test_links_to_logs_supervisor_log_and_record_are_relative(run, md) -> None:
    run.process("train")
    run.progress_lines([{"t": "x", "elapsed_s": 1.0, "process": "train", "done": 1}])
    _, text = build(run)

    links = md.links(text)
    for target in ["../logs/runs/20261128_140000.json", "../logs/parallel_train_crawl.log",
                   "../logs/train_20261128_140000.log", "../logs/runs/20261128_140000/progress.jsonl"]:
        assert target in links
    assert "(not found)" not in text


def test_hostile_log_text_cannot_break_the_markdown(run, md, at_time) -> None:
    hostile = ["```", "````` fence? ", "| a | b |", "<script>alert('x')</script>", "<!-- open comment",
               "\x1b[31mred\x1b[0m", "10%|███      | 3/10\r100%|██████████| 10/10", "$x$ *not bold* _nor_ [link](http://x)"]
    reason = "exit code 2 | <b>bold</b> `tick` [x](y) ~~gone~~"
    run.process("crawl", status="failed", exit_code=2, log="\n".join(hostile) + "\n",
                error={"reason": reason, "log_tail": hostile},
                attempts=[{"pid": 1, "started_at": at_time(0), "ended_at": at_time(5), "exit_code": 2,
                           "uptime_s": 5.0, "reason": reason, "log_tail": hostile}],
                progress={"done": 1, "total": 2, "unit": "x|y", "metrics": {"odd|key": 1}, "message": "<i>|"})
    run.process("we|ird`name")
    run.record.update(status="failed", exit_code=1)
    _, text = build(run)

    expected = ["```", "````` fence? ", "| a | b |", "<script>alert('x')</script>", "<!-- open comment", "red",
                "100%|██████████| 10/10", "$x$ *not bold* _nor_ [link](http://x)"]
    assert md.fences(text) == ["\n".join(expected) + "\n"]
    html = md.html(text)
    assert "<script>" not in html and "<b>" not in html and "<!--" not in html and "<del>" not in html
    assert "<h2>Figures</h2>" in html and "<h2>Files</h2>" in html  # nothing after the fence was swallowed
    rows = md.table_after(text, "Process")
    assert [r["Process"] for r in rows] == ["crawl", "we|ird`name"]
    assert rows[0]["Progress"] == "1 / 2 x|y"
    assert f"Reason: {reason}" in html.replace("<strong>", "").replace("</strong>", "").replace(
        "&lt;", "<").replace("&gt;", ">").replace("<code>", "`").replace("</code>", "`")


def test_record_without_resources_is_summarised_from_the_samples_file(run, md) -> None:
    run.process("train")
    run.resource_samples([
        {"elapsed_s": 0.0, "processes": {"train": {"cpu_percent": 50.0, "rss_bytes": 100 * 2**20, "threads": 2}},
         "system": {"cpu_percent": 10.0, "memory_percent": 20.0, "free_disk_bytes": {"data": 9 * 2**30}}},
        {"elapsed_s": 5.0, "processes": {"train": {"cpu_percent": 150.0, "rss_bytes": 300 * 2**20, "threads": 4}},
         "system": {"cpu_percent": 30.0, "memory_percent": 25.0, "free_disk_bytes": {"data": 8 * 2**30}}},
    ])
    _, text = build(run)
    row = md.table_after(text, "Process")[0]
    assert row["Peak RSS"] == "300.0 MiB" and row["Mean CPU"] == "100.0 %"
    assert "2 samples every 5 s. System: mean CPU 20 %, peak memory 25 %." in text
    assert "Lowest free disk: `data` 8.0 GiB." in text


def test_the_cpus_threads_and_nice_each_process_was_given_are_shown(run) -> None:
    run.process("train")["resources"] = {"cpus": [1, 2, 3], "threads": 3, "nice": 0}
    run.process("crawl")["resources"] = {"cpus": None, "threads": None, "nice": 5}
    _, text = build(run)
    resources = text.split("## Resources", 1)[1]
    assert "Given: `train` CPUs 1-3, 3 thread(s), nice 0; `crawl` all CPUs, threads unset, nice 5." in resources


def test_summary_line_of_a_running_run(run) -> None:
    run.process("train", status="running", exit_code=None)
    run.process("crawl", status="backoff", exit_code=1)
    run.record.update(status="running", ended_at=None)
    line = summary_line(RunRecord.from_json(run.record))
    assert line.startswith("tandem run 20261128_140000: running for ")
    assert line.endswith("— train running, crawl backoff")


@pytest.mark.parametrize("record", [{}, {"processes": "nonsense", "started_at": 5, "status": None}])
def test_a_broken_record_still_gives_a_report(tmp_path: Path, record: dict) -> None:
    path = tmp_path / "logs" / "runs" / "x.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record))
    report = write_report(path, NO_PLOTS, root=tmp_path)
    assert "## Processes" in report.read_text()


def test_figures_not_reported_are_left_out_and_progress_counts_the_steps(run, md) -> None:
    run.process("train", progress={"done": 20, "total": 50, "unit": "steps", "metrics": {"loss": 0.5}})
    run.progress_lines([{"t": "x", "elapsed_s": float(i), "process": "train", "done": done, "total": 50,
                         "unit": "steps", "metrics": {"loss": loss}}
                        for i, (done, loss) in enumerate([(10, 1.0), (15, 0.4), (20, 0.5)])])
    _, text = build(run)
    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures == {"Steps": "20 / 50", "Final loss": "0.5", "Best loss": "0.4 (step 15)"}


def test_a_recovered_runs_interruption_reason_is_shown(run) -> None:
    run.process("train", status="stopped", exit_code=None,
                error={"reason": "supervisor died; stopped by the next run", "log_tail": []})
    run.record.update(status="interrupted", exit_code=None,
                      interrupted_reason="the supervisor (pid 42) died; its children were stopped")
    _, text = build(run)
    assert ("The run was **interrupted** before it finished: the supervisor (pid 42) died; its children "
            "were stopped. Stopped: `train`.") in text
    assert "**Reason:** supervisor died; stopped by the next run" in text


def test_a_huge_log_line_is_cut(run, md, at_time) -> None:
    huge = "tensor([" + "0.1234, " * 50_000 + "])"
    run.process("train", status="failed", exit_code=1, log=f"start\n{huge}\n",
                attempts=[{"pid": 3, "started_at": at_time(0), "ended_at": at_time(5), "exit_code": 1,
                           "uptime_s": 5.0, "reason": "exit code 1"}])
    _, text = build(run)
    (fence,) = md.fences(text)
    last = fence.splitlines()[-1]
    assert last.startswith("[…] ") and last.endswith(" more characters]") and len(last) < 2100
    assert len(text) < 10_000
    run.process("train", status="failed", exit_code=1, error={"reason": "exit code 1", "log_tail": ["a", huge]},
                attempts=[])
    _, text = build(run)
    assert md.fences(text)[0].splitlines() == ["a", f"{huge[:2000]} … [{len(huge) - 2000} more characters]"]


def test_a_crawl_that_ended_below_its_target_says_why_in_its_own_line(run, md, metrics) -> None:
    note = "KEPT NOTHING (target 500): nothing left to crawl after 800 pages fetched; top drop reasons: too_short 700"
    run.process("crawl", progress={"done": 0, "total": 500, "unit": "samples", "metrics": metrics["crawl"](
        kept=0, finish_reason="exhausted", end_note=note, duplicates_contained=4)})
    _, text = build(run)

    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Duplicates"] == "20 exact / 7 near / 4 contained"
    assert f"**Ended below its target:** {inline(note)}" in text


def test_a_restart_asked_for_is_shown_as_asked_for_not_as_a_crash(run, md, at_time) -> None:
    run.process("crawl")
    run.process("train", ended=95, attempts=[
        {"pid": 7, "started_at": at_time(0), "ended_at": at_time(40), "exit_code": 143, "uptime_s": 40.0,
         "reason": "stopped for a restart (invoke restart train)", "requested": "restart"},
        {"pid": 8, "started_at": at_time(40), "ended_at": at_time(95), "exit_code": 0, "uptime_s": 55.0,
         "reason": "exit code 0"}])
    _, text = build(run)
    assert "Root cause" not in text and "crashed" not in text
    assert "### `train` — succeeded, exit 0, 1 restart (all asked for)" in text
    assert "stopped for a restart (invoke restart train)" in text


def test_a_figure_of_the_wrong_type_is_left_out_not_shown_as_its_raw_value(run, md, metrics) -> None:
    run.process("crawl", progress={"done": 290, "total": 500, "unit": "samples", "metrics": metrics["crawl"](
        pages_per_s=float("nan"), finish_reason=["exhausted"], end_note=7, dropped={"too_short": 150, "odd": "many"},
        duplicates_near=True)})
    _, text = build(run)

    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert "Pages/s" not in figures and "Finish reason" not in figures
    assert figures["Duplicates"] == "20 exact / – near"
    assert "Ended below its target" not in text
    assert [(r["Reason"], r["Pages"]) for r in md.table_after(text, "Reason")] == [("too_short", "150")]


def test_a_count_written_as_a_whole_float_reads_as_the_count(run, md, metrics) -> None:
    run.process("crawl", progress={"done": 290, "total": 500, "unit": "samples", "metrics": metrics["crawl"](
        kept=290.0, target=500.0, dropped={"too_short": 150.0})})
    _, text = build(run)

    figures = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert figures["Kept / target"] == "290 / 500 (58.0 %)"
    assert [(r["Reason"], r["Pages"]) for r in md.table_after(text, "Reason")] == [("too_short", "150")]
