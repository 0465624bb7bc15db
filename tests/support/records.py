"""Realistic run records, shaped like the supervisor writes them, with the files beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RUN_ID = "20261128_140000"
T0 = "2026-11-28T14:00:00.000+00:00"


def at(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"2026-11-28T14:{minutes:02d}:{secs:02d}.000+00:00"


class RunBuilder:
    """A run folder under `root`: logs, run dir, record; tests change `record` then `save()`."""

    def __init__(self, root: Path, run_id: str = RUN_ID, started: str = T0) -> None:
        self.root = root
        self.run_id = run_id
        self.run_dir = f"logs/runs/{run_id}"
        (root / self.run_dir).mkdir(parents=True, exist_ok=True)
        self.record: dict[str, Any] = {
            "run_id": run_id, "kind": "parallel", "started_at": started, "ended_at": at(192),
            "status": "succeeded", "exit_code": 0, "supervisor_log": "logs/parallel_train_crawl.log",
            "run_dir": self.run_dir, "processes": {}, "resources": None, "report": None,
        }
        (root / "logs" / "parallel_train_crawl.log").write_text("supervisor events\n")

    def process(self, name: str, *, status: str = "succeeded", exit_code: int | None = 0,
                attempts: list[dict[str, Any]] | None = None, progress: dict[str, Any] | None = None,
                log: str = "working\ndone\n", error: dict[str, Any] | None = None,
                ended: float = 192) -> dict[str, Any]:
        log_file = f"logs/{name}_{self.run_id}.log"
        (self.root / log_file).write_text(log)
        attempts = attempts if attempts is not None else [
            {"pid": 4242, "started_at": T0, "ended_at": at(ended), "exit_code": exit_code,
             "uptime_s": float(ended), "reason": "exited 0" if exit_code == 0 else f"exit code {exit_code}"}]
        entry = {
            "command": ["python", f"scripts/{name}.py"], "pid": attempts[-1]["pid"] if attempts else None,
            "create_time": 1.0, "started_at": T0, "ended_at": at(ended), "status": status,
            "exit_code": exit_code, "restarts": max(len(attempts) - 1, 0), "log_file": log_file,
            "status_file": f"{self.run_dir}/{name}.status.json", "error": error, "progress": progress,
            "attempts": attempts,
        }
        self.record["processes"][name] = entry
        return entry

    def progress_lines(self, lines: list[dict[str, Any]]) -> None:
        with open(self.root / self.run_dir / "progress.jsonl", "a") as handle:
            for line in lines:
                handle.write(json.dumps(line) + "\n")

    def resource_samples(self, samples: list[dict[str, Any]]) -> None:
        with open(self.root / self.run_dir / "resources.jsonl", "a") as handle:
            for sample in samples:
                handle.write(json.dumps(sample) + "\n")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def save(self) -> Path:
        path = self.root / "logs" / "runs" / f"{self.run_id}.json"
        path.write_text(json.dumps(self.record, indent=1))
        return path


def crawl_metrics(**overrides: Any) -> dict[str, Any]:
    metrics = {"kept": 290, "target": 500, "pages_fetched": 800, "pages_per_s": 8.25, "queue_size": 12,
               "dropped": {"not_japanese": 300, "too_short": 150, "robots": 60},
               "duplicates_exact": 20, "duplicates_near": 7, "bytes_fetched": 12_345_678, "elapsed_s": 100.0}
    metrics.update(overrides)
    return metrics


def train_metrics(**overrides: Any) -> dict[str, Any]:
    metrics = {"step": 60, "max_steps": 60, "loss": 0.7, "learning_rate": 0.0003, "tokens_per_s": 1234.5,
               "samples_seen": 480, "checkpoint": "outputs/demo/checkpoint-60",
               "metrics_file": "outputs/demo/metrics.jsonl", "output_dir": "outputs/demo"}
    metrics.update(overrides)
    return metrics
