"""The progress callback: metrics.jsonl lines, the status file, the wait message, stopping."""

from __future__ import annotations

import json

from transformers import TrainerControl, TrainerState, TrainingArguments

from tandem.contracts.child_protocol import StatusReporter
from tandem.train.callbacks import DataTracker, ProgressCallback
from tandem.train.packing import PackedBlocks
from tandem.train.shard_source import ShardSource


def setup(tmp_path, write_shard, clock, stop=lambda: False):
    write_shard(tmp_path / "shards", 0, ["abcdefgh"] * 10)
    dataset = PackedBlocks(ShardSource([str(tmp_path / "shards" / "*.jsonl")], follow=False),
                           lambda text: [ord(c) for c in text] + [0], seq_len=3)
    blocks = iter(dataset)
    for _ in range(8):  # the reader runs ahead of the optimizer
        next(blocks)
    status = tmp_path / "status.json"
    callback = ProgressCallback(StatusReporter(status, unit="steps", min_interval_s=0), DataTracker(dataset, 0, 2),
                                tmp_path / "metrics.jsonl", tmp_path, tokens_per_step=6, should_stop=stop,
                                checkpoint=None, clock=clock)
    state = TrainerState(max_steps=10)
    return callback, state, status


def test_a_logged_step_becomes_a_metrics_line_and_the_status(tmp_path, write_shard, clock):
    callback, state, status = setup(tmp_path, write_shard, clock)
    args, control = TrainingArguments(output_dir=str(tmp_path), report_to="none"), TrainerControl()
    callback.on_train_begin(args, state, control)
    clock.now = 2.0
    state.global_step = 2
    callback.on_step_end(args, state, control)
    callback.on_log(args, state, control, logs={"loss": 1.5, "learning_rate": 1e-3, "grad_norm": 0.5})
    [line] = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert (line["step"], line["loss"], line["learning_rate"], line["tokens_per_s"]) == (2, 1.5, 1e-3, 6.0)
    assert line["samples_seen"] == 2  # 4 blocks of 3 tokens: the second 9-token sample is started
    report = json.loads(status.read_text())
    assert (report["done"], report["total"], report["unit"]) == (2, 10, "steps")
    assert report["metrics"]["loss"] == 1.5 and report["metrics"]["checkpoint"] is None
    assert report["message"] == "loss 1.500 | 6 tok/s | 2 samples | pass 0"  # the bar's text
    assert callback.tracker.dataset.history.keys() >= {4} and 3 not in callback.tracker.dataset.history

    callback.waiting("waiting for data: caught up with 1 shards, crawl still running")
    assert json.loads(status.read_text())["message"].startswith("waiting for data")
    callback.on_save(args, state, control)
    assert json.loads(status.read_text())["metrics"]["checkpoint"] == str(tmp_path / "checkpoint-2")


def test_training_speed_leaves_out_the_time_spent_waiting_for_the_crawl(tmp_path, write_shard, clock):
    callback, state, _ = setup(tmp_path, write_shard, clock)
    args, control = TrainingArguments(output_dir=str(tmp_path), report_to="none"), TrainerControl()
    callback.on_train_begin(args, state, control)
    clock.now = 10.0
    callback.tracker.dataset.waited_s = 8.0  # 8 of the 10 s went to waiting for a shard
    state.global_step = 2
    callback.on_log(args, state, control, logs={"loss": 1.0})
    [line] = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert line["tokens_per_s"] == 6.0  # 2 steps × 6 tokens in the 2 s of training
    assert line["waited_for_data_s"] == 8.0


def test_a_stop_request_saves_and_ends_training_at_this_step(tmp_path, write_shard, clock):
    callback, state, _ = setup(tmp_path, write_shard, clock, stop=lambda: True)
    args, control = TrainingArguments(output_dir=str(tmp_path), report_to="none"), TrainerControl()
    state.global_step = 1
    callback.on_step_end(args, state, control)
    assert control.should_save and control.should_training_stop
