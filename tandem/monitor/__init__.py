"""Resource monitor: what each child's process tree and the machine use while a run goes on.

The supervisor calls `poll` from its loop several times a second; a sample is taken only every
`interval_s`, so the cost between samples is one clock read. A sample covers each process's whole
tree (the pid and its descendants: training spawns tokenizer and data workers, the crawl may spawn
helpers), the system's CPU and memory, the free disk of the folders a run writes into and, when
nvidia-ml-py finds a GPU, GPU memory and utilisation per process. Samples are appended as JSON
lines; `summary()` gives the peaks and means that the run record keeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tandem.monitor.gpu import GpuSampler
from tandem.monitor.monitor_config import MonitorSettings
from tandem.monitor.summary import SampleSummary, summarize_samples
from tandem.monitor.tree import TreeSampler

__all__ = ["GpuSampler", "ResourceMonitor", "summarize_samples"]

GB = 1024**3
# A warning re-arms only once the value is this much above its threshold again, so a value
# hovering around the threshold does not fill the log.
REARM_FACTOR = 1.05


class ResourceMonitor:
    def __init__(
        self,
        settings: MonitorSettings,
        samples_path: Path,
        log: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        root: Path = Path("."),
    ) -> None:
        self.settings = settings
        self.samples_path = Path(samples_path)
        self._log = log
        self._clock = clock
        self._root = Path(root)
        self._started: float | None = None
        self._next_due: float | None = None
        self._trees = TreeSampler()
        self._summary = SampleSummary()
        self._low: set[str] = set()  # thresholds currently crossed (warned once per crossing)
        self.warnings: list[str] = []
        self._gpu = GpuSampler.open() if settings.enabled and settings.gpu else None
        psutil.cpu_percent(interval=None)  # the first reading only sets psutil's baseline

    def poll(self, pids: Mapping[str, int | None]) -> None:
        if not self.settings.enabled:
            return
        now = self._clock()
        if self._next_due is not None and now < self._next_due:
            return
        if self._started is None:
            self._started = now
        self._next_due = now + self.settings.interval_s
        try:
            sample = self._sample(pids, now)
        except Exception as exc:  # the monitor must never take the supervisor down
            self._warn_once("sample-error", f"resource monitor: a sample failed ({exc!r}); continuing")
            return
        self._write(sample)

    def _sample(self, pids: Mapping[str, int | None], now: float) -> dict[str, Any]:
        gpu_by_pid, gpu_devices = self._gpu.sample() if self._gpu else ({}, [])
        processes: dict[str, Any] = {}
        for name, pid in pids.items():
            processes[name] = self._trees.sample(name, pid, gpu_by_pid) if pid else None
        memory = psutil.virtual_memory()
        system: dict[str, Any] = {
            "cpu_percent": psutil.cpu_percent(interval=None),
            "memory_percent": memory.percent,
            "memory_available_bytes": memory.available,
            "free_disk_bytes": self._free_disk(),
        }
        if gpu_devices:
            system["gpus"] = gpu_devices
        self._check_memory(memory.available)
        sample = {
            "t": datetime.now().astimezone().isoformat(timespec="seconds"),
            "elapsed_s": round(now - (self._started or now), 3),
            "processes": processes,
            "system": system,
        }
        self._summary.add(sample)
        return sample

    def _free_disk(self) -> dict[str, int]:
        """Free bytes per watched path; one query and at most one warning per file system."""
        by_device: dict[int, tuple[Path, list[str]]] = {}
        for name in self.settings.watch_paths:
            path = self._root / name
            while not path.exists() and path != path.parent:  # not created yet: its disk is above
                path = path.parent
            try:
                device = path.stat().st_dev
            except OSError:
                continue
            by_device.setdefault(device, (path, []))[1].append(name)
        free: dict[str, int] = {}
        limit = int(self.settings.min_free_disk_gb * GB)
        for device, (path, names) in by_device.items():
            try:
                available = psutil.disk_usage(str(path)).free
            except OSError:
                continue
            free.update(dict.fromkeys(names, available))
            where = ", ".join(f"'{name}'" for name in names)
            self._threshold(f"disk:{device}", available, limit,
                            f"low disk space: {available / GB:.1f} GB free under {where} (below "
                            f"monitor.min_free_disk_gb = {self.settings.min_free_disk_gb:g} GB); a full "
                            "disk can lose a checkpoint")
        return free

    def _check_memory(self, available: int) -> None:
        limit = int(self.settings.min_free_memory_gb * GB)
        self._threshold("memory", available, limit,
                        f"low memory: {available / GB:.1f} GB available (below "
                        f"monitor.min_free_memory_gb = {self.settings.min_free_memory_gb:g} GB)")

    def _threshold(self, key: str, value: int, limit: int, message: str) -> None:
        if value < limit and key not in self._low:
            self._low.add(key)
            self.warnings.append(message)
            self._log(f"warning: {message}")
        elif value >= limit * REARM_FACTOR:
            self._low.discard(key)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._low:
            self._low.add(key)
            self.warnings.append(message)
            self._log(f"warning: {message}")

    def _write(self, sample: dict[str, Any]) -> None:
        line = json.dumps(sample, separators=(",", ":")) + "\n"
        try:
            self.samples_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.samples_path, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as exc:  # e.g. the very full disk it may be warning about
            self._warn_once("write-error", f"resource monitor: cannot write {self.samples_path} ({exc})")

    def summary(self) -> dict[str, Any]:
        result = self._summary.result(self.samples_path, self.settings.interval_s, self.warnings)
        result["gpu"] = self._gpu is not None
        return result
