"""The run record (docs/run-record.md): one JSON file per run, `logs/runs/RUN_ID.json`, replaced
atomically at every change of state. The supervisor writes it; `invoke status`, the report, the
notification and the watchdog read it, all through this module."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tandem.fileio.atomic_files import atomic_write_json

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


class RecordError(Exception):
    """No record to read (one line for the user)."""


def load_record(path: Path) -> dict[str, Any]:
    """The record at `path`; RecordError when it is missing or not a record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"{path}: no such run record") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"{path}: not a readable run record ({exc})") from None
    if not isinstance(data, dict):
        raise RecordError(f"{path}: not a run record (expected a JSON object)")
    return data


def latest_record(runs_dir: Path) -> Path:
    """The newest record's path; RecordError when there is none."""
    path = latest_record_path(Path(runs_dir))
    if path is None:
        raise RecordError(f"{runs_dir}: no run records found (start a run first)")
    return path


def name_report(record_path: Path, report_path: Path) -> None:
    """Name the run's report in its record, so a rebuild rewrites the same file."""
    record = load_record(record_path)
    if record.get("report") != str(report_path):
        record["report"] = str(report_path)
        atomic_write_json(record_path, record)


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
