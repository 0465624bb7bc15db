"""The trainer on a filesystem that fills up (a real 1000 KiB tmpfs): one line naming the
folder, exit 1, the previous complete checkpoint kept, and a resume once there is room."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from support.paths import REPO
from support.small_disk import resize_tmpfs, small_tmpfs

from tandem.train.checkpoints import can_resume_from

SCRIPT = REPO / "scripts" / "train.py"
TEXT = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。The cat sat on the mat."


def train(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(SCRIPT), "--config", str(config)], capture_output=True, text=True,
                          timeout=180, env={**env, "OMP_NUM_THREADS": "1"}, cwd=REPO)


def test_a_full_disk_is_one_line_and_the_previous_checkpoint_survives(tmp_path):
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "shard-000000.jsonl").write_text(
        "".join(json.dumps({"text": f"{i} {TEXT}"}, ensure_ascii=False) + "\n" for i in range(20)), encoding="utf-8")
    with small_tmpfs(tmp_path / "disk", size_kib=1000) as disk:
        out = disk / "out"
        config = tmp_path / "train.yaml"
        config.write_text(yaml.safe_dump({
            "model": {"init": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                               "vocab_size": 400}},
            # 20 short samples: more than data.max_passes passes to reach step 9.
            "data": {"paths": [str(shards / "*.jsonl")], "min_samples": 20, "max_passes": None},
            "training": {"max_steps": 9, "save_steps": 3, "save_total_limit": 1, "seq_len": 32, "batch_size": 4},
            "output_dir": str(out)}))

        failed = train(config)  # checkpoint-3 (0.6 MB) fits, checkpoint-6 does not
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert failed.stderr.strip().splitlines() == [
            f"error: no space left on {out} (saving checkpoint-6; the newest complete checkpoint is checkpoint-3)"]
        assert "Traceback" not in failed.stdout + failed.stderr
        assert can_resume_from(out / "checkpoint-3")
        assert not (out / ".staging").exists()  # this run's half-written checkpoint-6 gave its space back

        resize_tmpfs(disk, 4096)
        resumed = train(config)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert f"resuming from {out / 'checkpoint-3'}" in resumed.stdout
        assert can_resume_from(out / "checkpoint-9") and (out / "final" / "model.safetensors").is_file()
