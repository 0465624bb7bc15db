"""Crashes and restarts for real: kill -9 mid-run, half-written checkpoints, SIGTERM, a fresh
start in the same folder."""

from __future__ import annotations

import json
import shutil
import signal

import pytest

CHECKPOINTED = {"training": {"max_steps": 40, "save_steps": 10, "save_total_limit": 2}}
# The crawl's shards mixed 3:1 with a base corpus, each through a small shuffle window with a
# host cap, under a pass budget the base corpus (5 samples) runs out of midway.
MIXED = {"data": {"shuffle_window": 16, "max_per_host_per_window": 4, "max_passes": 3,
                  "mix": {"crawl": {"paths": ["SHARDS/*.jsonl"], "weight": 3}, "base": {"paths": ["BASE/*.jsonl"]}}}}


@pytest.mark.slow
@pytest.mark.timeout(600)  # three real runs on a shared 2-core machine
@pytest.mark.parametrize("data", [{}, MIXED], ids=["shuffled", "mixed"])
def test_kill_9_and_resume_gives_the_uninterrupted_loss_curve(tmp_path, write_shard, make_config, run_train,
                                                               start_train, metrics, wait_until, data):
    """The data position holds the shuffle windows (default data.shuffle_window), the draws of the
    mix and the passes: the resumed run trains on exactly the blocks the uninterrupted one did."""
    for index in range(4):
        write_shard(tmp_path / "shards", index, extra_lines=("{bad",))
    write_shard(tmp_path / "base", 9, count=5)
    folders = json.dumps(data).replace("SHARDS", str(tmp_path / "shards")).replace("BASE", str(tmp_path / "base"))
    data = json.loads(folders)
    reference = make_config("ref.yaml", output_dir=str(tmp_path / "ref"), **CHECKPOINTED, **data)
    assert run_train("--config", str(reference)).returncode == 0
    expected = metrics(tmp_path / "ref")

    crashed = make_config("crash.yaml", **CHECKPOINTED, **data)
    out = tmp_path / "out"
    process = start_train("--config", str(crashed))
    wait_until(lambda: len(metrics(out)) >= 25, what="step 25", process=process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (out / "checkpoint-20").is_dir() and not (out / "final").exists()

    result = run_train("--config", str(crashed))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "resuming from" in result.stdout and "checkpoint-20" in result.stdout
    resumed = metrics(out)
    assert [m["step"] for m in resumed] == list(range(1, 41))
    assert max(abs(a["loss"] - b["loss"]) for a, b in zip(resumed, expected, strict=True)) == 0
    assert [m["learning_rate"] for m in resumed] == [m["learning_rate"] for m in expected]
    assert [m["samples_seen"] for m in resumed] == [m["samples_seen"] for m in expected]
    final = json.loads((out / "checkpoint-40" / "data_state.json").read_text())
    reference_final = json.loads((tmp_path / "ref" / "checkpoint-40" / "data_state.json").read_text())
    assert final["position"] == reference_final["position"]
    assert [m["source_tokens"] for m in resumed] == [m["source_tokens"] for m in expected]
    assert set(expected[-1]["source_tokens"]) == ({"crawl", "base"} if data else {"crawl"})


@pytest.mark.slow
@pytest.mark.timeout(600)  # two real runs on a shared 2-core machine
def test_a_resumed_adapter_run_draws_the_same_dropout_masks(tmp_path, write_shard, make_config, run_train,
                                                              metrics):
    """LoRA dropout draws from the global generator: the checkpoint's RNG state must be the one the
    next step starts with, however many numbers the restart itself draws before it."""
    write_shard(tmp_path / "shards", 0)
    sections = {"adapter": "lora", "lora": {"dropout": 0.5},
                "training": {"max_steps": 6, "save_steps": 3, "learning_rate": 0.01}}
    reference = make_config("ref.yaml", output_dir=str(tmp_path / "ref"), **sections)
    assert run_train("--config", str(reference)).returncode == 0
    expected = metrics(tmp_path / "ref")
    # What a crash after step 3 leaves (test_kill_9_… shows that a real kill -9 leaves this).
    out = tmp_path / "out"
    shutil.copytree(tmp_path / "ref", out, ignore=shutil.ignore_patterns("checkpoint-6", "final"))

    result = run_train("--config", str(make_config("resume.yaml", **sections)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"resuming from {out / 'checkpoint-3'}" in result.stdout
    assert [m["loss"] for m in metrics(out)] == [m["loss"] for m in expected]


def test_checkpoints_that_cannot_be_resumed_from_are_set_aside_never_deleted(tmp_path, write_shard, make_config,
                                                                              run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 10, "save_steps": 5},
                         data={"max_passes": None})  # 20 steps take more than 4 passes over 20 samples
    assert run_train("--config", str(config)).returncode == 0
    out = tmp_path / "out"
    # What a kill during Trainer's own save leaves: the files but no trainer_state.json.
    half = out / "checkpoint-15"
    shutil.copytree(out / "checkpoint-10", half)
    (half / "trainer_state.json").unlink()
    (half / "tandem_complete.json").unlink()
    (out / ".staging" / "checkpoint-20").mkdir(parents=True)
    # The newest complete one with a damaged trainer state; its weights and optimizer are intact.
    optimizer = (out / "checkpoint-10" / "optimizer.pt").read_bytes()
    (out / "checkpoint-10" / "trainer_state.json").write_text("{damaged")

    result = run_train("--config", str(config), "--max-steps", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checkpoint-10 cannot be resumed from (trainer_state.json has 8 bytes" in result.stdout
    assert "missing keys" not in result.stdout + result.stderr  # tied lm_head is loaded through its twin
    assert f"resuming from {out / 'checkpoint-5'}" in result.stdout
    aside = {p.name.split(".")[0]: p for p in out.glob("*.incomplete-*")}
    assert sorted(aside) == ["checkpoint-10", "checkpoint-15", "checkpoint-20"]
    assert (aside["checkpoint-10"] / "optimizer.pt").read_bytes() == optimizer
    assert not (out / ".staging").exists()
    assert sorted(p.name for p in out.glob("checkpoint-*") if "." not in p.name) == [
        "checkpoint-10", "checkpoint-15", "checkpoint-20"]
    assert json.loads((out / "checkpoint-15" / "trainer_state.json").read_text())["global_step"] == 15


def test_a_stock_hugging_face_checkpoint_is_resumed_with_the_data_from_the_start(tmp_path, write_shard, make_config,
                                                                                 run_train, metrics):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 10, "save_steps": 5})
    assert run_train("--config", str(config)).returncode == 0
    out = tmp_path / "out"
    for checkpoint in out.glob("checkpoint-*"):  # what a plain Trainer leaves: no marker, no data position
        (checkpoint / "tandem_complete.json").unlink()
        (checkpoint / "data_state.json").unlink()

    result = run_train("--config", str(config), "--max-steps", "15")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"resuming from {out / 'checkpoint-10'}" in result.stdout
    assert "checkpoint-10 is a plain Hugging Face checkpoint without tandem's data position" in result.stdout
    assert [m["step"] for m in metrics(out)] == list(range(1, 16))
    position = json.loads((out / "checkpoint-15" / "data_state.json").read_text())["position"]
    assert position["blocks"] == 5 * 4  # five steps of four blocks, counted from the first sample


def test_sigterm_saves_a_checkpoint_and_exits_143(tmp_path, write_shard, make_config, start_train, metrics,
                                                  wait_until):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 100000, "save_steps": 100000},
                         data={"max_passes": None})  # trains until the signal, however many passes
    out = tmp_path / "out"
    process = start_train("--config", str(config))
    wait_until(lambda: len(metrics(out)) >= 3, what="step 3", process=process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 143, output
    [checkpoint] = list(out.glob("checkpoint-*"))
    step = int(checkpoint.name.split("-")[1])
    assert step >= 3 and (checkpoint / "tandem_complete.json").is_file()
    assert not (out / "final").exists()


@pytest.mark.slow
def test_no_auto_resume_moves_the_earlier_run_aside(tmp_path, write_shard, make_config, run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 5, "save_steps": 5})
    assert run_train("--config", str(config)).returncode == 0
    result = run_train("--config", str(config), TANDEM_AUTO_RESUME="0")
    assert result.returncode == 0 and "resuming" not in result.stdout
    [aside] = list(tmp_path.glob("out.prev-*"))
    assert (aside / "checkpoint-5").is_dir() and (aside / "metrics.jsonl").is_file()
    assert (tmp_path / "out" / "checkpoint-5").is_dir()
    again = run_train("--config", str(config), "--no-auto-resume", TANDEM_RUN_ID="20260101_000000")
    assert again.returncode == 0 and len(list(tmp_path.glob("out.prev-*"))) == 2
    # The supervisor restarting that run's trainer with the same flags: it resumes, moves nothing.
    restarted = run_train("--config", str(config), "--no-auto-resume", "--max-steps", "8",
                          TANDEM_RUN_ID="20260101_000000", TANDEM_AUTO_RESUME="1")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert "already applied for run 20260101_000000" in restarted.stdout
    assert f"resuming from {tmp_path / 'out' / 'checkpoint-5'}" in restarted.stdout
    assert len(list(tmp_path.glob("out.prev-*"))) == 2
