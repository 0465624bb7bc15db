"""The event loop's narrow hooks for faults, against fakes: what an ended child left running,
a status path that is not a file, a bounded record, a supervisor failure in the record."""

from __future__ import annotations

import io
import json
import os

import pytest

from tandem.contracts.exit_codes import exit_code_for_signal
from tandem.contracts.run_record import ProcessEntry, RunRecord
from tandem.supervisor.events import EventQueue, ProcessExited, ProcessStarted, SupervisorFailed
from tandem.supervisor.manager import ChildPlan, LoopOptions, Supervisor
from tandem.supervisor.progress_display import ProgressDisplay
from tandem.supervisor.record_keeper import RecordKeeper
from tandem.supervisor.supervisor_config import RestartPolicy

RUN = "20260101_000000"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Child:
    def __init__(self, pid: int, exit_at: float, exit_code: int, clock: Clock, before_exit=None) -> None:
        self.pid, self.create_time = pid, 1.0
        self.exit_at, self.exit_code, self.clock, self.before_exit = exit_at, exit_code, clock, before_exit

    def poll(self):
        if self.clock.now >= self.exit_at:
            if self.before_exit is not None:
                self.before_exit()
                self.before_exit = None
            return self.exit_code
        return None

    def terminate(self) -> None:
        self.exit_at, self.exit_code = self.clock.now, -15

    def kill(self) -> None:
        self.exit_at, self.exit_code = self.clock.now, -9


class Factory:
    """Each start runs `runs_for` seconds and exits with `exit_code`; `on_start(n)` acts as the child."""

    def __init__(self, clock: Clock, exit_code: int, runs_for: float, on_start=None) -> None:
        self.clock, self.exit_code, self.runs_for, self.on_start = clock, exit_code, runs_for, on_start
        self.started = 0

    def start(self, spec):
        self.started += 1
        if self.on_start is not None:
            self.on_start(self.started)
        return Child(100 + self.started, self.clock.now + self.runs_for, self.exit_code, self.clock)


class FakeTrees:
    """What `ProcessTrees` would find: a daemon left behind by the first start."""

    def __init__(self, left: list) -> None:
        self.left, self.asked = left, []

    def remember(self, name: str, pid: int) -> None:
        pass

    def left_behind(self, name, pid, marker):
        self.asked.append((name, pid, marker))
        found, self.left = self.left, []
        return found


class FakeProc:
    pid = 4242

    def __init__(self) -> None:
        self.signals: list[int] = []

    def cmdline(self):
        return ["python", "daemon.py"]

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)

    def is_running(self) -> bool:
        return False  # gone at once

    def __hash__(self) -> int:
        return self.pid


def make(tmp_path, factory, clock, policy=None, trees=None, events_seen=None):
    status = tmp_path / "train.status.json"
    plan = ChildPlan("train", ["prog"], {"TANDEM_STATUS_FILE": str(status)}, tmp_path / "train.log", status)
    record = RunRecord.create(tmp_path, RUN, "parallel", {"train": ProcessEntry(plan.argv, str(plan.log_path),
                                                                                   str(status))})
    queue = EventQueue()
    queue.subscribe(RecordKeeper(record))
    if events_seen is not None:
        queue.subscribe(events_seen.append)
    policy = policy or RestartPolicy(max_restarts=2, backoff_s=1, backoff_max_s=1, min_uptime_s=0,
                                     max_restarts_total=None, max_restarts_per_window=None)

    def sleep(seconds: float) -> None:
        clock.now += seconds

    supervisor = Supervisor(RUN, [plan], LoopOptions(policy, 5.0, True, progress_interval_s=0.5, tick_s=0.1),
                            queue, ProgressDisplay(["train"], stream=io.StringIO()), factory, clock=clock,
                            sleep=sleep, trees=trees)
    return supervisor, record, status


def test_what_an_ended_child_left_running_is_stopped_recorded_and_reported(tmp_path):
    clock = Clock()
    daemon = FakeProc()
    trees = FakeTrees([daemon])
    events: list = []
    supervisor, record, status = make(tmp_path, Factory(clock, 0, 1.0), clock, trees=trees, events_seen=events)
    assert supervisor.run() == 0
    assert trees.asked == [("train", 101, str(status))]  # asked with the marker of its environment
    assert daemon.signals == [15]  # one SIGTERM; it was gone before a SIGKILL was due
    assert record.processes["train"].leftovers == ["pid 4242 (python daemon.py)"]
    assert [type(e).__name__ for e in events].count("LeftoversStopped") == 1


