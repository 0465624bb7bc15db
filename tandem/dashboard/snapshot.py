"""What the page shows, as one JSON object built from the files a run writes: the record
(`tandem.contracts.run_record`), each process's status file (`tandem.contracts.child_protocol`)
and log, `progress.jsonl`, `resources.jsonl` and the trainer's `metrics.jsonl`. Only reads."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tandem.contracts.child_protocol import Progress, read_status_file
from tandem.contracts.metrics import kind_of
from tandem.contracts.metrics_read import CrawlMetricsView, TrainLogRow, TrainMetricsView
from tandem.contracts.run_record import (
    ProcessEntry,
    ProcessState,
    RecordError,
    RunRecord,
    find_process,
    latest_record_path,
    record_path,
    supervisor_alive,
)
from tandem.dashboard.followers import Cached, JsonlFollower, Series, log_tail, number

LOG_LINES = 30


def _load_record(path: Path) -> RunRecord | None:
    try:
        return RunRecord.load(path)
    except RecordError:
        return None


class ProcessFiles:
    """One process's status file and log, re-read only when they change."""

    def __init__(self) -> None:
        self.status: Cached[Progress | None] = Cached(read_status_file, None)
        self.log = log_tail(LOG_LINES)


class RunReader:
    """The state of one run (`run_id`), or of the latest run in `logs_dir` when it is None."""

    def __init__(self, logs_dir: Path, run_id: str | None = None) -> None:
        self.runs_dir = Path(logs_dir) / "runs"
        self.run_id = run_id
        self._record: Cached[RunRecord | None] = Cached(_load_record, None)
        self._current: str | None = None
        self._files: dict[str, ProcessFiles] = {}
        self.loss = Series(["step", "loss", "learning_rate", "tokens_per_s"])
        # Held-out loss on its own: a few points (every eval_steps) that thinning the training
        # series must never drop.
        self.evals = Series(["step", "eval_loss"])
        self.kept = Series(["elapsed_s", "kept", "pages_per_s"])
        self.usage = Series(["elapsed_s", "cpu_percent", "memory_percent"])
        self._latest_sample: dict[str, Any] | None = None
        self._metrics = JsonlFollower(self._on_metrics, self._forget_metrics)
        self._progress = JsonlFollower(self._on_progress, self.kept.clear)
        self._resources = JsonlFollower(self._on_resources, self._forget_resources)
        self._checkpoints: Cached[list[str]] = Cached(_checkpoints, [])

    def record_path(self) -> Path | None:
        if self.run_id is not None:
            return record_path(self.runs_dir, self.run_id)
        return latest_record_path(self.runs_dir)

    def record(self) -> RunRecord | None:
        return self._record.get(self.record_path())

    def state(self) -> dict[str, Any]:
        record = self.record()
        if record is None:
            return {"run": None, "processes": [], "crawl": None, "train": None, "resources": None,
                    "waiting_for": str(self.runs_dir)}
        if record.run_id != self._current:
            self._switch(record.run_id)
        run_dir = Path(record.run_dir) if record.run_dir else self.runs_dir / record.run_id
        self._progress.follow(run_dir / "progress.jsonl")
        self._resources.follow(run_dir / "resources.jsonl")
        processes = [self._process(name, entry) for name, entry in record.processes.items()]
        crawl = next((p for p in processes if p["kind"] == "crawl"), None)
        train = next((p for p in processes if p["kind"] == "train"), None)
        return {
            "run": {"run_id": record.run_id, "kind": record.kind, "status": record.status,
                    "started_at": record.started_at, "ended_at": record.ended_at, "exit_code": record.exit_code,
                    "supervisor_pid": record.supervisor_pid, "interrupted_reason": record.interrupted_reason,
                    "supervisor_alive": not record.finished and supervisor_alive(record), "report": record.report},
            "processes": processes,
            "crawl": self._crawl(crawl) if crawl else None,
            "train": self._train(train) if train else None,
            "resources": self._resources_state(),
        }

    # -- one process ------------------------------------------------------------------------------
    def _process(self, name: str, entry: ProcessEntry) -> dict[str, Any]:
        files = self._files.setdefault(name, ProcessFiles())
        progress = files.status.get(Path(entry.status_file) if entry.status_file else None) or entry.progress
        running = entry.status == ProcessState.RUNNING
        alive = running and find_process(entry.pid, entry.create_time) is not None
        attempt = entry.attempts[-1] if entry.attempts else None
        return {
            "name": name, "status": entry.status, "pid": entry.pid, "alive": alive,
            "uptime_s": _seconds_since(attempt.started_at) if attempt and running else
            (attempt.uptime_s if attempt else None),
            "restarts": entry.restarts, "exit_code": entry.exit_code,
            "exit_codes": [a.exit_code for a in entry.attempts if a.exit_code is not None],
            "last_reason": attempt.reason if attempt else None,
            "progress": progress.to_json() if progress else None,
            "kind": kind_of(progress.metrics) if progress else None,
            "log": files.log.get(Path(entry.log_file) if entry.log_file else None),
            "log_file": entry.log_file,
        }

    def _crawl(self, process: dict[str, Any]) -> dict[str, Any]:
        progress = process["progress"]
        metrics = dict(progress["metrics"])
        dropped = CrawlMetricsView.read(metrics).dropped or {}
        metrics["dropped"] = sorted(dropped.items(), key=lambda item: -item[1])
        return {"name": process["name"], "metrics": metrics, "message": progress["message"],
                "series": self.kept.to_json()}

    def _train(self, process: dict[str, Any]) -> dict[str, Any]:
        progress = process["progress"]
        metrics = progress["metrics"]
        train = TrainMetricsView.read(metrics)
        self._metrics.follow(Path(train.metrics_file) if train.metrics_file else None)
        output_dir = Path(train.output_dir) if train.output_dir is not None else None
        message = progress["message"] or ""
        return {"name": process["name"], "metrics": metrics, "message": message,
                "waiting_for_data": message.startswith("waiting for data"),
                "checkpoints": self._checkpoints.get(output_dir),
                "series": self.loss.to_json(), "eval_series": self.evals.to_json()}

    def _resources_state(self) -> dict[str, Any] | None:
        if self._latest_sample is None:
            return None
        return {"sample": self._latest_sample, "series": self.usage.to_json()}

    # -- the JSON-lines files -----------------------------------------------------------------------
    def _on_metrics(self, item: dict[str, Any]) -> None:
        row = TrainLogRow.read(item)
        if row.step is not None:
            step = float(row.step)
            self.loss.add((step, row.loss, row.learning_rate, row.tokens_per_s))
            if row.eval_loss is not None:
                self.evals.add((step, row.eval_loss))

    def _forget_metrics(self) -> None:
        self.loss.clear()
        self.evals.clear()

    def _on_progress(self, item: dict[str, Any]) -> None:
        metrics = item.get("metrics")
        if kind_of(metrics) == "crawl":
            crawl = CrawlMetricsView.read(metrics)
            self.kept.add((number(item.get("elapsed_s")), number(crawl.kept), crawl.pages_per_s))

    def _on_resources(self, item: dict[str, Any]) -> None:
        system = item.get("system")
        system = system if isinstance(system, dict) else {}
        self._latest_sample = item
        self.usage.add((number(item.get("elapsed_s")), number(system.get("cpu_percent")),
                        number(system.get("memory_percent"))))

    def _forget_resources(self) -> None:
        self._latest_sample = None
        self.usage.clear()

    def _switch(self, run_id: str) -> None:
        """A new run: nothing of the previous one's files stays on the page."""
        self._current = run_id
        self._files.clear()
        self._progress.follow(None)
        self._resources.follow(None)
        self._metrics.follow(None)


def _seconds_since(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return round((datetime.now().astimezone() - datetime.fromisoformat(iso)).total_seconds(), 1)
    except ValueError:
        return None


def _checkpoints(output_dir: Path) -> list[str]:
    """The trainer's checkpoint folders, oldest first (cached on the folder's mtime)."""
    try:
        names = [entry.name for entry in os.scandir(output_dir)
                 if entry.is_dir() and entry.name.startswith("checkpoint-") and entry.name[11:].isdigit()]
    except OSError:
        return []
    return sorted(names, key=lambda name: int(name[11:]))
