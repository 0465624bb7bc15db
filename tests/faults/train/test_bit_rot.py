"""Bit rot that keeps a file's size: the newest checkpoint's `optimizer.pt` replaced by as many
random bytes. The checksum taken at its save catches it before the resume loads it: the
checkpoint is moved aside (named `.damaged-…`, never deleted) and the run resumes from the
next complete one, with one warning line and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from support.paths import REPO

from tandem.train.checkpoints import can_resume_from

SCRIPT = REPO / "scripts" / "train.py"
TEXT = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。The cat sat on the mat."


def train(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(SCRIPT), "--config", str(config)], capture_output=True, text=True,
                          timeout=300, env={**env, "OMP_NUM_THREADS": "1"}, cwd=REPO)


def write_config(path: Path, shards: Path, out: Path, max_steps: int) -> Path:
    path.write_text(yaml.safe_dump({
        "model": {"init": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 400}},
        # 20 short samples read again and again: no pass budget, so that every step is trained.
        "data": {"paths": [str(shards / "*.jsonl")], "min_samples": 20, "max_passes": None},
        "training": {"max_steps": max_steps, "save_steps": 3, "seq_len": 32, "batch_size": 4},
        "output_dir": str(out)}))
    return path


def test_a_same_size_damaged_optimizer_state_sets_the_checkpoint_aside_and_resumes_from_the_one_before(tmp_path):
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "shard-000000.jsonl").write_text(
        "".join(json.dumps({"text": f"{i} {TEXT}"}, ensure_ascii=False) + "\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "out"
    first = train(write_config(tmp_path / "train.yaml", shards, out, max_steps=6))
    assert first.returncode == 0, first.stdout + first.stderr
    assert can_resume_from(out / "checkpoint-3") and can_resume_from(out / "checkpoint-6")

    optimizer = out / "checkpoint-6" / "optimizer.pt"
    optimizer.write_bytes(os.urandom(optimizer.stat().st_size))  # same size, other bytes

    resumed = train(write_config(tmp_path / "train.yaml", shards, out, max_steps=9))
    said = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, said
    assert "Traceback" not in said
    assert "checkpoint-6 cannot be resumed from (optimizer.pt does not match the SHA-256" in said
    assert f"resuming from {out / 'checkpoint-3'}" in said
    [aside] = out.glob("checkpoint-6.damaged-*")
    assert (aside / "optimizer.pt").read_bytes() != b"" and aside.is_dir()
    assert can_resume_from(out / "checkpoint-9")
