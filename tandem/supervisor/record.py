"""The run record (CONTRACT §5): one JSON file per run, replaced atomically at every change."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tandem.atomicio import atomic_write_json, read_json

RUN_ID_FORMAT = "%Y%m%d_%H%M%S"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def new_run_id(runs_dir: Path, sleep: Callable[[float], None] = time.sleep) -> str:
    """`YYYYMMDD_HHMMSS`, unique in `runs_dir`: a second run within the same second waits for
    the next one rather than overwrite the first's record and logs."""
    while True:
        run_id = datetime.now().strftime(RUN_ID_FORMAT)
        if not (runs_dir / f"{run_id}.json").exists():
            return run_id
        sleep(0.05)


def record_path(runs_dir: Path, run_id: str) -> Path:
    return runs_dir / f"{run_id}.json"


def latest_record_path(runs_dir: Path) -> Path | None:
    """The newest record in `runs_dir` (RUN_IDs are timestamps, so name order is time order)."""
    records = sorted(p for p in Path(runs_dir).glob("*.json") if p.is_file() and not p.name.startswith("."))
    return records[-1] if records else None


def load_record(path: Path) -> dict[str, Any] | None:
    data = read_json(path)
    return data if isinstance(data, dict) else None


class RunRecord:
    """The record of the current run, saved after every mutation the supervisor makes."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    @classmethod
    def create(
        cls,
        runs_dir: Path,
        run_id: str,
        kind: str,
        processes: dict[str, dict[str, Any]],
        extra: dict[str, Any],
    ) -> RunRecord:
        me = psutil.Process(os.getpid())
        data: dict[str, Any] = {
            "run_id": run_id,
            "kind": kind,
            "started_at": now_iso(),
            "ended_at": None,
            "status": "running",
            "exit_code": None,
            "supervisor_pid": me.pid,
            "supervisor_create_time": me.create_time(),
            "cwd": str(Path.cwd()),
            **extra,
            "processes": {
                name: {
                    "command": info["command"],
                    "pid": None,
                    "create_time": None,
                    "started_at": None,
                    "ended_at": None,
                    "status": "pending",
                    "exit_code": None,
                    "restarts": 0,
                    "log_file": info["log_file"],
                    "status_file": info["status_file"],
                    "resources": info.get("resources"),  # CPUs, threads and nice it was given
                    "error": None,
                    "progress": None,
                    "attempts": [],
                }
                for name, info in processes.items()
            },
            "resources": None,
            "report": None,
        }
        record = cls(record_path(runs_dir, run_id), data)
        record.save()
        return record

    def process(self, name: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data["processes"][name]
        return entry

    def save(self) -> None:
        atomic_write_json(self.path, self.data)
