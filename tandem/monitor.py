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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tandem.settings import MonitorSettings

GB = 1024**3
# A warning re-arms only once the value is this much above its threshold again, so a value
# hovering around the threshold does not fill the log.
REARM_FACTOR = 1.05


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
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    sample = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(sample, dict):
                    summary.add(sample)
                    if isinstance(sample.get("elapsed_s"), (int, float)):
                        elapsed.append(float(sample["elapsed_s"]))
    except OSError:
        pass
    if interval_s is None and len(elapsed) > 1:
        interval_s = round((elapsed[-1] - elapsed[0]) / (len(elapsed) - 1), 2)
    return summary.result(path, interval_s, [])


@dataclass
class _Tree:
    """What the monitor remembers about one process tree between samples."""

    root_key: tuple[int, float]
    cpu_seconds: float | None = None  # tree CPU time at the previous sample
    sampled_at: float = 0.0  # time.monotonic() of that sample
    io_live: dict[tuple[int, float], tuple[int, int]] = field(default_factory=dict)
    io_gone: list[int] = field(default_factory=lambda: [0, 0])  # bytes of members that ended


class GpuSampler:
    """GPU memory and utilisation per pid through NVML; `open()` is None without a usable GPU."""

    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self._nvml = nvml
        self._handles = handles
        self._last_seen = [0] * len(handles)

    @classmethod
    def open(cls) -> GpuSampler | None:
        try:
            import pynvml as nvml

            nvml.nvmlInit()
            handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        except Exception:  # no library, no driver, no device: GPU sampling is simply off
            return None
        return cls(nvml, handles) if handles else None

    def sample(self) -> tuple[dict[int, dict[str, float]], list[dict[str, float]]]:
        """({pid: {"gpu_memory_bytes", "gpu_util_percent"}}, [per device {"util", "memory_used"}])."""
        per_pid: dict[int, dict[str, float]] = {}
        devices: list[dict[str, float]] = []
        for index, handle in enumerate(self._handles):
            try:
                rates = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                memory = self._nvml.nvmlDeviceGetMemoryInfo(handle)
                devices.append({"util_percent": float(rates.gpu), "memory_used_bytes": float(memory.used)})
                running = list(self._nvml.nvmlDeviceGetComputeRunningProcesses(handle))
                running += list(self._nvml.nvmlDeviceGetGraphicsRunningProcesses(handle))
            except Exception:
                continue
            for proc in running:
                entry = per_pid.setdefault(proc.pid, {"gpu_memory_bytes": 0.0})
                entry["gpu_memory_bytes"] += float(proc.usedGpuMemory or 0)
            try:
                utils = self._nvml.nvmlDeviceGetProcessUtilization(handle, self._last_seen[index])
            except Exception:  # NVML answers NotFound when no process ran since the last call
                continue
            for util in utils:
                self._last_seen[index] = max(self._last_seen[index], int(util.timeStamp))
                entry = per_pid.setdefault(util.pid, {"gpu_memory_bytes": 0.0})
                entry["gpu_util_percent"] = entry.get("gpu_util_percent", 0.0) + float(util.smUtil)
        return per_pid, devices


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
        self._trees: dict[str, _Tree] = {}
        self._summary = SampleSummary()
        self._low: set[str] = set()  # thresholds currently crossed (warned once per crossing)
        self.warnings: list[str] = []
        self._write_failed = False
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
            processes[name] = self._sample_tree(name, pid, gpu_by_pid) if pid else None
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

    def _sample_tree(self, name: str, pid: int, gpu_by_pid: dict[int, dict[str, float]]) -> dict | None:
        try:
            root = psutil.Process(pid)
            members = [root, *root.children(recursive=True)]
            root_key = (pid, root.create_time())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        tree = self._trees.get(name)
        if tree is None or tree.root_key != root_key:  # first sample, or a restart: new baseline
            carried = [0, 0]
            if tree is not None:  # the old tree's bytes still count towards the run's total
                carried = [tree.io_gone[0] + sum(r for r, _ in tree.io_live.values()),
                           tree.io_gone[1] + sum(w for _, w in tree.io_live.values())]
            tree = self._trees[name] = _Tree(root_key=root_key, io_gone=carried)
        out = {"pid": pid, "procs": 0, "cpu_percent": 0.0, "rss_bytes": 0, "threads": 0, "open_files": 0,
               "read_bytes": 0, "write_bytes": 0}
        cpu_seconds = 0.0
        live_io: dict[tuple[int, float], tuple[int, int]] = {}
        for proc in members:
            try:
                with proc.oneshot():
                    if proc.status() == psutil.STATUS_ZOMBIE:  # ended, not yet reaped: uses nothing
                        continue
                    times = proc.cpu_times()
                    # Reaped children's time moves into their parent's children_* fields, so the
                    # tree's total stays monotonic when short-lived workers come and go.
                    cpu_seconds += times.user + times.system + times.children_user + times.children_system
                    out["rss_bytes"] += proc.memory_info().rss
                    out["threads"] += proc.num_threads()
                    out["open_files"] += _descriptors(proc)
                    key = (proc.pid, proc.create_time())
                    live_io[key] = self._io_counters(proc)
                    out["procs"] += 1
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        for key, (read, write) in tree.io_live.items():
            if key not in live_io:
                tree.io_gone[0] += read
                tree.io_gone[1] += write
        tree.io_live = live_io
        if not live_io:
            return None
        out["read_bytes"] = tree.io_gone[0] + sum(r for r, _ in live_io.values())
        out["write_bytes"] = tree.io_gone[1] + sum(w for _, w in live_io.values())
        moment = time.monotonic()  # CPU per second of real time: immune to wall-clock jumps
        if tree.cpu_seconds is None:  # no baseline yet: the tree's average since it started
            span = max(time.time() - root_key[1], 1e-3)
            out["cpu_percent"] = round(100.0 * cpu_seconds / span, 1)
        else:
            span = max(moment - tree.sampled_at, 1e-3)
            out["cpu_percent"] = round(100.0 * max(cpu_seconds - tree.cpu_seconds, 0.0) / span, 1)
        tree.cpu_seconds, tree.sampled_at = cpu_seconds, moment
        member_pids = {key[0] for key in live_io}
        gpu = [gpu_by_pid[p] for p in member_pids if p in gpu_by_pid]
        if gpu:
            out["gpu_memory_bytes"] = int(sum(g.get("gpu_memory_bytes", 0.0) for g in gpu))
            out["gpu_util_percent"] = round(sum(g.get("gpu_util_percent", 0.0) for g in gpu), 1)
        return out

    @staticmethod
    def _io_counters(proc: psutil.Process) -> tuple[int, int]:
        try:
            io = proc.io_counters()  # type: ignore[attr-defined]  # absent on macOS
        except (AttributeError, psutil.AccessDenied, NotImplementedError):
            return (0, 0)
        return (io.read_bytes, io.write_bytes)

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


def _descriptors(proc: psutil.Process) -> int:
    """Open file descriptors (POSIX) or handles (Windows): what "too many open files" counts."""
    counter = getattr(proc, "num_fds", None) or getattr(proc, "num_handles")  # noqa: B009
    return int(counter())
