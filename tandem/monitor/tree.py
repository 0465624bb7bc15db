"""One process tree (a child and all its descendants) as a resource sample.

Training spawns tokenizer and data-loader workers, a crawl may spawn helpers: what a child costs
is what its whole tree costs. CPU is measured per interval from the tree's CPU time, and disk I/O
is summed over every process the tree ever had, so workers that come and go and restarts of the
child itself (a new pid under the same name) keep counting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psutil


@dataclass
class _Tree:
    """What the monitor remembers about one process tree between samples."""

    root_key: tuple[int, float]
    cpu_seconds: float | None = None  # tree CPU time at the previous sample
    sampled_at: float = 0.0  # time.monotonic() of that sample
    io_live: dict[tuple[int, float], tuple[int, int]] = field(default_factory=dict)
    io_gone: list[int] = field(default_factory=lambda: [0, 0])  # bytes of members that ended


class TreeSampler:
    """Samples named process trees, remembering each between samples."""

    def __init__(self) -> None:
        self._trees: dict[str, _Tree] = {}

    def sample(self, name: str, pid: int, gpu_by_pid: dict[int, dict[str, float]]) -> dict[str, Any] | None:
        """The tree under `pid` now, or None when it has ended."""
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
        out: dict[str, Any] = {"pid": pid, "procs": 0, "cpu_percent": 0.0, "rss_bytes": 0, "threads": 0,
                               "open_files": 0, "read_bytes": 0, "write_bytes": 0}
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
                    live_io[key] = io_counters(proc)
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


def io_counters(proc: psutil.Process) -> tuple[int, int]:
    """Bytes read from and written to storage so far (0, 0 where the platform hides them)."""
    try:
        io = proc.io_counters()  # type: ignore[attr-defined]  # absent on macOS
    except (AttributeError, psutil.AccessDenied, NotImplementedError):
        return (0, 0)
    return (io.read_bytes, io.write_bytes)


def _descriptors(proc: psutil.Process) -> int:
    """Open file descriptors (POSIX) or handles (Windows): what "too many open files" counts."""
    counter = getattr(proc, "num_fds", None) or getattr(proc, "num_handles")  # noqa: B009
    return int(counter())
