"""The event loop against fake children and a fake clock: policy, not processes."""

from __future__ import annotations

import io
import itertools
import json
import signal
from pathlib import Path

import pytest
from support.fake_children import FakeClock, FakeFactory

from tandem.contracts.run_record import ProcessEntry, RunRecord
from tandem.supervisor.event_log import EventLog
from tandem.supervisor.events import EventQueue
from tandem.supervisor.manager import ChildPlan, LoopOptions, Supervisor
from tandem.supervisor.progress_display import ProgressDisplay
from tandem.supervisor.record_keeper import RecordKeeper
from tandem.supervisor.supervisor_config import RestartPolicy


def make_supervisor(tmp_path: Path, behaviours, policy=None, auto_resume=True, grace_s=5.0, stubborn=False,
                    on_tick=None, requires=None):
    clock = FakeClock()
    factory = FakeFactory(clock, behaviours, stubborn)
    requires = requires or {}
    plans = [ChildPlan(name, ["prog"], {}, tmp_path / f"{name}.log", tmp_path / f"{name}.status.json",
                       requires=requires.get(name, ([], None))[0], requires_grace_s=requires.get(name, ([], None))[1],
                       upstream_path=tmp_path / f"{name}.upstream.json")
             for name in behaviours]
    record = RunRecord.create(tmp_path, "20260101_000000", "parallel",
                              {p.name: ProcessEntry(p.argv, str(p.log_path), str(p.status_path)) for p in plans})
    display = ProgressDisplay([p.name for p in plans], stream=io.StringIO())
    events_seen: list[str] = []
    events = EventQueue()
    events.subscribe(RecordKeeper(record))
    events.subscribe(EventLog(tmp_path / "supervisor.log", "20260101_000000", events_seen.append).on_event)
    policy = policy or RestartPolicy(max_restarts=2, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
    supervisor: Supervisor

    def sleep(seconds: float) -> None:
        clock.now += seconds
        if on_tick is not None:
            on_tick(supervisor, clock)

    supervisor = Supervisor("20260101_000000", plans, LoopOptions(policy, grace_s, auto_resume, tick_s=0.1), events,
                            display, factory, clock=clock, sleep=sleep)
    return supervisor, factory, record, events_seen


def test_each_exit_is_recorded_within_one_tick_and_independently(tmp_path):
    supervisor, factory, record, _ = make_supervisor(tmp_path, {"train": [(0, 3.0)], "crawl": [(3, 1.0)]},
                                                     auto_resume=False)
    assert supervisor.run() == 1
    train, crawl = record.processes["train"], record.processes["crawl"]
    assert (train.status, train.exit_code) == ("succeeded", 0)
    assert (crawl.status, crawl.exit_code) == ("failed", 3)
    assert crawl.attempts[0].uptime_s == pytest.approx(1.0, abs=0.11)
    assert train.attempts[0].uptime_s == pytest.approx(3.0, abs=0.11)
    assert [name for name, _, _ in factory.started] == ["train", "crawl"]


def test_backoff_doubles_for_failed_starts_and_is_capped(tmp_path):
    behaviours = {"crawl": [(1, 0.5), (1, 0.5), (1, 0.5), (0, 0.5)]}
    policy = RestartPolicy(max_restarts=3, backoff_s=1, backoff_max_s=1.5, min_uptime_s=10)
    supervisor, factory, record, _ = make_supervisor(tmp_path, behaviours, policy)
    assert supervisor.run() == 0
    starts = [t for _, t, _ in factory.started]
    gaps = [round(b - a - 0.5, 1) for a, b in itertools.pairwise(starts)]
    assert gaps == [pytest.approx(1.0, abs=0.15), pytest.approx(1.5, abs=0.15), pytest.approx(1.5, abs=0.15)]
    assert record.processes["crawl"].restarts == 3


def test_healthy_run_ends_the_failure_streak(tmp_path):
    # Three crashes, but the middle run lasted longer than min_uptime_s: the streak restarts.
    behaviours = {"train": [(1, 0.5), (1, 20.0), (1, 0.5), (0, 0.5)]}
    policy = RestartPolicy(max_restarts=2, backoff_s=1, backoff_max_s=8, min_uptime_s=10)
    supervisor, _, record, _ = make_supervisor(tmp_path, behaviours, policy)
    assert supervisor.run() == 0
    assert record.processes["train"].restarts == 3


def test_gives_up_after_max_restarts_in_a_row(tmp_path):
    policy = RestartPolicy(max_restarts=1, backoff_s=0.5, backoff_max_s=8, min_uptime_s=10)
    supervisor, factory, record, _ = make_supervisor(tmp_path, {"train": [(3, 0.2), (3, 0.2)]}, policy)
    assert supervisor.run() == 1
    assert record.processes["train"].status == "failed" and len(factory.started) == 2


def test_signal_terminates_then_kills_after_the_grace_deadline(tmp_path):
    def send_term_once(supervisor, clock):
        if clock.now >= 1001.0 and supervisor.stop_signal is None:
            supervisor.request_stop(signal.SIGTERM)

    supervisor, factory, record, events = make_supervisor(
        tmp_path, {"train": [(0, 100.0)]}, grace_s=5.0, stubborn=True, on_tick=send_term_once)
    assert supervisor.run() == 143
    child = factory.started[0][2]
    assert child.signals == ["TERM", "KILL"]
    assert child.exit_at == pytest.approx(1001.0 + 5.0, abs=0.25)
    assert record.processes["train"].status == "stopped" and record.status == "interrupted"


def test_second_signal_kills_without_waiting(tmp_path):
    def two_interrupts(supervisor, clock):
        if clock.now >= 1001.0 and supervisor.stop_signal is None:
            supervisor.request_stop(signal.SIGINT)
        elif clock.now >= 1001.5 and not supervisor.killed:
            supervisor.request_stop(signal.SIGINT)

    supervisor, factory, _, _ = make_supervisor(tmp_path, {"train": [(0, 100.0)]}, grace_s=60.0,
                                                stubborn=True, on_tick=two_interrupts)
    assert supervisor.run() == 130
    assert factory.started[0][2].exit_at == pytest.approx(1001.5, abs=0.25)


def test_stop_during_backoff_does_not_restart(tmp_path):
    def stop_in_backoff(supervisor, clock):
        if clock.now >= 1000.7 and supervisor.stop_signal is None:
            supervisor.request_stop(signal.SIGTERM)

    policy = RestartPolicy(max_restarts=3, backoff_s=2, backoff_max_s=8, min_uptime_s=10)
    supervisor, factory, record, _ = make_supervisor(tmp_path, {"crawl": [(1, 0.5), (0, 1.0)]}, policy,
                                                     on_tick=stop_in_backoff)
    assert supervisor.run() == 143
    assert len(factory.started) == 1 and record.processes["crawl"].status == "stopped"


def test_a_required_process_failing_tells_its_dependent_and_stops_it_after_its_grace(tmp_path):
    # crawl fails for good at once; train would run for 100 s and never reacts.
    policy = RestartPolicy(max_restarts=0, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
    supervisor, factory, record, events = make_supervisor(
        tmp_path, {"crawl": [(1, 0.5)], "train": [(0, 100.0)]}, policy, grace_s=5.0,
        requires={"train": (["crawl"], 2.0)})
    assert supervisor.run() == 1
    train = factory.started[1][2]
    assert train.signals == ["TERM"]
    assert train.exit_at == pytest.approx(1000.5 + 2.0, abs=0.25)  # told at 1000.5, stopped 2 s later
    notice = json.loads((tmp_path / "train.upstream.json").read_text())
    assert list(notice["failed"]) == ["crawl"] and notice["failed"]["crawl"].startswith("exit code 1")
    assert notice["stop_after_s"] == 2.0
    assert (record.processes["train"].status, record.processes["crawl"].status) == ("stopped", "failed")
    assert record.status == "failed" and not (tmp_path / "crawl.upstream.json").exists()
    assert any("train: told through $TANDEM_UPSTREAM_FILE that crawl" in line for line in events)
    assert any("train: still running 2s after crawl failed: stopping it" in line for line in events)


def test_a_told_process_that_ignores_sigterm_is_killed_after_the_shutdown_grace(tmp_path):
    policy = RestartPolicy(max_restarts=0, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
    supervisor, factory, record, _ = make_supervisor(
        tmp_path, {"crawl": [(1, 0.5)], "train": [(0, 100.0)]}, policy, grace_s=3.0, stubborn=True,
        requires={"train": (["crawl"], 1.0)})
    assert supervisor.run() == 1
    train = factory.started[1][2]
    assert train.signals == ["TERM", "KILL"]
    assert train.exit_at == pytest.approx(1000.5 + 1.0 + 3.0, abs=0.25)
    assert record.processes["train"].status == "stopped"


def test_a_told_process_that_exits_by_itself_is_not_restarted(tmp_path):
    # train ends 1 s after it was told, with exit 1 ("nothing to train on"): no restart, no stop.
    policy = RestartPolicy(max_restarts=3, backoff_s=1, backoff_max_s=3, min_uptime_s=10)

    def train_exits_once_told(supervisor, clock):
        train = next((child for name, _, child in factory.started if name == "train"), None)
        if train is not None and (tmp_path / "train.upstream.json").exists() and train.exit_at > clock.now + 1:
            train.exit_code, train.exit_at = 1, clock.now + 1.0

    supervisor, factory, record, _ = make_supervisor(
        tmp_path, {"crawl": [(1, 0.5)] * 4, "train": [(0, 100.0)]}, policy, on_tick=train_exits_once_told,
        requires={"train": (["crawl"], 60.0)})
    assert supervisor.run() == 1
    assert [name for name, _, _ in factory.started].count("train") == 1
    train = record.processes["train"]
    assert train.status == "failed"
    assert train.attempts[0].reason.startswith("exit code 1 after crawl, which it requires")
    assert factory.started[-1][2].signals == []


def test_without_a_grace_period_a_told_process_may_finish(tmp_path):
    policy = RestartPolicy(max_restarts=0, backoff_s=1, backoff_max_s=3, min_uptime_s=10)
    supervisor, factory, record, _ = make_supervisor(
        tmp_path, {"crawl": [(1, 0.5)], "train": [(0, 30.0)]}, policy, requires={"train": (["crawl"], None)})
    assert supervisor.run() == 1
    assert factory.started[1][2].signals == [] and record.processes["train"].status == "succeeded"
