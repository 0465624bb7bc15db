"""`tandem-report` (scripts/report.py) as a user runs it: the latest run, a run by id, one line on errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO


def script(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "report.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_script_reports_on_the_latest_run_and_remembers_the_report(new_run) -> None:
    older = new_run("20261127_100000", "2026-11-27T10:00:00+00:00")
    older.process("train")
    older.save()
    latest = new_run()
    latest.process("train")
    record = latest.save()

    done = script(latest.root, "--no-plots")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_docs/2026-11-28_parallel_train_crawl.md"
    assert json.loads(record.read_text())["report"] == "_docs/2026-11-28_parallel_train_crawl.md"
    again = script(latest.root, "--run", "20261128_140000", "--no-plots")
    assert again.stdout == done.stdout  # the rebuild rewrote the same file
    assert sorted(p.name for p in (latest.root / "_docs").glob("*.md")) == ["2026-11-28_parallel_train_crawl.md"]


def test_script_writes_to_the_docs_dir_given(run) -> None:
    run.process("train")
    record = run.save()
    done = script(run.root, "--record", str(record), "--docs-dir", "elsewhere/docs", "--no-plots")
    assert done.returncode == 0, done.stderr
    assert Path(run.root / done.stdout.strip()).parent == run.root / "elsewhere" / "docs"


@pytest.mark.parametrize("args", [(), ("--run", "20990101_000000"), ("--record", "missing.json")])
def test_script_without_a_record_exits_2_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = script(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert not (tmp_path / "_docs").exists()


def test_a_run_still_going_gets_a_live_report_and_keeps_its_final_name_free(run) -> None:
    run.process("train", status="running", exit_code=None)
    run.record.update(status="running", ended_at=None, exit_code=None)
    record = run.save()
    done = script(run.root, "--no-plots")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_docs/live/20261128_140000.md"
    assert done.stderr.strip() == ("run 20261128_140000 is still running: live report _docs/live/20261128_140000.md "
                                   "(the final report is written when the run ends)")
    assert json.loads(record.read_text())["report"] is None
    assert not list((run.root / "_docs").glob("*.md"))
