"""Restarts that end: a deterministic crash loop gives up, a bad flag is never retried, and the
record of hundreds of attempts stays small."""

from __future__ import annotations

from support.fault_runs import one_line


def test_exit_2_is_not_retried(fault):
    fault.config({"train": fault.child("--sleep", "0.2", "--exit", "2")},
                 restart={"max_restarts": 5, "backoff_s": 0.1})
    result = fault.run()
    assert result.returncode == 1
    entry = fault.record()["processes"]["train"]
    assert (entry["status"], entry["restarts"], len(entry["attempts"])) == ("failed", 0, 1)
    assert "no_restart_exit_codes" in entry["error"]["reason"]


def test_which_codes_mean_do_not_retry_is_set_per_process(fault):
    fault.config({"train": {"command": fault.child("--sleep", "0.1", "--exit", "2"), "no_restart_exit_codes": [7]}},
                 restart={"max_restarts": 2, "backoff_s": 0.05, "backoff_max_s": 0.05})
    result = fault.run()
    assert result.returncode == 1
    assert fault.record()["processes"]["train"]["restarts"] == 2


def test_a_crash_loop_without_progress_gives_up_however_long_each_run(fault):
    """Each run reports the same `done` and crashes after min_uptime_s: not healthy."""
    fault.config({"train": fault.child("--status-done", "40", "--sleep", "0.4", "--exit", "3")},
                 restart={"max_restarts": 3, "backoff_s": 0.05, "backoff_max_s": 0.05, "min_uptime_s": 0})
    result = fault.run(timeout=120)
    assert result.returncode == 1
    entry = fault.record()["processes"]["train"]
    assert entry["restarts"] == 3, entry["restarts"]
    assert "without progress" in entry["error"]["reason"]


def test_a_fast_crash_loop_that_reports_nothing_hits_the_window_and_the_record_stays_small(fault):
    fault.config({"train": fault.child("--exit", "3")},
                 restart={"max_restarts": 3, "backoff_s": 0.01, "backoff_max_s": 0.01, "min_uptime_s": 0,
                          "max_restarts_per_window": 20, "window_s": 600})
    result = fault.run(timeout=150)
    assert result.returncode == 1, result.stderr
    entry = fault.record()["processes"]["train"]
    assert entry["restarts"] == 20
    assert "max_restarts_per_window" in entry["error"]["reason"]
    numbers = [a["number"] for a in entry["attempts"]]
    assert numbers == [1, 2, 3, *range(12, 22)]
    assert entry["attempts_omitted"] == 8


BAD_SETTINGS = [
    ({"shutdown": {"grace_s": float("nan")}}, "shutdown.grace_s: expected a finite number"),
    ({"shutdown": {"grace_s": -1}}, "grace_s: must be at least 0"),
    ({"restart": {"backoff_s": 1e12}}, "backoff_s: must be at least 0 and at most 86400"),
    ({"progress_interval_s": float("inf")}, "progress_interval_s: expected a finite number"),
    ({"monitor": {"enabled": False, "interval_s": 0}}, "monitor.interval_s: must be more than 0"),
]


def test_a_bad_value_in_parallel_yaml_is_one_line_and_exit_2(fault):
    path = fault.root / "parallel.yaml"
    attempts = []
    for sections, expected in BAD_SETTINGS:
        fault.config({"train": fault.child("--sleep", "0")}, **sections)
        attempts.append((fault.run(), expected))
    fault.config({"train": fault.child("--sleep", "0")})
    path.write_text(path.read_text() + "shutdown: {grace_s: 0}\n")  # `shutdown` is given above already
    attempts.append((fault.run(), "duplicate key 'shutdown'"))
    path.write_text("")
    attempts.append((fault.run(), "the file is empty"))
    for result, expected in attempts:
        line = one_line(result.stderr)
        assert result.returncode == 2, (expected, result.stderr)
        assert str(path) in line and expected in line, line
    assert not fault.records(), "a run started"
