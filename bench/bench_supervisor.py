"""Supervisor overhead, measured side by side in one run (issue: the kit and its supervisor).

1. Two children each writing 200 MB as fast as they can: under `invoke parallel` vs the same
   two started by a plain shell redirect (`cmd > file 2>&1 &`). Prints the wall-time ratio
   (goal ≤ 1.10), the supervisor's CPU seconds per GB of child output and its peak RSS (goal:
   flat, < 100 MB).
2. Time from a child's exit to its recorded status (goal < 0.5 s).
3. Time from SIGTERM to the supervisor until every child process is gone, for well-behaved
   children (goal < 1 s).

Usage: python bench/bench_supervisor.py [--mb 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
STUB = REPO / "tests" / "support" / "stub_child.py"
QUIET = {"monitor": {"enabled": False}, "notify": {"enabled": False}, "report": {"enabled": False}}


def write_config(root: Path, train: list[str], crawl: list[str] | None, grace_s: float = 5) -> None:
    processes = {"train": {"command": ["{python}", str(STUB), *train]}}
    if crawl is not None:
        processes["crawl"] = {"command": ["{python}", str(STUB), *crawl]}
    config = {"processes": processes, "shutdown": {"grace_s": grace_s},
              "restart": {"max_restarts": 0}, **QUIET}
    (root / "parallel.yaml").write_text(yaml.safe_dump(config))


def invoke_argv() -> list[str]:
    return [sys.executable, "-m", "invoke", "-r", str(REPO), "parallel", "--config", "parallel.yaml"]


def supervised_flood(mb: int) -> tuple[float, float, float, int]:
    """(children's wall s, whole wall s, supervisor CPU s, supervisor peak RSS bytes) for two
    children of `mb` MB each. The children's wall runs from the first start to the last exit as
    the record has them, so the supervisor's own start-up (interpreter, imports) is left out."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_config(root, ["--flood-mb", str(mb)], ["--flood-mb", str(mb)])
        start = time.perf_counter()
        proc = subprocess.Popen(invoke_argv(), cwd=root, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        watched = psutil.Process(proc.pid)
        cpu, peak = 0.0, 0
        while proc.poll() is None:
            try:
                times = watched.cpu_times()
                cpu = times.user + times.system
                peak = max(peak, watched.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"supervised run failed with exit {proc.returncode}")
        record = json.loads(next((root / "logs" / "runs").glob("*.json")).read_text())
        attempts = [p["attempts"][0] for p in record["processes"].values()]
        first = min(datetime.fromisoformat(a["started_at"]).timestamp() for a in attempts)
        last = max(datetime.fromisoformat(a["ended_at"]).timestamp() for a in attempts)
        return last - first, wall, cpu, peak


def shell_flood(mb: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        python, stub = sys.executable, str(STUB)
        script = (f"'{python}' '{stub}' --flood-mb {mb} > '{tmp}/a.log' 2>&1 & "
                  f"'{python}' '{stub}' --flood-mb {mb} > '{tmp}/b.log' 2>&1 & wait")
        start = time.perf_counter()
        subprocess.run(["bash", "-c", script], check=True)
        return time.perf_counter() - start


def exit_to_record_latency() -> float:
    """Seconds between a child's last moment and the `ended_at` its supervisor recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stamp = root / "stamp"
        code = f"import time; time.sleep(1); open({str(stamp)!r}, 'w').write(repr(time.time()))"
        config = {"processes": {"train": {"command": ["{python}", "-c", code]}},
                  "restart": {"max_restarts": 0}, **QUIET}
        (root / "parallel.yaml").write_text(yaml.safe_dump(config))
        subprocess.run(invoke_argv(), cwd=root, check=True, stdout=subprocess.DEVNULL)
        record = json.loads(next((root / "logs" / "runs").glob("*.json")).read_text())
        ended = datetime.fromisoformat(record["processes"]["train"]["ended_at"]).timestamp()
        return ended - float(stamp.read_text())


def sigterm_to_all_gone() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pid_file = root / "pids"
        write_config(root, ["--sleep", "600", "--pid-file", str(pid_file)],
                     ["--sleep", "600", "--pid-file", str(pid_file)], grace_s=30)
        proc = subprocess.Popen(invoke_argv(), cwd=root, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and len(pid_file.read_text().split()) >= 2):
            if time.monotonic() > deadline:
                raise SystemExit("children did not start")
            time.sleep(0.02)
        time.sleep(0.5)  # both children are surely sleeping now
        children = [psutil.Process(int(p)) for p in pid_file.read_text().split()]
        start = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(children, timeout=30)
        took = time.perf_counter() - start
        proc.wait(timeout=30)
        if alive:
            raise SystemExit("children survived SIGTERM")
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="MB each child writes (default 200)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    supervised, whole, shell, cpus, peaks = [], [], [], [], []
    for _ in range(args.repeats):  # alternate, so drift in the machine's load hits both alike
        shell.append(shell_flood(args.mb))
        children_wall, wall, cpu, peak = supervised_flood(args.mb)
        supervised.append(children_wall)
        whole.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    gigabytes = 2 * args.mb / 1000
    ratio = statistics.median(supervised) / statistics.median(shell)
    print(f"flood: 2 children x {args.mb} MB, median of {args.repeats}")
    print(f"  plain shell redirect      {statistics.median(shell):7.2f} s")
    print(f"  under the supervisor      {statistics.median(supervised):7.2f} s "
          f"(first start to last exit; {statistics.median(whole):.2f} s with its own start-up)")
    paired = [sup / sh for sup, sh in zip(supervised, shell, strict=True)]
    print(f"  wall-time ratio           {ratio:7.3f}   (goal <= 1.10; with start-up "
          f"{statistics.median(whole) / statistics.median(shell):.3f}; paired rounds "
          f"{', '.join(f'{r:.2f}' for r in paired)})")
    small_mb = max(1, args.mb // 20)
    _, _, small_cpu, small_peak = supervised_flood(small_mb)
    marginal = (statistics.median(cpus) - small_cpu) / (gigabytes - 2 * small_mb / 1000)
    print(f"  supervisor CPU per GB     {max(marginal, 0.0):7.3f} s/GB of child output "
          f"(whole run incl. start-up: {statistics.median(cpus):.2f} s; at {small_mb} MB/child {small_cpu:.2f} s)")
    print(f"  supervisor peak RSS       {max(peaks) / 2**20:7.1f} MB (goal < 100 MB, flat)")
    print(f"  peak RSS at {small_mb} MB/child  {small_peak / 2**20:7.1f} MB "
          f"(flat: {max(peaks) / small_peak:.2f}x for {args.mb / small_mb:.0f}x the output)")

    latencies = [exit_to_record_latency() for _ in range(5)]
    print(f"exit -> recorded status     median {statistics.median(latencies):.3f} s, "
          f"max {max(latencies):.3f} s (goal < 0.5 s)")
    stops = [sigterm_to_all_gone() for _ in range(5)]
    print(f"SIGTERM -> all children gone median {statistics.median(stops):.3f} s, "
          f"max {max(stops):.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()
