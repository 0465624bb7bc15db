"""A stop is one SIGTERM to a group, and an exit that answers it is no failure: the event loop
against fake children and a fake clock.

The kit's trainer takes a second signal as "stop at once" (its StopFlag raises KeyboardInterrupt,
mid-save if need be), so a group that is already stopping never gets a second SIGTERM, whoever
asked first (`invoke stop NAME`, `requires:`, the whole run); what may follow is SIGKILL once
the grace period is over. And a child that ends 143 (or by the signal itself) after a stop
stopped as asked: its record carries no error and the report names no failure."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.fake_children import FakeClock, FakeFactory

from tandem.contracts.run_record import ProcessEntry, RunRecord
from tandem.report.record_facts import failures
from tandem.supervisor.events import Event, EventQueue, SignalReceived, StopProcessRequested, StopRunRequested
from tandem.supervisor.manager import ChildPlan, LoopOptions, Supervisor
from tandem.supervisor.progress_display import ProgressDisplay
from tandem.supervisor.record_keeper import RecordKeeper
from tandem.supervisor.supervisor_config import RestartPolicy

RUN_ID = "20260101_000000"


class Run:
    """A supervisor over fake children; `script` puts each (seconds, event) on the queue then."""

    def __init__(self, tmp_path: Path, behaviours: dict[str, list[tuple[int, float]]],
                 script: list[tuple[float, Event]], *, stubborn: bool = False, term_exit_code: int = -15,
                 grace_s: float = 5.0, requires: dict[str, tuple[list[str], float]] | None = None) -> None:
        self.clock = FakeClock()
        self.factory = FakeFactory(self.clock, behaviours, stubborn, term_exit_code)
        requires = requires or {}
        plans = [ChildPlan(name, ["prog"], {}, tmp_path / f"{name}.log", tmp_path / f"{name}.status.json",
                           requires=requires.get(name, ([], 0.0))[0],
                           requires_grace_s=requires.get(name, ([], None))[1],
                           upstream_path=tmp_path / f"{name}.upstream.json")
                 for name in behaviours]
        for plan in plans:  # what the child said before it was stopped
            plan.log_path.write_text("saving a checkpoint\nstopped by signal 15\n")
        self.record = RunRecord.create(tmp_path, RUN_ID, "parallel",
                                       {p.name: ProcessEntry(p.argv, str(p.log_path), str(p.status_path))
                                        for p in plans})
        self.events = EventQueue()
        self.events.subscribe(RecordKeeper(self.record))
        self.script = sorted(script, key=lambda item: item[0])
        policy = RestartPolicy(max_restarts=0, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
        self.supervisor = Supervisor(RUN_ID, plans, LoopOptions(policy, grace_s, True, tick_s=0.1), self.events,
                                     ProgressDisplay(list(behaviours), stream=io.StringIO()), self.factory,
                                     clock=self.clock, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.clock.now += seconds
        while self.script and self.clock.now - 1000.0 >= self.script[0][0]:
            self.events.put(self.script.pop(0)[1])

    def signals(self, name: str) -> list[str]:
        return next(child.signals for n, _, child in self.factory.started if n == name)


@pytest.mark.parametrize("run_stop", [SignalReceived(15), StopRunRequested("s2", "invoke stop")],
                         ids=["sigterm", "invoke-stop"])
def test_a_process_stopping_on_request_gets_no_second_sigterm_when_the_run_stops(tmp_path, run_stop):
    run = Run(tmp_path, {"train": [(0, 100.0)]},
              [(1.0, StopProcessRequested("s1", "invoke stop", "train")), (2.0, run_stop)], stubborn=True,
              grace_s=5.0)
    assert run.supervisor.run() == 143
    assert run.signals("train") == ["TERM", "KILL"]  # killed when the first stop's grace ran out
    assert run.clock.now == pytest.approx(1000.0 + 1.0 + 5.0, abs=0.25)


def test_a_dependent_stopping_after_its_requirement_failed_gets_no_second_sigterm(tmp_path):
    # crawl fails for good at 0.5 s; train, told, is stopped 1 s later and takes its time to save.
    run = Run(tmp_path, {"crawl": [(1, 0.5)], "train": [(0, 100.0)]}, [(2.0, SignalReceived(15))],
              stubborn=True, grace_s=3.0, requires={"train": (["crawl"], 1.0)})
    run.supervisor.run()
    assert run.signals("train") == ["TERM", "KILL"]


@pytest.mark.parametrize("term_exit_code", [143, -15], ids=["its-own-143", "killed-by-sigterm"])
@pytest.mark.parametrize("stop", [SignalReceived(15), StopProcessRequested("s1", "invoke stop", "crawl")],
                         ids=["run-stopped", "process-stopped"])
def test_an_exit_that_answers_a_stop_is_not_a_failure(tmp_path, term_exit_code, stop):
    run = Run(tmp_path, {"crawl": [(0, 100.0)]}, [(1.0, stop)], term_exit_code=term_exit_code)
    assert run.supervisor.run() == 143
    crawl = run.record.processes["crawl"]
    assert (crawl.status, crawl.exit_code, run.record.status) == ("stopped", term_exit_code, "interrupted")
    assert crawl.error is None and crawl.attempts[0].log_tail is None
    assert failures(run.record) == []
