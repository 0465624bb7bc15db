"""Peaks and means of resource samples: kept live by the monitor, or replayed from its file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.fileio.jsonl import read_jsonl


@dataclass
class _Totals:
    """Running peaks and sums for one process (the summary is built without re-reading samples)."""

    samples: int = 0
    rss_sum: float = 0.0
    cpu_sum: float = 0.0
    peak_rss: int = 0
    peak_cpu: float = 0.0
    peak_threads: int = 0
    peak_open_files: int = 0
    read_bytes: int = 0
    write_bytes: int = 0
    peak_gpu_memory: int | None = None


class SampleSummary:
    """Peaks and means over samples, fed one sample at a time (live, or replayed from a file)."""

    def __init__(self) -> None:
        self.samples = 0
        self.processes: dict[str, _Totals] = {}
        self._system_cpu_sum = 0.0
        self._peak_memory_percent = 0.0
        self._min_free_disk: dict[str, int] = {}

    def add(self, sample: Mapping[str, Any]) -> None:
        self.samples += 1
        for name, tree in (sample.get("processes") or {}).items():
            totals = self.processes.setdefault(name, _Totals())
            if isinstance(tree, dict):
                self._add_tree(totals, tree)
        system = sample.get("system") or {}
        self._system_cpu_sum += system.get("cpu_percent", 0.0)
        self._peak_memory_percent = max(self._peak_memory_percent, system.get("memory_percent", 0.0))
        for name, free in (system.get("free_disk_bytes") or {}).items():
            self._min_free_disk[name] = min(self._min_free_disk.get(name, free), free)

    @staticmethod
    def _add_tree(totals: _Totals, tree: Mapping[str, Any]) -> None:
        totals.samples += 1
        totals.rss_sum += tree.get("rss_bytes", 0)
        totals.cpu_sum += tree.get("cpu_percent", 0.0)
        totals.peak_rss = max(totals.peak_rss, tree.get("rss_bytes", 0))
        totals.peak_cpu = max(totals.peak_cpu, tree.get("cpu_percent", 0.0))
        totals.peak_threads = max(totals.peak_threads, tree.get("threads", 0))
        totals.peak_open_files = max(totals.peak_open_files, tree.get("open_files", 0))
        totals.read_bytes = max(totals.read_bytes, tree.get("read_bytes", 0))
        totals.write_bytes = max(totals.write_bytes, tree.get("write_bytes", 0))
        if "gpu_memory_bytes" in tree:
            totals.peak_gpu_memory = max(totals.peak_gpu_memory or 0, tree["gpu_memory_bytes"])

    def result(self, samples_file: Path, interval_s: float | None, warnings: list[str]) -> dict[str, Any]:
        processes: dict[str, Any] = {}
        for name, totals in self.processes.items():
            n = max(totals.samples, 1)
            entry: dict[str, Any] = {
                "samples": totals.samples,
                "peak_rss_bytes": totals.peak_rss,
                "mean_rss_bytes": int(totals.rss_sum / n),
                "peak_cpu_percent": totals.peak_cpu,
                "mean_cpu_percent": round(totals.cpu_sum / n, 1),
                "peak_threads": totals.peak_threads,
                "peak_open_files": totals.peak_open_files,
                "read_bytes": totals.read_bytes,
                "write_bytes": totals.write_bytes,
            }
            if totals.peak_gpu_memory is not None:
                entry["peak_gpu_memory_bytes"] = totals.peak_gpu_memory
            processes[name] = entry
        return {
            "samples_file": str(samples_file),
            "interval_s": interval_s,
            "samples": self.samples,
            "processes": processes,
            "system": {
                "peak_memory_percent": self._peak_memory_percent,
                "min_free_disk_bytes": dict(self._min_free_disk),
                "mean_cpu_percent": round(self._system_cpu_sum / max(self.samples, 1), 1),
            },
            "warnings": list(warnings),
        }


def summarize_samples(path: Path, interval_s: float | None = None) -> dict[str, Any]:
    """The summary of a samples file, for a run whose record lacks one (still running, or its
    supervisor was killed before writing it). Torn or foreign lines are skipped."""
    summary = SampleSummary()
    elapsed: list[float] = []
    for sample in read_jsonl(path):
        summary.add(sample)
        if isinstance(sample.get("elapsed_s"), (int, float)):
            elapsed.append(float(sample["elapsed_s"]))
    if interval_s is None and len(elapsed) > 1:
        interval_s = round((elapsed[-1] - elapsed[0]) / (len(elapsed) - 1), 2)
    return summary.result(path, interval_s, [])
