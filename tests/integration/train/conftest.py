"""Fixtures for running scripts/train.py for real: shards, a small config, the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.config_files import merged
from support.paths import REPO

SCRIPT = REPO / "scripts" / "train.py"
SENTENCES = ["吾輩は猫である。名前はまだ無い。", "どこで生れたかとんと見当がつかぬ。",
             "The cat sat on the mat and looked at the dog.", "東京は晴れ、大阪は雨でした。"]


def shard_texts(index: int, count: int) -> list[str]:
    """Repetitive text a tiny model learns quickly, a little different in every sample."""
    return [" ".join(SENTENCES[(index + i + k) % len(SENTENCES)] for k in range(6)) for i in range(count)]


@pytest.fixture
def write_shard() -> Callable[..., Path]:
    """write_shard(folder, index, count=20, extra_lines=()) — written as the crawl does."""

    def write(folder: Path, index: int, count: int = 20, extra_lines: tuple[str, ...] = ()) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"text": t, "id": f"{index}-{i}"}, ensure_ascii=False)
                 for i, t in enumerate(shard_texts(index, count))]
        temp = folder / f".shard-{index:06d}.jsonl.tmp"
        temp.write_text("".join(f"{line}\n" for line in [*lines, *extra_lines]), encoding="utf-8")
        final = folder / f"shard-{index:06d}.jsonl"
        temp.rename(final)
        return final

    return write


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """make_config(**sections) → a YAML path: a tiny from-scratch model on tmp_path/shards."""

    def make(name: str = "train.yaml", **sections: Any) -> Path:
        config = {
            "model": {"init": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                               "vocab_size": 400}},
            "data": {"paths": [str(tmp_path / "shards" / "*.jsonl")], "min_samples": 20,
                     "poll_interval_s": 0.2},
            "training": {"max_steps": 20, "save_steps": 10, "seq_len": 32, "batch_size": 4,
                         "learning_rate": 0.003, "logging_steps": 1, "warmup_steps": 0,
                         "lr_scheduler_type": "linear"},
            "output_dir": str(tmp_path / "out"),
        }
        path = tmp_path / name
        path.write_text(yaml.safe_dump(merged(config, sections)), encoding="utf-8")
        return path

    return make


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update({"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", **extra})
    return env


@pytest.fixture
def run_train() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                              timeout=timeout, env=child_env(**env), cwd=REPO)

    return run


@pytest.fixture
def start_train() -> Callable[..., subprocess.Popen[str]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, **env: str) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, str(SCRIPT), *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env=child_env(**env), cwd=REPO)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def read_metrics(output_dir: Path) -> list[dict[str, Any]]:
    path = output_dir / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


@pytest.fixture
def metrics() -> Callable[[Path], list[dict[str, Any]]]:
    return read_metrics


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """wait_until(condition, timeout=150, what=..., process=None). The deadline is a safety net:
    on a loaded 2-core machine a trainer's start-up alone can take a minute. A `process` that
    ends before the condition holds fails the wait at once, with its output."""

    def wait(condition: Callable[[], bool], timeout: float = 150, what: str = "condition",
             process: subprocess.Popen[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ended = process is not None and process.poll() is not None  # before the last look
            if condition():
                return
            if process is not None and ended:
                output, _ = process.communicate()
                raise AssertionError(f"the trainer exited with {process.returncode} before {what}:\n{output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    return wait
