"""One trainer per output_dir, and a finished training stays finished: a second trainer is
refused naming the first; a re-run of a finished one says so and touches nothing."""

from __future__ import annotations

import hashlib
import shutil
import signal
from pathlib import Path


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_trainer_on_the_same_output_dir_is_refused_naming_the_first(tmp_path, write_shard, make_config,
                                                                             start_train, run_train, metrics,
                                                                             wait_until):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 100000, "save_steps": 100000},
                         data={"max_passes": None})  # trains until the signal, however many passes
    out = tmp_path / "out"
    first = start_train("--config", str(config))
    wait_until(lambda: len(metrics(out)) >= 2, what="step 2")
    second = run_train("--config", str(config))
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stderr.strip().splitlines() == [
        f"error: {config}: output_dir: {out} is in use by another training (pid {first.pid}, training into "
        f"{out}); wait for it to end or choose another --output-dir"]
    first.send_signal(signal.SIGTERM)
    output, _ = first.communicate(timeout=60)
    assert first.returncode == 143, output
    steps = [m["step"] for m in metrics(out)]
    assert steps == list(range(1, len(steps) + 1))  # one writer: no step twice


def test_a_finished_training_says_so_and_touches_nothing(tmp_path, write_shard, make_config, run_train, metrics):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 5, "save_steps": 5})
    status = tmp_path / "status.json"
    assert run_train("--config", str(config)).returncode == 0
    out = tmp_path / "out"
    before = snapshot(out)

    again = run_train("--config", str(config), "--status-file", str(status))
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"training already finished: checkpoint-5 reached max_steps 5, the final model is in {out / 'final'}" \
        in again.stdout
    assert snapshot(out) == before
    assert '"message": "finished"' in status.read_text() and '"done": 5' in status.read_text()

    # Stopped between the last checkpoint and final/: final/ comes from the checkpoint, no step more.
    shutil.rmtree(out / "final")
    third = run_train("--config", str(config))
    assert third.returncode == 0, third.stdout + third.stderr
    assert "was not saved at checkpoint-5: made it from that checkpoint" in third.stdout
    final, checkpoint = out / "final", out / "checkpoint-5"
    assert (final / "model.safetensors").read_bytes() == (checkpoint / "model.safetensors").read_bytes()
    assert (final / "tokenizer.json").is_file() and not (final / "optimizer.pt").exists()
    assert [m["step"] for m in metrics(out)] == [1, 2, 3, 4, 5]


def test_an_output_dir_that_is_a_file_is_one_line_and_exit_2(tmp_path, write_shard, make_config, run_train):
    write_shard(tmp_path / "shards", 0)
    (tmp_path / "out").write_text("not a folder")
    config = make_config()
    result = run_train("--config", str(config))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: output_dir: {tmp_path / 'out'} is a file, not a folder"]
