"""What the console shows: the children's own words on the bars and after a crash, and in CI
no line repeated for a process that has finished."""

from __future__ import annotations

import io

from tandem.contracts.child_protocol import Progress
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.events import ProcessExited
from tandem.supervisor.progress_display import ProcessView, ProgressDisplay, fit_message


class Terminal(io.StringIO):
    columns = 200

    def isatty(self) -> bool:
        return True


CRAWL_MESSAGE = "kept 12/300 | fetched 40 (9.7 pages/s) | queue 3 | dropped 20 | elapsed 4s"


def test_each_bar_carries_the_childs_status_message():
    display = ProgressDisplay(["train", "crawl"], stream=Terminal())
    display.update([
        ProcessView("train", "running", 0, Progress(0, 150, "steps", {}, "waiting for data: 12/40 samples")),
        ProcessView("crawl", "running", 1, Progress(12, 300, "samples", {}, CRAWL_MESSAGE)),
    ])
    train, crawl = display.bar_line("train"), display.bar_line("crawl")
    display.close([])
    assert train.startswith("train ") and "0/150 steps" in train
    assert train.endswith("running — waiting for data: 12/40 samples")
    assert "12/300 samples" in crawl and crawl.endswith(f"running, 1 restart — {CRAWL_MESSAGE}")


def test_in_ci_a_finished_process_is_printed_once_while_the_other_goes_on():
    now = [0.0]
    out = io.StringIO()
    display = ProgressDisplay(["train", "crawl"], stream=out, plain_interval_s=10, clock=lambda: now[0])
    for second, crawl_status in ((0, "running"), (10, "succeeded"), (20, "succeeded"), (30, "succeeded")):
        now[0] = second
        display.update([ProcessView("train", "running", 0, Progress(second, 100, "steps")),
                        ProcessView("crawl", crawl_status, 0, Progress(300, 300, "samples"))])
    lines = out.getvalue().splitlines()
    assert [line for line in lines if line.startswith("[progress] crawl")] == [
        "[progress] crawl running 300/300 samples (100.0%) restarts 0",
        "[progress] crawl succeeded 300/300 samples (100.0%) restarts 0"]
    assert len([line for line in lines if line.startswith("[progress] train")]) == 4


def crash(name: str, tail: list[str]) -> ProcessExited:
    return ProcessExited(name, 42, 1, 3.0, "backoff", "exit code 1 after a failed start; restart in 5s", tail)


def test_a_crash_shows_the_childs_own_last_lines_once(tmp_path):
    shown: list[str] = []
    log = EventLog(tmp_path / "supervisor.log", "20260101_000000", shown.append)
    first = ["2026-11-30 08:19:40 INFO kept 0/10000 | dropped 1",
             "2026-11-30 08:19:40 ERROR failed: no page could be fetched (dropped: 1); no network?"]
    again = ["2026-11-30 08:19:44 INFO kept 0/10000 | dropped 2",
             "2026-11-30 08:19:44 ERROR failed: no page could be fetched (dropped: 2); no network?"]
    log.on_event(crash("crawl", first))
    log.on_event(crash("crawl", again))  # the same failure again, counts aside: not shown again
    log.on_event(crash("crawl", ["Traceback (most recent call last):", "OSError: disk full"]))
    child_lines = [line for line in shown if line.startswith("  crawl | ")]
    assert child_lines == [f"  crawl | {line}" for line in first] + [
        "  crawl | Traceback (most recent call last):", "  crawl | OSError: disk full"]
    assert shown[0].startswith("crawl: crashed: exit code 1")
    # The child's lines are in its own log already: the supervisor log keeps its one line per event.
    assert "no page could be fetched" not in (tmp_path / "supervisor.log").read_text()


def test_a_message_too_long_for_its_room_loses_whole_fields_from_its_end():
    message = "kept 120/10000 | fetched 180 (9.7 pages/s) | queue 1234 | dropped 56"
    assert fit_message(message, 100) == message
    assert fit_message(message, 50) == "kept 120/10000 | fetched 180 (9.7 pages/s) …"
    assert fit_message(message, 20) == "kept 120/10000 …"
    assert fit_message("waiting for data before the first step", 10) == "waiting f…"
