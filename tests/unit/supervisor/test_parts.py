"""The supervisor's small parts: restart decisions, progress reading, display lines, config."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Literal

import pytest
from support.paths import REPO

from tandem.app.parallel_config import load_parallel_config
from tandem.common.typed_config import ConfigError, load_config, save_resolved
from tandem.contracts.child_protocol import Progress
from tandem.contracts.run_record import ProcessState
from tandem.fileio.log_tail import tail_lines
from tandem.supervisor.progress import TAIL_BYTES, ProgressReader
from tandem.supervisor.progress_display import ProcessView, ProgressDisplay, describe
from tandem.supervisor.state import RestartTracker
from tandem.supervisor.supervisor_config import RestartPolicy


def test_restart_tracker_decisions():
    tracker = RestartTracker(RestartPolicy(max_restarts=2, backoff_s=2, backoff_max_s=5, min_uptime_s=10), True)
    assert tracker.on_exit(0, 1, False).state is ProcessState.SUCCEEDED
    first = tracker.on_exit(1, 1, False)
    assert first.state is ProcessState.BACKOFF and first.restart_in_s == 2
    second = tracker.on_exit(-9, 1, False)
    assert second.restart_in_s == 4 and "killed by signal 9" in second.reason
    third = tracker.on_exit(1, 1, False)
    assert third.state is ProcessState.FAILED and "gave up after 2" in third.reason
    assert tracker.on_exit(1, 1, True).state is ProcessState.STOPPED


def test_restart_tracker_without_auto_restart_fails_at_once():
    tracker = RestartTracker(RestartPolicy(), auto_restart=False)
    decision = tracker.on_exit(3, 100, False)
    assert decision.state is ProcessState.FAILED and "auto-resume is off" in decision.reason


def test_progress_reader_prefers_status_file_and_survives_garbage(tmp_path):
    status, log = tmp_path / "s.json", tmp_path / "x.log"
    reader = ProgressReader(status, log, r"step (?P<done>\d+)/(?P<total>\d+)")
    assert reader.read() is None
    log.write_text("step 3/10\nstep 4/10\n")
    assert reader.read().done == 4
    status.write_text(json.dumps({"done": 7, "total": 9, "unit": "samples", "metrics": {"kept": 7}}))
    progress = reader.read()
    assert (progress.done, progress.total, progress.unit) == (7, 9, "samples")
    status.write_text("{not json")
    assert reader.read().done == 7  # the last good progress is kept


def test_progress_pattern_reads_only_the_tail_of_new_output(tmp_path):
    log = tmp_path / "x.log"
    reader = ProgressReader(tmp_path / "none.json", log, r"step (?P<done>\d+)")
    with open(log, "w") as handle:
        handle.write("step 1\n" + "x" * (3 * TAIL_BYTES) + "\nstep 2\n")
    assert reader.read().done == 2
    with open(log, "a") as handle:
        handle.write("noise\n")
    assert reader.read().done == 2  # nothing new matched: last value stays


def test_tail_lines_skips_a_cut_first_line(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(10000)))
    assert tail_lines(log, 3, max_bytes=100) == ["line 9997", "line 9998", "line 9999"]
    assert tail_lines(tmp_path / "missing.log", 3) == []


def test_describe_and_plain_lines():
    view = ProcessView("crawl", "running", 1, Progress(done=120, total=10000, unit="samples", message="ok"))
    assert describe(view) == "crawl running 120/10000 samples (1.2%) restarts 1 — ok"
    out = io.StringIO()
    clock = [0.0]
    display = ProgressDisplay(["crawl"], stream=out, plain_interval_s=10, clock=lambda: clock[0])
    assert not display.interactive
    display.update([view])
    clock[0] = 5
    display.update([view])
    clock[0] = 11
    display.update([view])
    assert out.getvalue().count("[progress] crawl running") == 2


@dataclass
class Inner:
    size: int = 1
    ratio: float = 0.5
    mode: Literal["a", "b"] = "a"


@dataclass
class Outer:
    name: str = "x"
    paths: list[str] = field(default_factory=list)
    inner: Inner = field(default_factory=Inner)
    optional: int | None = None


def test_config_loader_types_overrides_and_errors(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: y\ninner: {size: 3, ratio: 2}\npaths: [a, b]\n")
    config = load_config(Outer, path, {"inner.mode": "b", "optional": None})
    assert config == Outer("y", ["a", "b"], Inner(3, 2.0, "b"), None)
    save_resolved(config, tmp_path / "resolved.yaml")
    assert load_config(Outer, tmp_path / "resolved.yaml") == config
    for text, message in [
        ("inner: {size: true}\n", "inner.size: expected an integer"),
        ("inner: {mode: c}\n", "inner.mode: must be one of a, b"),
        ("paths: a\n", "paths: expected a list"),
        ("extra: 1\n", "unknown key 'extra'"),
        ("inner: [1]\n", "inner: expected a mapping"),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError) as error:
            load_config(Outer, path)
        assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_parallel_config_validates_regex_and_names(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("processes:\n  train: {command: [x], progress_pattern: 'step (\\d+)'}\n")
    with pytest.raises(ConfigError, match="needs a named group"):
        load_parallel_config(path)
    path.write_text("processes:\n  'bad name': {command: [x]}\n")
    with pytest.raises(ConfigError, match="letters, digits"):
        load_parallel_config(path)
    path.write_text("processes:\n  train: {command: []}\n")
    with pytest.raises(ConfigError, match="processes.train.command"):
        load_parallel_config(path)


def test_default_parallel_config_matches_the_contract():
    config = load_parallel_config(REPO / "configs" / "parallel.yaml")
    assert set(config.processes) == {"train", "crawl"}
    assert config.processes["crawl"].command[:4] == ["{python}", "-m", "tandem.crawl", "--config"]
    assert (config.restart.max_restarts, config.restart.backoff_s, config.restart.backoff_max_s,
            config.restart.min_uptime_s, config.shutdown.grace_s) == (3, 5, 300, 10, 30)
