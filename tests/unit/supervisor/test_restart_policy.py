"""The restart policy (tandem/supervisor/state.py) as a spec: pure decisions, times as numbers."""

from __future__ import annotations

import pytest

from tandem.contracts.child_protocol import Progress
from tandem.contracts.run_record import ProcessState
from tandem.supervisor.state import RestartTracker
from tandem.supervisor.supervisor_config import RestartPolicy

LOOSE = {"backoff_s": 1, "backoff_max_s": 1, "min_uptime_s": 10, "max_restarts_total": None,
         "max_restarts_per_window": None}


def tracker(no_restart=(2,), **policy) -> RestartTracker:
    return RestartTracker(RestartPolicy(**{**LOOSE, "max_restarts": 3, **policy}), True, no_restart)


def run(t: RestartTracker, *reports: Progress, exit_code=1, uptime=60.0, now=0.0):
    """One start: the child reports `reports`, then exits."""
    t.on_start()
    for report in reports:
        t.progress.observe(report)
    return t.on_exit(exit_code, uptime, stop_requested=False, now=now)


def done(n: float) -> Progress:
    return Progress(done=n, total=1000, unit="steps")


def checkpoint(name: str) -> Progress:
    return Progress(done=None, metrics={"checkpoint": name})


def test_exit_2_is_a_bad_flag_or_config_and_is_not_retried_by_default():
    decision = run(tracker(), exit_code=2)
    assert decision.state is ProcessState.FAILED and "no_restart_exit_codes" in decision.reason


def test_the_codes_that_mean_do_not_retry_are_the_process_own():
    assert run(tracker(no_restart=()), exit_code=2).state is ProcessState.BACKOFF
    assert run(tracker(no_restart=(7, 9)), exit_code=9).state is ProcessState.FAILED
    assert run(tracker(no_restart=(7,)), exit_code=-9).state is ProcessState.BACKOFF  # a signal is no code


def test_a_long_run_that_made_no_progress_does_not_end_the_streak():
    t = tracker(max_restarts=2)
    decisions = [run(t, done(40)) for _ in range(3)]  # each run resumes at 40 and crashes there
    assert [d.state for d in decisions] == [ProcessState.BACKOFF, ProcessState.BACKOFF, ProcessState.FAILED]
    assert "without progress" in decisions[0].reason and "gave up after 2" in decisions[2].reason


def test_the_first_figure_of_the_first_run_is_where_it_began():
    """A child resumed from its own state reports 500 at once: that is no progress of this run."""
    t = tracker(max_restarts=1)
    assert "without progress" in run(t, done(500)).reason
    assert "healthy run" in run(t, done(500), done(530)).reason


def test_passing_the_best_so_far_is_progress_and_ends_the_streak():
    t = tracker(max_restarts=2)
    run(t, done(10), done(50))
    assert "without progress" in run(t, done(40), done(45)).reason  # resumed at 40, never passed 50
    assert t.streak == 2
    assert "healthy run" in run(t, done(45), done(60)).reason  # 60 > 50: the streak starts again
    assert t.streak == 1


def test_a_new_checkpoint_is_progress_even_when_done_did_not_grow():
    t = tracker(max_restarts=1)
    run(t, checkpoint("ckpt-10"))
    assert "healthy run" in run(t, checkpoint("ckpt-20")).reason
    assert "without progress" in run(t, checkpoint("ckpt-20")).reason


def test_a_child_that_reports_no_figures_is_judged_by_its_uptime():
    t = tracker(max_restarts=1)
    assert "healthy run" in run(t, Progress(message="working"), uptime=60).reason
    assert "failed start" in run(t, uptime=1).reason


def test_a_short_run_is_a_failed_start_whatever_it_reported():
    assert "failed start" in run(tracker(), done(1), done(900), uptime=2).reason


def test_max_restarts_total_ends_even_a_healthy_loop():
    t = tracker(max_restarts_total=4)
    decisions = [run(t, done(step * 10), done(step * 10 + 5), now=step * 1000.0) for step in range(6)]
    assert [d.state for d in decisions[:4]] == [ProcessState.BACKOFF] * 4
    assert decisions[4].state is ProcessState.FAILED and "max_restarts_total" in decisions[4].reason


def test_too_many_restarts_within_the_window_end_it_and_old_ones_fall_out():
    t = tracker(max_restarts_per_window=3, window_s=100)
    spread = [run(t, done(i), done(i + 0.5), now=i * 60.0) for i in range(6)]  # one a minute: 2 per window
    assert all(d.state is ProcessState.BACKOFF for d in spread)
    burst = [run(t, done(10 + i), done(10.5 + i), now=400 + i) for i in range(4)]
    assert [d.state for d in burst] == [ProcessState.BACKOFF] * 3 + [ProcessState.FAILED]
    assert "3 restart(s) within 100s" in burst[-1].reason


def test_backoff_doubles_within_a_streak_and_is_capped():
    t = tracker(max_restarts=5, backoff_s=1, backoff_max_s=3)
    delays = [run(t, uptime=1).restart_in_s for _ in range(4)]
    assert delays == [1, 2, 3, 3]


@pytest.mark.parametrize(("policy", "key"), [
    ({"max_restarts_total": -1}, "max_restarts_total"),
    ({"max_restarts_per_window": 0}, "max_restarts_per_window"),
    ({"window_s": 0}, "window_s"),
    ({"min_uptime_s": 1e9}, "min_uptime_s"),
])
def test_limits_are_checked(policy, key):
    with pytest.raises(ValueError, match=key):
        RestartPolicy(**policy)
