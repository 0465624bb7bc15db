"""A crawl of file sources (`scripts/crawl.py --no-web-crawl`) as the fault tests run it: its
config, the process, and the ids of what it kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from support.paths import REPO

SCRIPT = REPO / "scripts" / "crawl.py"


def crawl(config: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--no-web-crawl"],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


def write_config(path: Path, source: object, out: Path, **extra: object) -> Path:
    """One source (a path, a URL or a `sources:` entry), every record kept, small shards."""
    path.write_text(yaml.safe_dump({"output_dir": str(out), "sources": [str(source) if isinstance(source, Path)
                                                                          else source], "target": 10_000,
                                    "workers": 1, "extract": {"repeated_lines": False},
                                    "output": {"shard_size": 8}, **extra}), encoding="utf-8")
    return path


def ids(out: Path) -> list[str]:
    return [json.loads(line)["id"] for shard in sorted((out / "shards").glob("shard-*.jsonl"))
            for line in shard.read_text(encoding="utf-8").splitlines()]
