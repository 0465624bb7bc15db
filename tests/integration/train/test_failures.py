"""A full disk during a save: the write fails in a child process patched to fail (portable; the
real full filesystem is in tests/faults/train)."""

from __future__ import annotations

import subprocess
import sys

from tandem.contracts.child_protocol import ENV_ERROR_FILE, read_error_file
from tandem.train.checkpoints import newest_complete

from .conftest import REPO, SCRIPT, child_env

FAIL_SECOND_SAVE = """
import errno, runpy, sys
import tandem.train  # first, as scripts/train.py imports it: it quiets bitsandbytes' import-time warning
import transformers.trainer as hf
real = hf.Trainer._save_optimizer_and_scheduler
saves = []
def fail_second(self, output_dir):
    saves.append(output_dir)
    if len(saves) == 2:  # the weights are written, the optimizer state is not
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(self, output_dir)
hf.Trainer._save_optimizer_and_scheduler = fail_second
sys.argv = [sys.argv[1], "--config", sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_out_of_disk_while_saving_keeps_the_previous_complete_checkpoint(tmp_path, write_shard, make_config,
                                                                         run_train):
    write_shard(tmp_path / "shards", 0)
    config = make_config(training={"max_steps": 15, "save_steps": 5, "save_total_limit": 1})
    failed = subprocess.run([sys.executable, "-c", FAIL_SECOND_SAVE, str(SCRIPT), str(config)], cwd=REPO,
                            env=child_env(), capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = tmp_path / "out"
    assert failed.stderr.strip().splitlines() == [
        f"error: no space left on {out} (saving checkpoint-10; the newest complete checkpoint is checkpoint-5)"]
    assert "Traceback" not in failed.stdout + failed.stderr
    assert not (out / ".staging").exists()  # its own half-written checkpoint-10 is removed, giving the space back
    assert newest_complete(out) == out / "checkpoint-5"

    result = run_train("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"resuming from {out / 'checkpoint-5'}" in result.stdout
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(("checkpoint", ".staging"))) == [
        "checkpoint-15"]


FAIL_IN_TRAINING = """
import runpy, sys
import tandem.train.training_run as training_run
def train(config, reporter, stop):
    raise RuntimeError("CUDA error: an illegal memory access was encountered")
training_run.train = train
sys.argv = [sys.argv[1], "--config", sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_a_training_that_dies_of_an_exception_leaves_it_in_the_error_file(tmp_path, write_shard, make_config):
    """The trainer logs the traceback and exits 1; under a supervisor it also writes
    $TANDEM_ERROR_FILE, which the record and the report quote (docs/child-protocol.md)."""
    write_shard(tmp_path / "shards", 0)
    error_file = tmp_path / "train.error.json"
    failed = subprocess.run([sys.executable, "-c", FAIL_IN_TRAINING, str(SCRIPT), str(make_config())], cwd=REPO,
                            env={**child_env(), ENV_ERROR_FILE: str(error_file)}, capture_output=True, text=True,
                            timeout=120)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    error = read_error_file(error_file)
    assert error is not None, failed.stdout + failed.stderr
    assert (error.type, error.message) == ("RuntimeError", "CUDA error: an illegal memory access was encountered")
    assert "in train" in error.traceback
