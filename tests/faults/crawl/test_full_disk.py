"""The crawl on a filesystem that fills up (a real small tmpfs): one line naming the file, exit 1,
every committed record kept, and a resume once there is room that ends with exactly what an
uninterrupted crawl keeps — nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.paths import REPO
from support.small_disk import resize_tmpfs, small_tmpfs

SCRIPT = REPO / "scripts" / "crawl.py"


def crawl(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--no-web-crawl"],
                          capture_output=True, text=True, timeout=180, env=env, cwd=REPO)


def write_config(path: Path, site: Path, out: Path) -> Path:
    path.write_text(yaml.safe_dump({"output_dir": str(out), "sources": [str(site)], "target": 10_000,
                                    "workers": 1, "extract": {"repeated_lines": False},
                                    "output": {"shard_size": 4}}), encoding="utf-8")
    return path


def ids(out: Path) -> list[str]:
    return [json.loads(line)["id"] for shard in sorted((out / "shards").glob("shard-*.jsonl"))
            for line in shard.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("size_kib", [120, 40])  # room for some shards; hardly room for the frontier
def test_a_full_disk_is_one_line_and_a_resume_with_room_loses_nothing(small_site, tmp_path, size_kib) -> None:
    site, _ = small_site
    reference = tmp_path / "reference"
    assert crawl(write_config(tmp_path / "reference.yaml", site, reference)).returncode == 0
    expected = ids(reference)
    assert len(expected) > 40

    with small_tmpfs(tmp_path / "disk", size_kib=size_kib) as disk:
        out = disk / "out"
        config = write_config(tmp_path / "crawl.yaml", site, out)
        failed = crawl(config)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        [line] = failed.stderr.strip().splitlines()
        assert line.startswith(f"error: no space left on {out}/"), line
        assert line.endswith("; the shards committed before it are kept: free some space and run again to resume")
        assert "Traceback" not in failed.stdout + failed.stderr
        committed = ids(out) if (out / "shards").is_dir() else []
        assert committed == expected[: len(committed)] and len(committed) < len(expected)

        resize_tmpfs(disk, 4096)
        resumed = crawl(config)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert ids(out) == expected
