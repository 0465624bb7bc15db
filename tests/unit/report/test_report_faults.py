"""What the report says of a crash loop, a daemon left behind and a supervisor that failed."""

from __future__ import annotations

from tandem.report import write_report
from tandem.report.report_config import ReportSettings


def build(run) -> str:
    return write_report(run.save(), ReportSettings(plots=False), root=run.root).read_text(encoding="utf-8")


def test_a_crash_loop_shows_its_first_and_last_attempts_and_counts_the_rest(run, md, at_time) -> None:
    numbers = [1, 2, 3, *range(12, 22)]
    attempts = [{"pid": 100 + n, "started_at": at_time(n), "ended_at": at_time(n + 0.5), "exit_code": 3,
                 "uptime_s": 0.5, "reason": "exit code 3 after a failed start", "number": n,
                 "log_tail": [f"crash {n}"]} for n in numbers]
    entry = run.process("train", status="failed", exit_code=3, attempts=attempts,
                        error={"reason": "gave up: 20 restart(s) within 600s", "log_tail": ["crash 21"]})
    entry.update(attempts_omitted=8, restarts=20)
    text = build(run)

    assert [row["Attempt"] for row in md.table_after(text, "Attempt")] == [str(n) for n in numbers]
    assert "8 attempts between those shown were left out of the record" in text
    assert "Attempt 21 (exit `3`), last 1 lines" in text or "Attempt 21 (exit 3), last 1 lines" in text
    assert "### `train` — failed, exit 3, 20 restarts" in text


def test_a_process_left_running_is_named(run) -> None:
    entry = run.process("crawl")
    entry["leftovers"] = ["pid 4321 (python daemon.py)"]
    text = build(run)
    assert "### `crawl` — succeeded, exit 0" in text
    assert "**Left running when it ended** (stopped by the supervisor): pid 4321 (python daemon.py)." in text


def test_the_supervisor_failure_is_the_first_thing_the_errors_say(run) -> None:
    run.process("train", status="stopped", exit_code=-15)
    run.record.update(status="failed", exit_code=1,
                      supervisor_error="no space left on logs/runs/20261128_140000.json")
    text = build(run)
    assert ("**The supervisor itself failed** and stopped every process: no space left on "
            "logs/runs/20261128\\_140000.json") in text
