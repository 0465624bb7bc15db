"""`training.report_to` passed through to the Trainer: TensorBoard's event files land in the run's
output folder and the log names them; W&B runs offline there; a missing package is one line."""

from __future__ import annotations

from importlib.util import find_spec

import pytest


@pytest.mark.slow
def test_tensorboard_logs_go_under_the_output_folder_and_the_path_is_printed(tmp_path, write_shard, make_config,
                                                                             run_train, metrics):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    write_shard(tmp_path / "shards", 0)
    held_out = write_shard(tmp_path / "held_out", 7, count=3)
    config = make_config(training={"max_steps": 4, "save_steps": 4, "eval_steps": 2, "report_to": ["tensorboard"]},
                         eval={"paths": [str(held_out)], "prompts": []})
    result = run_train("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path / "out" / "tensorboard"
    assert f"TensorBoard logs: {folder} (open them: tensorboard --logdir {folder})" in result.stdout
    events = event_accumulator.EventAccumulator(str(folder))
    events.Reload()
    assert [scalar.step for scalar in events.Scalars("train/loss")] == [1, 2, 3, 4]
    # The held-out texts (eval.paths) every eval_steps, as in metrics.jsonl.
    logged = {m["step"]: m.get("eval_bits_per_byte") for m in metrics(tmp_path / "out")}
    assert [step for step, bpb in logged.items() if bpb is not None] == [2, 4]
    assert [(s.step, round(s.value, 5)) for s in events.Scalars("eval/bits_per_byte")] == [
        (step, round(logged[step], 5)) for step in (2, 4)]


@pytest.mark.skipif(find_spec("wandb") is not None, reason="wandb is installed here")
def test_wandb_that_is_not_installed_is_one_line_and_exit_2_before_anything_starts(tmp_path, make_config, run_train):
    result = run_train("--config", str(make_config(training={"report_to": ["wandb"]})))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'train.yaml'}: training.report_to: wandb is not installed (pip install wandb)"]
