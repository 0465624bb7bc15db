"""The resource monitor against real processes (psutil), with a hand-moved clock."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import types
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

from tandem import monitor as monitor_module
from tandem.monitor import ResourceMonitor, summarize_samples
from tandem.monitor.monitor_config import MonitorSettings

MB = 1024 * 1024
GB = 1024 * MB


def samples(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def grow(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "grown"


def wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"


def make(tmp_path: Path, clock, logged: list[str] | None = None, **settings: Any) -> ResourceMonitor:
    sink = logged if logged is not None else []
    return ResourceMonitor(MonitorSettings(**settings), tmp_path / "run" / "resources.jsonl",
                           sink.append, clock=clock, root=tmp_path)


def test_samples_of_a_process_that_allocates_show_its_rss_rising(tmp_path, clock, allocator) -> None:
    proc = allocator("40")
    wait_ready(proc)
    monitor = make(tmp_path, clock, interval_s=5)
    for _ in range(4):
        monitor.poll({"train": proc.pid})
        clock.advance(5)
        grow(proc)
    monitor.poll({"train": proc.pid})

    rss = [s["processes"]["train"]["rss_bytes"] for s in samples(monitor.samples_path)]
    assert len(rss) == 5
    assert all(later - earlier > 30 * MB for earlier, later in itertools.pairwise(rss))
    summary = monitor.summary()["processes"]["train"]
    assert summary["peak_rss_bytes"] == rss[-1]
    assert summary["mean_rss_bytes"] == sum(rss) // len(rss)
    assert summary["samples"] == 5 and summary["peak_threads"] >= 1 and summary["peak_open_files"] >= 3


def test_the_whole_tree_counts_including_a_grandchild(tmp_path, clock, allocator) -> None:
    proc = allocator("--tree", "40")
    wait_ready(proc)
    monitor = make(tmp_path, clock)
    monitor.poll({"crawl": proc.pid})
    clock.advance(5)
    grow(proc)
    grow(proc)
    monitor.poll({"crawl": proc.pid})

    first, second = (s["processes"]["crawl"] for s in samples(monitor.samples_path))
    assert first["procs"] == second["procs"] == 2
    assert first["pid"] == proc.pid
    assert second["rss_bytes"] - first["rss_bytes"] > 70 * MB


def test_poll_samples_only_once_the_interval_has_passed(tmp_path, clock) -> None:
    monitor = make(tmp_path, clock, interval_s=5)
    for step in [0, 1, 2.9, 0.9, 0.2, 0.1]:  # polls at +0, +1, +3.9, +4.8, +5.0, +5.1
        clock.advance(step)
        monitor.poll({"train": None})
    assert len(samples(monitor.samples_path)) == 2
    assert [s["elapsed_s"] for s in samples(monitor.samples_path)] == [0.0, 5.0]


def test_absent_and_ended_processes_are_null_not_errors(tmp_path, clock) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    logged: list[str] = []
    monitor = make(tmp_path, clock, logged)
    monitor.poll({"train": None, "crawl": ended.pid})
    (sample,) = samples(monitor.samples_path)
    assert sample["processes"] == {"train": None, "crawl": None}
    assert set(sample["system"]) >= {"cpu_percent", "memory_percent", "memory_available_bytes", "free_disk_bytes"}
    assert monitor.summary()["processes"]["crawl"]["samples"] == 0
    assert logged == []


def test_cpu_is_measured_per_interval(tmp_path, clock) -> None:
    burner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfor _ in sys.stdin:\n    end = time.process_time() + 0.3\n"
         "    while time.process_time() < end: pass\n    print('burnt', flush=True)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert burner.stdin is not None and burner.stdout is not None
    try:
        monitor = make(tmp_path, clock)
        monitor.poll({"train": burner.pid})
        burner.stdin.write("\n")
        burner.stdin.flush()
        assert burner.stdout.readline().strip() == "burnt"
        clock.advance(5)
        monitor.poll({"train": burner.pid})
        clock.advance(5)
        monitor.poll({"train": burner.pid})  # idle since the last sample
    finally:
        burner.kill()
        burner.wait()
    cpu = [s["processes"]["train"]["cpu_percent"] for s in samples(monitor.samples_path)]
    assert cpu[1] > 5.0
    assert cpu[2] < cpu[1] and cpu[2] < 5.0


def test_low_disk_warns_once_per_crossing(tmp_path, clock, monkeypatch) -> None:
    free = iter([1, 1, 10, 1, 1])
    usage = namedtuple("usage", "total used free percent")
    monkeypatch.setattr(monitor_module.psutil, "disk_usage", lambda path: usage(0, 0, next(free) * GB, 0))
    logged: list[str] = []
    (tmp_path / "outputs").mkdir()
    monitor = make(tmp_path, clock, logged, watch_paths=["data/not/created/yet", "outputs"], min_free_disk_gb=5)
    for _ in range(5):
        monitor.poll({})
        clock.advance(5)
    assert len(logged) == 2  # one file system: one warning per crossing, naming both paths
    assert logged[0].startswith("warning: low disk space: 1.0 GB free under 'data/not/created/yet', 'outputs'")
    assert monitor.summary()["warnings"] == [line.removeprefix("warning: ") for line in logged]
    assert monitor.summary()["system"]["min_free_disk_bytes"] == {"data/not/created/yet": 1 * GB, "outputs": 1 * GB}


def test_low_memory_warns_once_while_it_stays_low(tmp_path, clock) -> None:
    logged: list[str] = []
    monitor = make(tmp_path, clock, logged, min_free_memory_gb=1e6)
    for _ in range(3):
        monitor.poll({})
        clock.advance(5)
    assert len(logged) == 1 and logged[0].startswith("warning: low memory: ")


def test_an_unwritable_samples_file_is_one_warning_not_a_crash(tmp_path, clock) -> None:
    logged: list[str] = []
    (tmp_path / "run" / "resources.jsonl").mkdir(parents=True)  # a folder where the file should be
    monitor = make(tmp_path, clock, logged)
    for _ in range(3):
        monitor.poll({})
        clock.advance(5)
    assert len(logged) == 1 and "cannot write" in logged[0]
    assert monitor.summary()["samples"] == 3


class FakeNvml(types.ModuleType):
    """The few pynvml calls the monitor makes, answering for one GPU and one process."""

    def __init__(self, pid: int) -> None:
        super().__init__("pynvml")
        item = namedtuple("item", "pid usedGpuMemory")
        util = namedtuple("util", "pid smUtil timeStamp")
        self.nvmlInit = lambda: None
        self.nvmlDeviceGetCount = lambda: 1
        self.nvmlDeviceGetHandleByIndex = lambda index: f"gpu{index}"
        self.nvmlDeviceGetUtilizationRates = lambda handle: types.SimpleNamespace(gpu=55)
        self.nvmlDeviceGetMemoryInfo = lambda handle: types.SimpleNamespace(used=3 * GB)
        self.nvmlDeviceGetComputeRunningProcesses = lambda handle: [item(pid, 512 * MB), item(1, GB)]
        self.nvmlDeviceGetGraphicsRunningProcesses = lambda handle: []
        self.nvmlDeviceGetProcessUtilization = lambda handle, since: [util(pid, 40, since + 1)]


def test_gpu_memory_and_use_per_process_with_nvml(tmp_path, clock, monkeypatch, allocator) -> None:
    proc = allocator("1")
    wait_ready(proc)
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(proc.pid))
    monitor = make(tmp_path, clock)
    monitor.poll({"train": proc.pid})
    (sample,) = samples(monitor.samples_path)
    assert sample["processes"]["train"]["gpu_memory_bytes"] == 512 * MB
    assert sample["processes"]["train"]["gpu_util_percent"] == 40
    assert sample["system"]["gpus"] == [{"util_percent": 55.0, "memory_used_bytes": float(3 * GB)}]
    summary = monitor.summary()
    assert summary["gpu"] is True and summary["processes"]["train"]["peak_gpu_memory_bytes"] == 512 * MB


def test_without_nvml_gpu_sampling_is_silently_off(tmp_path, clock, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)
    logged: list[str] = []
    monitor = make(tmp_path, clock, logged)
    monitor.poll({"train": None})
    assert monitor.summary()["gpu"] is False
    assert "gpus" not in samples(monitor.samples_path)[0]["system"] and logged == []


def test_a_disabled_monitor_writes_nothing(tmp_path, clock) -> None:
    monitor = make(tmp_path, clock, enabled=False)
    monitor.poll({"train": None})
    assert not monitor.samples_path.exists() and monitor.summary()["samples"] == 0


def test_a_samples_file_replays_to_the_same_summary(tmp_path, clock, allocator) -> None:
    proc = allocator("10")
    wait_ready(proc)
    monitor = make(tmp_path, clock)
    for _ in range(3):
        monitor.poll({"train": proc.pid, "crawl": None})
        clock.advance(5)
        grow(proc)
    with open(monitor.samples_path, "a") as handle:
        handle.write('{"torn": ')
    live, replayed = monitor.summary(), summarize_samples(monitor.samples_path)
    assert replayed["processes"] == live["processes"]
    assert replayed["system"] == live["system"]
    assert replayed["samples"] == 3 and replayed["interval_s"] == 5.0


@pytest.mark.parametrize("call", ["virtual_memory", "disk_usage"])
def test_poll_never_raises_when_psutil_does(tmp_path, clock, monkeypatch, call: str) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("psutil broke")

    monkeypatch.setattr(monitor_module.psutil, call, broken)
    logged: list[str] = []
    monitor = make(tmp_path, clock, logged)
    monitor.poll({"train": None})
    clock.advance(5)
    monitor.poll({"train": None})
    assert len(logged) == 1 and "sample failed" in logged[0]


def test_disk_io_of_a_restarted_process_keeps_counting(tmp_path, clock, monkeypatch, allocator) -> None:
    written = {}
    monkeypatch.setattr("tandem.monitor.tree.io_counters", lambda proc: (0, written[proc.pid]))
    first = allocator("1")
    wait_ready(first)
    written[first.pid] = 3 * MB
    monitor = make(tmp_path, clock)
    monitor.poll({"train": first.pid})
    first.kill()
    first.wait()
    second = allocator("1")  # the restart: a new pid under the same name
    wait_ready(second)
    written[second.pid] = 2 * MB
    clock.advance(5)
    monitor.poll({"train": second.pid})
    assert [s["processes"]["train"]["write_bytes"] for s in samples(monitor.samples_path)] == [3 * MB, 5 * MB]
    assert monitor.summary()["processes"]["train"]["write_bytes"] == 5 * MB
