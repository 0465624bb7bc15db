"""scripts/train.py end to end on a tiny from-scratch model: it learns, reports, and refuses bad
input with one line and exit 2."""

from __future__ import annotations

import json

import yaml


def test_loss_falls_and_the_run_leaves_its_files(tmp_path, write_shard, make_config, run_train, metrics):
    for index in range(3):
        write_shard(tmp_path / "shards", index, extra_lines=("", "{broken", '{"text": ""}'))
    config = make_config(training={"max_steps": 30, "learning_rate": 0.01})
    status = tmp_path / "status.json"
    result = run_train("--config", str(config), "--status-file", str(status))
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "out"
    losses = [m["loss"] for m in metrics(out)]
    assert [m["step"] for m in metrics(out)] == list(range(1, 31))
    assert max(losses[-5:]) < 0.5 * losses[0], losses
    report = json.loads(status.read_text())
    assert (report["done"], report["total"], report["unit"], report["message"]) == (30, 30, "steps", "finished")
    assert report["metrics"]["checkpoint"] == str(out / "checkpoint-30")
    assert report["metrics"]["skipped_lines"] >= 6  # 3 bad lines a shard, two shards read at least
    assert {"loss", "learning_rate", "tokens_per_s", "samples_seen", "metrics_file"} <= set(report["metrics"])
    assert (out / "final" / "model.safetensors").is_file() and (out / "final" / "tokenizer.json").is_file()
    assert yaml.safe_load((out / "train_config.resolved.yaml").read_text())["training"]["max_steps"] == 30
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-10", "checkpoint-20", "checkpoint-30"]
    assert "step 30/30 | loss" in result.stdout


def test_a_bad_config_value_is_one_line_and_exit_2(tmp_path, make_config, run_train):
    result = run_train("--config", str(make_config(training={"seq_len": "long"})))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'train.yaml'}: training.seq_len: expected an integer, got a string 'long'"]


def test_a_missing_model_folder_is_one_line_and_exit_2(tmp_path, write_shard, make_config, run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(model={"init": None, "name_or_path": str(tmp_path / "no-model")})
    result = run_train("--config", str(config))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: model.name_or_path: folder '{tmp_path / 'no-model'}' does not exist"]


def test_an_adapter_that_does_not_fit_is_one_line_and_exit_2(tmp_path, write_shard, make_config, run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(adapter="so8", model={"init": {"hidden_size": 36}})
    result = run_train("--config", str(config))
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {config}: so8.target_modules:") and "not a multiple of 8" in line


def test_no_data_without_follow_is_one_line_and_exit_2(tmp_path, make_config, run_train):
    result = run_train("--config", str(make_config()))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'train.yaml'}: data.paths: no file matches {tmp_path / 'shards' / '*.jsonl'}"]


def test_following_with_no_data_waits_and_says_so(tmp_path, make_config, run_train):
    config = make_config(data={"follow": True, "start_timeout_s": 1.0})
    status = tmp_path / "status.json"
    result = run_train("--config", str(config), TANDEM_STATUS_FILE=str(status))
    assert result.returncode == 2
    assert "data.start_timeout_s: only 0/20 samples after 1 s" in result.stderr
    assert json.loads(status.read_text())["message"] == "waiting for data: 0/20 samples"
