"""The page's state, read from a run's files as the supervisor and the children write them."""

from __future__ import annotations

import json

import pytest
from support.records import T0, at, crawl_metrics, train_metrics

from tandem.dashboard.followers import Series
from tandem.dashboard.snapshot import RunReader


@pytest.fixture
def in_root(run, monkeypatch):
    monkeypatch.chdir(run.root)  # records name their files relative to where the supervisor ran
    return run


def _status(run, name, metrics, message="working"):
    run.write(f"{run.run_dir}/{name}.status.json", json.dumps(
        {"done": 1, "total": 2, "unit": "steps", "metrics": metrics, "message": message}))


def _metrics_lines(run, steps):
    return run.write("outputs/demo/metrics.jsonl", "".join(
        json.dumps({"step": s, "loss": 5.0 - s / 10, "learning_rate": 3e-4, "tokens_per_s": 900.0 + s,
                    **({"eval_loss": 4.85} if s == 2 else {})}) + "\n"
        for s in steps))


def test_processes_crawl_training_and_resources_from_the_run_files(in_root):
    run = in_root
    run.process("crawl", status="failed", exit_code=3, log="".join(f"line {i}\n" for i in range(50)),
                attempts=[{"pid": 1, "started_at": T0, "ended_at": at(5), "exit_code": 3, "reason": "exit code 3"},
                          {"pid": 2, "started_at": at(6), "ended_at": at(9), "exit_code": 3, "reason": "gave up"}])
    run.process("train")
    run.save()
    _status(run, "crawl", crawl_metrics(dropped={"too_short": 5, "not_japanese": 40}))
    _status(run, "train", train_metrics(), message="waiting for data: 10/200 samples")
    _metrics_lines(run, [1, 2, 3])
    run.write("outputs/demo/checkpoint-20/model.safetensors", "")
    run.write("outputs/demo/checkpoint-100/model.safetensors", "")
    run.resource_samples([{"elapsed_s": 0, "system": {"cpu_percent": 50.0, "memory_percent": 20.0},
                           "processes": {"train": {"cpu_percent": 99.0, "rss_bytes": 10}}},
                          {"elapsed_s": 5, "system": {"cpu_percent": 60.0, "memory_percent": 21.0},
                           "processes": {"train": {"cpu_percent": 98.0, "rss_bytes": 11}}}])

    state = RunReader(run.root / "logs").state()

    assert state["run"]["run_id"] == run.run_id and state["run"]["status"] == "succeeded"
    crawl = state["processes"][0]
    assert (crawl["name"], crawl["status"], crawl["restarts"], crawl["exit_codes"]) == ("crawl", "failed", 1, [3, 3])
    assert crawl["log"][-1] == "line 49" and len(crawl["log"]) == 30
    assert crawl["uptime_s"] is None and crawl["last_reason"] == "gave up"
    assert state["crawl"]["metrics"]["dropped"] == [("not_japanese", 40), ("too_short", 5)]  # largest first
    train = state["train"]
    assert train["waiting_for_data"] is True
    assert train["series"]["step"] == [1, 2, 3] and train["series"]["loss"] == [4.9, 4.8, 4.7]
    assert train["eval_series"] == {"step": [2], "eval_loss": [4.85]}  # only the evaluated step
    assert train["checkpoints"] == ["checkpoint-20", "checkpoint-100"]
    assert state["resources"]["sample"]["processes"]["train"]["rss_bytes"] == 11
    assert state["resources"]["series"] == {"elapsed_s": [0, 5], "cpu_percent": [50.0, 60.0],
                                            "memory_percent": [20.0, 21.0]}


def test_new_lines_are_added_and_a_replaced_file_starts_over(in_root):
    run = in_root
    run.process("train")
    run.save()
    _status(run, "train", train_metrics())
    path = _metrics_lines(run, [1, 2])
    reader = RunReader(run.root / "logs")
    assert reader.state()["train"]["series"]["step"] == [1, 2]
    with open(path, "a") as handle:
        handle.write(json.dumps({"step": 3, "loss": 1.0}) + "\n" + '{"step": 4, "lo')  # the last line still written
    assert reader.state()["train"]["series"]["step"] == [1, 2, 3]
    _metrics_lines(run, [1])  # a resume trims the file: replaced, shorter
    assert reader.state()["train"]["series"]["step"] == [1]


def test_a_newer_run_replaces_the_older_one_on_the_page(in_root, new_run):
    run = in_root
    run.process("train")
    run.save()
    _status(run, "train", train_metrics())
    _metrics_lines(run, [1, 2, 3])
    reader = RunReader(run.root / "logs")
    assert len(reader.state()["train"]["series"]["step"]) == 3
    later = new_run("20261128_150000")
    later.process("crawl")
    later.save()
    state = reader.state()
    assert state["run"]["run_id"] == "20261128_150000"
    assert [p["name"] for p in state["processes"]] == ["crawl"] and state["train"] is None


def test_no_run_yet(tmp_path):
    state = RunReader(tmp_path / "logs").state()
    assert state["run"] is None and state["processes"] == []


def test_a_long_series_stays_bounded_and_keeps_its_newest_point():
    series = Series(["x", "y"], max_points=100)
    for x in range(10_000):
        series.add((x, x * 2))
    data = series.to_json()
    assert len(data["x"]) <= 101
    assert data["x"][0] == 0 and data["x"][-1] == 9_999 and data["y"][-1] == 19_998
    assert data["x"] == sorted(data["x"])


def test_a_drop_reason_without_a_count_is_left_out_of_the_crawl_figures(in_root):
    run = in_root
    run.process("crawl")
    run.save()
    _status(run, "crawl", crawl_metrics(dropped={"too_short": 5, "odd": "many", "flag": True}))

    state = RunReader(run.root / "logs").state()

    assert state["crawl"]["metrics"]["dropped"] == [("too_short", 5)]


def test_a_metrics_line_of_the_wrong_types_adds_no_point(in_root):
    run = in_root
    run.process("train")
    run.save()
    _status(run, "train", train_metrics())
    run.write("outputs/demo/metrics.jsonl", "".join(json.dumps(line) + "\n" for line in [
        {"step": True, "loss": 1.0}, {"step": "2", "loss": 1.0}, {"step": 3, "loss": "low", "eval_loss": 2},
        {"step": 4.0, "loss": 0.5}]))

    series = RunReader(run.root / "logs").state()["train"]

    assert series["series"]["step"] == [3, 4] and series["series"]["loss"] == [None, 0.5]
    assert series["eval_series"] == {"step": [3], "eval_loss": [2]}