def test_a_status_path_that_is_a_folder_is_said_once_and_the_loop_goes_on(tmp_path):
    clock = Clock()
    lines: list = []
    supervisor, record, status = make(tmp_path, Factory(clock, 0, 3.0, on_start=lambda n: status.mkdir()),
                                      clock, events_seen=lines)
    assert supervisor.run() == 0
    notices = [e.text for e in lines if type(e).__name__ == "Notice"]
    assert notices == [f"train: status file {status}: a folder, not a file; ignored"]


def test_a_restart_loop_without_progress_gives_up_through_the_loop(tmp_path):
    clock = Clock()

    def report_same_progress(start: int) -> None:  # every start resumes at 40 and crashes there
        (tmp_path / "s.tmp").write_text(json.dumps({"done": 40, "total": 100, "message": f"start {start}"}))
        os.replace(tmp_path / "s.tmp", tmp_path / "train.status.json")

    supervisor, record, _ = make(tmp_path, Factory(clock, 3, 2.0, on_start=report_same_progress), clock)
    assert supervisor.run() == 1
    entry = record.processes["train"]
    assert entry.restarts == 2 and "none of them healthy (run without progress" in entry.error.reason


def test_each_attempt_keeps_only_the_lines_it_wrote(tmp_path):
    clock = Clock()

    def write_output(start: int) -> None:
        with open(tmp_path / "train.log", "a") as log:
            log.write("".join(f"attempt {start} line {i}\n" for i in range(3 if start == 1 else 1)))

    supervisor, record, _ = make(tmp_path, Factory(clock, 3, 1.0, on_start=write_output), clock,
                                 policy=RestartPolicy(max_restarts=1, backoff_s=0.5, backoff_max_s=0.5, min_uptime_s=5))
    assert supervisor.run() == 1
    tails = [attempt.log_tail for attempt in record.processes["train"].attempts]
    assert tails == [["attempt 1 line 0", "attempt 1 line 1", "attempt 1 line 2"], ["attempt 2 line 0"]]
    assert "restart 1 of train" in (tmp_path / "train.log").read_text()  # the banner is there, not in a tail


def test_the_record_keeps_the_first_and_last_attempts_and_counts_the_rest(tmp_path):
    record = RunRecord.create(tmp_path, RUN, "parallel", {"train": ProcessEntry(["p"], None, None)})
    keeper = RecordKeeper(record)
    for number in range(1, 31):
        keeper(ProcessStarted("train", 1000 + number, 1.0, number - 1, "log"))
        keeper(ProcessExited("train", 1000 + number, 3, 0.1, "backoff", "crash", ["line"] * 20))
    saved = json.loads(record.path.read_text())["processes"]["train"]
    assert [a["number"] for a in saved["attempts"]] == [1, 2, 3, *range(21, 31)]
    assert saved["attempts_omitted"] == 17 and saved["restarts"] == 29
    assert len(record.path.read_bytes()) < 30_000


def test_a_supervisor_failure_stops_the_unfinished_processes_in_the_record(tmp_path):
    record = RunRecord.create(tmp_path, RUN, "parallel", {"train": ProcessEntry(["p"], None, None),
                                                          "crawl": ProcessEntry(["p"], None, None, status="succeeded")})
    keeper = RecordKeeper(record)
    keeper(ProcessStarted("train", 7, 1.0, 0, "log"))
    keeper(SupervisorFailed("no space left on /x", ["train"]))
    saved = RunRecord.load(record.path)
    assert (saved.status, saved.exit_code, saved.supervisor_error) == ("failed", 1, "no space left on /x")
    assert {n: e.status for n, e in saved.processes.items()} == {"train": "stopped", "crawl": "succeeded"}


@pytest.mark.parametrize(("signum", "code"), [(2, 130), (15, 143), (1, 129), (10, 138)])
def test_exit_codes_for_stop_signals(signum, code):
    assert exit_code_for_signal(signum) == code
