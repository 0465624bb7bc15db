"""Remote and record sources as real servers and real mistakes present them: an endpoint that
refuses, a static server without byte ranges, a Parquet file without the configured column, a
line far longer than any document, a server that stops sending mid-answer. Each is one line
and the exit of docs/exit-codes.md, never a traceback, and never a crawl that hangs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from support.paths import REPO

SCRIPT = REPO / "scripts" / "crawl.py"


def crawl(config: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--no-web-crawl"],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


def write_config(path: Path, source: object, out: Path, **extra: object) -> Path:
    path.write_text(yaml.safe_dump({"output_dir": str(out), "sources": [source], "target": 10_000,
                                    "workers": 1, "extract": {"repeated_lines": False},
                                    "output": {"shard_size": 8}, **extra}), encoding="utf-8")
    return path


def ids(out: Path) -> list[str]:
    return [json.loads(line)["id"] for shard in sorted((out / "shards").glob("shard-*.jsonl"))
            for line in shard.read_text(encoding="utf-8").splitlines()]


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_hf_endpoint_that_refuses_is_one_line_and_exit_1(tmp_path) -> None:
    source = {"path": "hf://datasets/someone/corpus/ja/*.parquet",
              "storage_options": {"endpoint": f"http://127.0.0.1:{refused_port()}"}}
    done = crawl(write_config(tmp_path / "crawl.yaml", source, tmp_path / "out"))
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.endswith("failed: sources: cannot list hf://datasets/someone/corpus/ja/*.parquet: ConnectError: "
                         "[Errno 111] Connection refused"), line


def test_parquet_without_the_text_column_is_one_line_naming_file_columns_and_field_exit_2(tmp_path) -> None:
    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"content": ["本文です。"] * 3, "link": ["https://ja.example/"] * 3}), data)
    config = write_config(tmp_path / "crawl.yaml", str(data), tmp_path / "out")
    done = crawl(config)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line == (f"error: {config}: sources[0].text_field: {data.resolve().as_uri()} has no column 'text'; "
                    "columns found: content, link"), line
