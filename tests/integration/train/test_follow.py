"""Follow mode against a crawl simulated by the test: shards appear while the trainer runs."""

from __future__ import annotations

import json
import signal

import pytest


@pytest.mark.timeout(600)  # a 40-step run that waits for two shards, on a shared 2-core machine
def test_shards_that_appear_during_training_are_taken_and_recorded(tmp_path, write_shard, make_config,
                                                                    start_train, wait_until):
    shards = tmp_path / "shards"
    write_shard(shards, 0)
    config = make_config(data={"follow": True, "min_samples": 20, "follow_idle_timeout_s": 60, "shuffle_window": 1},
                         training={"max_steps": 40, "save_steps": 5, "save_total_limit": None})
    status = tmp_path / "status.json"
    process = start_train("--config", str(config), TANDEM_STATUS_FILE=str(status))

    def message() -> str:
        try:
            return json.loads(status.read_text())["message"]
        except (FileNotFoundError, json.JSONDecodeError):
            return ""

    wait_until(lambda: message() == "waiting for data: caught up with 1 shards, crawl still running",
               what="the trainer to catch up with shard 0", process=process)
    waiting_at = json.loads(status.read_text())["done"]
    write_shard(shards, 1)
    wait_until(lambda: "caught up with 2 shards" in message(), what="the trainer to catch up with shard 1",
               process=process)
    write_shard(shards, 2, count=5)
    (shards / "_COMPLETE").write_text(json.dumps({"finish_reason": "target", "kept": 45}))
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output

    out = tmp_path / "out"
    states = {int(p.name.split("-")[1]): json.loads((p / "data_state.json").read_text())["position"]["sources"]["crawl"]
              for p in out.glob("checkpoint-*")}
    names = [f"{shards}/shard-{i:06d}.jsonl" for i in range(3)]
    first_after_wait = min(step for step in states if step > waiting_at)
    assert states[first_after_wait]["shard"] == names[1] and states[first_after_wait]["done_shards"] == names[:1]
    passes = [states[step]["epoch"] for step in sorted(states)]
    assert passes == sorted(passes) and passes[-1] >= 1  # after _COMPLETE: more passes until max_steps
    done_in_pass_0 = max((s for s in states.values() if s["epoch"] == 0), key=lambda s: len(s["done_shards"]))
    assert done_in_pass_0["done_shards"][:2] == names[:2]
    assert json.loads(status.read_text())["metrics"]["data_pass"] >= 1


def test_sigterm_while_waiting_for_the_crawl_stops_at_once_with_143(tmp_path, write_shard, make_config,
                                                                    start_train, wait_until):
    write_shard(tmp_path / "shards", 0)
    config = make_config(data={"follow": True, "follow_idle_timeout_s": 600}, training={"max_steps": 1000})
    status = tmp_path / "status.json"
    process = start_train("--config", str(config), TANDEM_STATUS_FILE=str(status))
    wait_until(lambda: status.is_file() and "caught up" in status.read_text(), what="the wait for shards",
               process=process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 143, output
    assert "stopped while waiting for data" in output


@pytest.mark.timeout(600)
def test_with_the_pass_budget_used_it_waits_for_new_data_and_ends_early_once_none_will_come(
        tmp_path, write_shard, make_config, start_train, wait_until, metrics):
    shards = tmp_path / "shards"
    write_shard(shards, 0)
    config = make_config(data={"follow": True, "follow_idle_timeout_s": 0.5, "max_passes": 2, "shuffle_window": 5},
                         training={"max_steps": 1000, "save_steps": 1000})
    status = tmp_path / "status.json"
    process = start_train("--config", str(config), TANDEM_STATUS_FILE=str(status))

    def message() -> str:
        try:
            return json.loads(status.read_text())["message"]
        except (FileNotFoundError, json.JSONDecodeError):
            return ""

    wait_until(lambda: message().startswith("waiting for data — pass budget used"), what="the budget to be used",
               process=process)
    (shards / "_COMPLETE").write_text(json.dumps({"finish_reason": "target", "kept": 20}))
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "every source is complete and has used data.max_passes passes: training ends at step" in output
    last = metrics(tmp_path / "out")[-1]
    assert last["step"] < 1000 and 20 < last["samples_seen"] <= 40  # two passes over 20 samples, no third
    assert (tmp_path / "out" / "final").is_dir()
