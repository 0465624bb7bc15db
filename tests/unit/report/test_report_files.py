"""Where reports and plots go: never over an earlier run's report, plots optional."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tandem.contracts.run_record import RecordError, RunRecord
from tandem.report import discard_live_report, write_report
from tandem.report.report_config import ReportSettings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_second_run_the_same_day_gets_its_own_report(new_run) -> None:
    first = new_run("20261128_090000", "2026-11-28T09:00:00+09:00")
    first.process("train")
    first_report = write_report(first.save(), ReportSettings(plots=False), root=first.root)
    first_text = first_report.read_text()

    second = new_run("20261128_181530", "2026-11-28T18:15:30+09:00")
    second.process("train", status="failed", exit_code=3)
    second_report = write_report(second.save(), ReportSettings(plots=False), root=second.root)

    assert first_report.name == "2026-11-28_parallel_train_crawl.md"
    assert second_report.name == "2026-11-28_parallel_train_crawl_181530.md"
    assert first_report.read_text() == first_text
    assert "20261128\\_181530" in second_report.read_text()


def test_a_clash_on_the_time_suffix_counts_up(new_run) -> None:
    docs = new_run().root / "_docs"
    docs.mkdir()
    for name in ("2026-11-28_parallel_train_crawl.md", "2026-11-28_parallel_train_crawl_140000.md",
                 "2026-11-28_parallel_train_crawl_140000-2.md"):
        (docs / name).write_text("someone else's report")
    run = new_run()
    run.process("train")
    report = write_report(run.save(), ReportSettings(plots=False), root=run.root)
    assert report.name == "2026-11-28_parallel_train_crawl_140000-3.md"
    assert all((docs / n).read_text() == "someone else's report" for n in
               ("2026-11-28_parallel_train_crawl.md", "2026-11-28_parallel_train_crawl_140000.md"))


def test_the_date_is_the_runs_start_in_its_own_offset(new_run) -> None:
    run = new_run("20261129_003000", "2026-11-29T00:30:00+09:00")  # 2026-11-28 in UTC
    run.process("train")
    assert write_report(run.save(), ReportSettings(plots=False), root=run.root).name == \
        "2026-11-29_parallel_train_crawl.md"


def test_a_rebuild_rewrites_the_file_the_record_names(new_run) -> None:
    other = new_run().root / "_docs" / "2026-11-28_parallel_train_crawl.md"
    other.parent.mkdir()
    other.write_text("an earlier run")
    run = new_run()
    run.process("train")
    run.record["report"] = "_docs/mine.md"
    report = write_report(run.save(), ReportSettings(plots=False), root=run.root)
    assert report == run.root / "_docs" / "mine.md"
    assert other.read_text() == "an earlier run"
    assert sorted(p.name for p in other.parent.iterdir()) == ["2026-11-28_parallel_train_crawl.md", "mine.md"]


def _with_series(run, metrics) -> None:
    run.write("outputs/demo/metrics.jsonl", "".join(json.dumps({"step": s, "loss": 5 / s}) + "\n"
                                                    for s in range(1, 20)))
    run.process("train", progress={"done": 19, "total": 19, "unit": "steps", "metrics": metrics["train"]()})
    run.process("crawl", progress={"done": 50, "total": 50, "unit": "samples", "metrics": metrics["crawl"]()})
    run.progress_lines([{"t": "x", "elapsed_s": float(i), "process": "crawl", "done": i * 5, "total": 50}
                        for i in range(11)])
    run.resource_samples([{"elapsed_s": float(i), "processes": {
        "train": {"cpu_percent": 90.0, "rss_bytes": (100 + i) * 2**20},
        "crawl": None if i == 3 else {"cpu_percent": 20.0, "rss_bytes": 50 * 2**20}}} for i in range(6)])


def test_plots_are_drawn_beside_the_report_and_linked_relatively(run, md, metrics) -> None:
    pytest.importorskip("matplotlib")
    _with_series(run, metrics)
    report = write_report(run.save(), ReportSettings(), root=run.root)
    folder = report.with_suffix("")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["crawl_progress.png", "resources.png", "training_loss.png"]
    for name in names:
        assert (folder / name).read_bytes().startswith(PNG_MAGIC)
        assert f"{folder.name}/{name}" in md.links(report.read_text())


def test_without_matplotlib_the_report_says_so_and_stays_valid(run, md, metrics, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib…` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    _with_series(run, metrics)
    report = write_report(run.save(), ReportSettings(), root=run.root)
    text = report.read_text()
    assert "No plots: matplotlib is not installed" in text
    assert "pip install 'tandem\\[report\\]'" in text
    assert not report.with_suffix("").exists()
    assert "Figures" in md.headings(text) and "Files" in md.headings(text)
    assert not [link for link in md.links(text) if link.endswith(".png")]


def test_plots_can_be_turned_off(run, metrics) -> None:
    _with_series(run, metrics)
    report = write_report(run.save(), ReportSettings(plots=False), root=run.root)
    assert "No plots: plots are turned off (report.plots: false)." in report.read_text()


def test_a_missing_record_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no such run record"):
        write_report(tmp_path / "nope.json", ReportSettings(), root=tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(RecordError, match="not a readable run record"):
        write_report(tmp_path / "bad.json", ReportSettings(), root=tmp_path)


@pytest.mark.parametrize(("kind", "name"), [("parallel", "2026-11-28_parallel_train_crawl.md"),
                                            ("train", "2026-11-28_train.md"), ("crawl", "2026-11-28_crawl.md")])
def test_a_process_run_alone_is_named_after_it(new_run, kind, name) -> None:
    run = new_run()
    run.process(kind if kind != "parallel" else "train")
    run.record["kind"] = kind
    assert write_report(run.save(), ReportSettings(plots=False), root=run.root).name == name


def test_a_live_run_gets_a_live_report_that_claims_no_name(new_run) -> None:
    run = new_run()
    run.process("train", status="running", exit_code=None)
    run.record.update(status="running", ended_at=None, exit_code=None)
    record = run.save()
    live = write_report(record, ReportSettings(plots=False), root=run.root)
    assert live == run.root / "_docs" / "live" / "20261128_140000.md"
    assert "**Live report**" in live.read_text()
    assert not list((run.root / "_docs").glob("*.md"))  # the final name is still free

    run.record.update(status="succeeded", ended_at=run.record["started_at"], exit_code=0)
    run.record["processes"]["train"]["status"] = "succeeded"
    final = write_report(run.save(), ReportSettings(plots=False), root=run.root)
    assert final.name == "2026-11-28_parallel_train_crawl.md" and "Live report" not in final.read_text()
    discard_live_report(RunRecord.load(record), run.root / "_docs")
    assert not (run.root / "_docs" / "live").exists()
