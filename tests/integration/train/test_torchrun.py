"""launcher: torchrun with two CPU workers (gloo), then a resume of the same run."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_two_torchrun_workers_train_and_resume(tmp_path, write_shard, make_config, run_train, metrics):
    for index in range(2):
        write_shard(tmp_path / "shards", index)
    config = make_config(launcher="torchrun", distributed={"nproc_per_node": 2},
                         training={"max_steps": 6, "save_steps": 3})
    status = tmp_path / "status.json"
    first = run_train("--config", str(config), "--status-file", str(status), timeout=150)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "torch.distributed.run --nproc_per_node=2" in first.stdout
    assert "2 process(es)" in first.stdout
    out = tmp_path / "out"
    state = json.loads((out / "checkpoint-6" / "data_state.json").read_text())
    assert state["blocks_per_step"] == 8 and state["position"]["blocks"] == 48  # 4 a worker × 2, 6 steps

    second = run_train("--config", str(config), "--max-steps", "9", "--status-file", str(status), timeout=150)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"resuming from {out / 'checkpoint-6'}" in second.stdout
    assert [m["step"] for m in metrics(out)] == list(range(1, 10))
    resumed = json.loads((out / "checkpoint-9" / "data_state.json").read_text())
    assert resumed["position"]["blocks"] == 72
    assert json.loads(status.read_text())["done"] == 9
