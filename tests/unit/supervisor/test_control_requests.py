"""Restart and stop requests from the control channel, decided by the event loop like signals:
fake children and a fake clock, so each test is the policy and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.fake_children import FakeClock, FakeFactory

from tandem.contracts.child_protocol import ENV_AUTO_RESUME
from tandem.contracts.run_record import ProcessEntry, ProcessState, RunRecord
from tandem.report.record_facts import failures
from tandem.supervisor.control import decide
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.events import (
    ControlAnswered,
    ControlRequested,
    Event,
    EventQueue,
    RestartRequested,
    StopProcessRequested,
    StopRunRequested,
)
from tandem.supervisor.manager import ChildPlan, LoopOptions, Supervisor
from tandem.supervisor.progress_display import ProgressDisplay
from tandem.supervisor.record_keeper import RecordKeeper
from tandem.supervisor.supervisor_config import RestartPolicy

RUN_ID = "20260101_000000"


class Scripted:
    """A request source that puts each request on the queue once the fake clock reaches its time."""

    def __init__(self, clock: FakeClock, events: EventQueue, script: list[tuple[float, ControlRequested]]) -> None:
        self.clock, self.events = clock, events
        self.script = sorted(script, key=lambda item: item[0])
        self.start = clock.now

    def poll(self) -> None:
        while self.script and self.clock.now - self.start >= self.script[0][0]:
            self.events.put(self.script.pop(0)[1])


class Run:
    def __init__(self, tmp_path: Path, behaviours: dict[str, list[tuple[int, float]]],
                 script: list[tuple[float, ControlRequested]], stubborn: bool = False, grace_s: float = 5.0) -> None:
        self.clock = FakeClock()
        self.factory = FakeFactory(self.clock, behaviours, stubborn)
        # Started afresh (the run's `--no-auto-resume`); a restart resumes (its argv drops the flag).
        plans = [ChildPlan(name, ["prog", "--no-auto-resume"], {}, tmp_path / f"{name}.log",
                           tmp_path / f"{name}.status.json", restart_argv=["prog"])
                 for name in behaviours]
        self.record = RunRecord.create(tmp_path, RUN_ID, "parallel",
                                       {p.name: ProcessEntry(p.argv, str(p.log_path), str(p.status_path))
                                        for p in plans})
        self.lines: list[str] = []
        self.answers: list[ControlAnswered] = []
        events = EventQueue()
        events.subscribe(RecordKeeper(self.record))
        events.subscribe(EventLog(tmp_path / "supervisor.log", RUN_ID, self.lines.append).on_event)
        events.subscribe(self._keep_answer)
        policy = RestartPolicy(max_restarts=2, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
        self.supervisor = Supervisor(RUN_ID, plans, LoopOptions(policy, grace_s, True, tick_s=0.1), events,
                                     ProgressDisplay(list(behaviours), stream=io.StringIO()), self.factory,
                                     clock=self.clock, sleep=self._sleep,
                                     requests=Scripted(self.clock, events, script))

    def _sleep(self, seconds: float) -> None:
        self.clock.now += seconds

    def _keep_answer(self, event: Event) -> None:
        if isinstance(event, ControlAnswered):
            self.answers.append(event)

    def starts(self, name: str) -> list[float]:
        return [round(t - 1000.0, 1) for n, t, _ in self.factory.started if n == name]


def test_restart_stops_the_process_and_starts_it_again_told_to_resume(tmp_path):
    run = Run(tmp_path, {"train": [(0, 100.0), (0, 5.0)], "crawl": [(0, 20.0)]},
              [(3.0, RestartRequested("r1", "invoke restart", "train"))])
    assert run.supervisor.run() == 0
    assert run.starts("train") == [0.0, pytest.approx(3.0, abs=0.11)]  # at once: no backoff
    first = run.factory.started[0][2]
    assert first.signals == ["TERM"]
    assert run.factory.envs[-1][ENV_AUTO_RESUME] == "1"
    assert run.factory.argvs == [["prog", "--no-auto-resume"]] * 2 + [["prog"]]  # train, crawl, train again
    train = run.record.processes["train"]
    assert train.restarts == 1 and train.status == "succeeded"
    assert train.attempts[0].reason == "stopped for a restart (invoke restart)"
    assert train.attempts[0].exit_code == -15
    # Asked for, not a crash: the record says so, and the report finds no failure in it.
    assert [a.requested for a in train.attempts] == ["restart", None]
    assert failures(run.record) == []
    assert run.answers[0].accepted and run.answers[0].outcome == "restarting"
    assert any(line.startswith("restart train (asked by invoke restart): pid 100 asked to stop")
               for line in run.lines)
    assert run.record.processes["crawl"].attempts[0].exit_code == 0  # the other one never noticed


def test_a_restart_that_is_not_obeyed_kills_after_the_grace_period(tmp_path):
    run = Run(tmp_path, {"train": [(0, 100.0), (0, 1.0)]},
              [(1.0, RestartRequested("r1", "the dashboard", "train"))], stubborn=True, grace_s=2.0)
    assert run.supervisor.run() == 0
    assert run.factory.started[0][2].signals == ["TERM", "KILL"]
    assert run.starts("train") == [0.0, pytest.approx(3.0, abs=0.11)]
    assert "grace period of 2s is over: killing train" in run.lines


def test_stopping_one_process_leaves_the_others_running_and_the_run_interrupted(tmp_path):
    run = Run(tmp_path, {"train": [(0, 10.0)], "crawl": [(0, 100.0)]},
              [(2.0, StopProcessRequested("s1", "invoke stop", "crawl"))])
    assert run.supervisor.run() == 143
    crawl, train = run.record.processes["crawl"], run.record.processes["train"]
    assert crawl.status == "stopped" and crawl.restarts == 0
    assert crawl.attempts[-1].reason == "stopped on request (invoke stop)"
    assert train.status == "succeeded" and train.attempts[0].uptime_s == pytest.approx(10.0, abs=0.11)
    assert run.record.status == "interrupted"
    # Said as it was: asked for, neither a signal nor a supervisor that died.
    assert crawl.attempts[-1].requested == "stop"
    assert run.record.interrupted_reason == "every unfinished process stopped on request (invoke stop)"


def test_a_second_stop_of_a_process_kills_it_at_once(tmp_path):
    run = Run(tmp_path, {"crawl": [(0, 100.0)]},
              [(1.0, StopProcessRequested("s1", "invoke stop", "crawl")),
               (1.5, StopProcessRequested("s2", "invoke stop", "crawl"))], stubborn=True, grace_s=30.0)
    run.supervisor.run()
    assert run.factory.started[0][2].signals == ["TERM", "KILL"]
    assert [a.outcome for a in run.answers] == ["stopping", "forcing"]
    assert run.supervisor.elapsed_s() < 2.0


def test_stopping_the_run_is_a_sigterm_that_the_record_names(tmp_path):
    run = Run(tmp_path, {"train": [(0, 100.0)], "crawl": [(0, 100.0)]},
              [(1.0, StopRunRequested("s1", "invoke stop")),
               (1.2, RestartRequested("r1", "invoke restart", "crawl"))], stubborn=True)
    assert run.supervisor.run() == 143
    assert run.record.status == "interrupted"
    assert run.record.interrupted_reason == "stop requested by invoke stop"
    assert {e.status for e in run.record.processes.values()} == {"stopped"}
    assert [(a.outcome, a.accepted) for a in run.answers] == [("stopping_run", True), ("run_stopping", False)]
    assert len(run.factory.started) == 2  # the restart asked for during the stop started nothing


def test_a_process_that_gave_up_can_be_restarted_by_hand(tmp_path):
    run = Run(tmp_path, {"crawl": [(3, 0.5), (3, 0.5), (3, 0.5), (0, 1.0)], "train": [(0, 30.0)]},
              [(20.0, RestartRequested("r1", "invoke restart", "crawl"))])
    assert run.supervisor.run() == 0
    crawl = run.record.processes["crawl"]
    assert crawl.status == "succeeded" and crawl.restarts == 3 and crawl.ended_at is not None
    assert run.answers[0].outcome == "starting" and run.answers[0].state == "failed"


def test_stopping_a_process_that_waits_to_restart_cancels_the_restart(tmp_path):
    run = Run(tmp_path, {"crawl": [(3, 0.5)], "train": [(0, 5.0)]},
              [(0.7, StopProcessRequested("s1", "invoke stop", "crawl"))])
    assert run.supervisor.run() == 143
    assert run.starts("crawl") == [0.0]
    assert run.answers[0].outcome == "cancelled"
    assert run.record.processes["crawl"].status == "stopped"


def test_unknown_names_and_ended_processes_are_refused(tmp_path):
    run = Run(tmp_path, {"crawl": [(0, 0.5)], "train": [(0, 3.0)]},
              [(1.0, StopProcessRequested("s1", "invoke stop", "crawl")),
               (1.0, RestartRequested("r1", "invoke restart", "trian"))])
    assert run.supervisor.run() == 0
    assert [(a.outcome, a.accepted) for a in run.answers] == [("ended", False), ("unknown", False)]
    assert "stop crawl (asked by invoke stop): it has already ended (succeeded); nothing to do" in run.lines


@pytest.mark.parametrize(("request_", "state", "pending", "outcome"), [
    (RestartRequested("r", "x", "a"), ProcessState.RUNNING, None, "restarting"),
    (RestartRequested("r", "x", "a"), ProcessState.RUNNING, RestartRequested("q", "x", "a"), "busy"),
    (RestartRequested("r", "x", "a"), ProcessState.BACKOFF, None, "starting"),
    (RestartRequested("r", "x", "a"), ProcessState.STOPPED, None, "starting"),
    (StopProcessRequested("s", "x", "a"), ProcessState.RUNNING, RestartRequested("q", "x", "a"), "stopping"),
    (StopProcessRequested("s", "x", "a"), ProcessState.RUNNING, StopProcessRequested("q", "x", "a"), "forcing"),
    (StopProcessRequested("s", "x", "a"), ProcessState.FAILED, None, "ended"),
    (StopProcessRequested("s", "x", "a"), None, None, "unknown"),
])
def test_decisions(request_, state, pending, outcome):
    assert decide(request_, state, pending, run_stopping=False, run_killed=False).outcome == outcome
