"""launcher: torchrun with two CPU workers (gloo), then a resume of the same run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import REPO, SCRIPT, child_env


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


@pytest.mark.slow
@pytest.mark.timeout(300)  # two torchrun workers and a second trainer starting on two busy cores
def test_sigterm_to_the_torchrun_group_saves_one_checkpoint_on_every_rank(tmp_path, write_shard, make_config,
                                                                         metrics, wait_until, run_train):
    """The supervisor stops a child by SIGTERM to its process group: the workers get it at
    slightly different steps, agree on one step, and save there together (no collective
    deadlock), well inside the supervisor's grace period. Meanwhile the launcher, which the
    preparing process became, holds the output_dir lock: a second trainer is refused."""
    write_shard(tmp_path / "shards", 0)
    config = make_config(launcher="torchrun", distributed={"nproc_per_node": 2},
                         training={"max_steps": 100000, "save_steps": 100000},
                         data={"max_passes": None})  # trains until the signal, however many passes
    process = subprocess.Popen([sys.executable, str(SCRIPT), "--config", str(config)], cwd=REPO,
                               env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        out = tmp_path / "out"
        wait_until(lambda: len(metrics(out)) >= 3, what="step 3", process=process)
        second = run_train("--config", str(config))
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"is in use by another training (pid {process.pid}, training into {out})" in second.stderr
        os.killpg(process.pid, signal.SIGTERM)
        started = time.monotonic()
        output, _ = process.communicate(timeout=60)
        assert time.monotonic() - started < 25, output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    [checkpoint] = list(out.glob("checkpoint-*"))
    assert (checkpoint / "tandem_complete.json").is_file(), output
    assert output.count("received SIGTERM: saving a checkpoint") == 2


@pytest.mark.slow
def test_a_trainer_started_as_a_module_starts_its_workers_as_the_module(tmp_path, write_shard, make_config):
    """`python -m tandem.train` (how the shipped configs start it): torchrun gets `-m tandem.train`,
    which works from an installed package as from a checkout."""
    for index in range(2):
        write_shard(tmp_path / "shards", index)
    config = make_config(launcher="torchrun", distributed={"nproc_per_node": 2},
                         training={"max_steps": 2, "save_steps": 2})
    result = subprocess.run([sys.executable, "-m", "tandem.train", "--config", str(config)], capture_output=True,
                            text=True, timeout=240, env=child_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "torch.distributed.run --nproc_per_node=2" in result.stdout and "-m tandem.train --config" in result.stdout
    assert "2 process(es)" in result.stdout
    assert (tmp_path / "out" / "final" / "config.json").is_file()
