"""The dashboard's cost on the run, measured side by side in one run.

The same supervised run — two children doing real CPU work on real files (zlib level 9 over
Python's standard library, bench/dashboard_workload.py), reporting like a crawl and a training —
in three arms, interleaved round by round so that the machine's other load falls on all of them:

  none     no dashboard
  idle     `dashboard.enabled`: the dashboard process serves, no page is open
  polled   the same, with a page open: /api/state fetched once a second with the token, as
           the page does (the client's own CPU is not counted: it is the browser's)

Prints, per arm, the children's throughput (files/s, both together) and the supervisor's and the
dashboard's CPU as a share of one core, then the ratios to `none`. Goals: children's and
supervisor's throughput within noise; the dashboard under 1% of one core at idle.

Usage: python bench/bench_dashboard.py [--seconds 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKLOAD = REPO / "bench" / "dashboard_workload.py"
WARMUP_S = 4.0  # start-up of the interpreters, imports and the first reads of the files


@dataclass
class Measured:
    files_per_s: float
    supervisor_core: float  # CPU seconds per wall second
    dashboard_core: float | None


def config(root: Path, dashboard: bool) -> None:
    processes = {name: {"command": ["{python}", str(WORKLOAD), "--as", name]} for name in ("train", "crawl")}
    data = {"processes": processes, "shutdown": {"grace_s": 5}, "restart": {"max_restarts": 0},
            "monitor": {"enabled": True, "interval_s": 2}, "notify": {"enabled": False},
            "report": {"enabled": False}, "dashboard": {"enabled": dashboard, "port": 0}}
    (root / "parallel.yaml").write_text(yaml.safe_dump(data))


def invoke(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), *args], cwd=root, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120, check=False)


def done_files(run_dir: Path) -> int:
    total = 0
    for name in ("train", "crawl"):
        data = json.loads((run_dir / f"{name}.status.json").read_text())
        total += int(data["done"])
    return total


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def poll_page(url: str, token: str, stop: threading.Event) -> None:
    request = urllib.request.Request(url + "api/state", headers={"Authorization": f"Bearer {token}"})
    while not stop.wait(1.0):
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


def measure(arm: str, seconds: float) -> Measured:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config(root, dashboard=arm != "none")
        started = invoke(root, "parallel", "--config", "parallel.yaml", "--detach")
        if started.returncode != 0:
            raise SystemExit(f"{arm}: the run did not start: {started.stderr}")
        record = json.loads(sorted((root / "logs" / "runs").glob("*.json"))[-1].read_text())
        supervisor, run_dir = record["supervisor_pid"], Path(root / record["run_dir"])
        dashboard = None
        if arm != "none":
            deadline = time.monotonic() + 30
            while not (root / "logs" / "dashboard.json").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            dashboard = json.loads((root / "logs" / "dashboard.json").read_text())
        stop = threading.Event()
        poller = None
        try:
            time.sleep(WARMUP_S)
            if arm == "polled" and dashboard is not None:
                poller = threading.Thread(target=poll_page, args=(dashboard["url"], dashboard["token"], stop))
                poller.start()
            t0, files0 = time.monotonic(), done_files(run_dir)
            sup0 = cpu_seconds(supervisor)
            dash0 = cpu_seconds(dashboard["pid"]) if dashboard else 0.0
            time.sleep(seconds)
            t1, files1 = time.monotonic(), done_files(run_dir)
            sup1 = cpu_seconds(supervisor)
            dash1 = cpu_seconds(dashboard["pid"]) if dashboard else 0.0
        finally:
            stop.set()
            if poller is not None:
                poller.join()
            invoke(root, "stop")
        wall = t1 - t0
        return Measured((files1 - files0) / wall, (sup1 - sup0) / wall,
                        (dash1 - dash0) / wall if dashboard else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    arms = ("none", "idle", "polled")
    results: dict[str, list[Measured]] = {arm: [] for arm in arms}
    for round_number in range(args.rounds):
        order = arms if round_number % 2 == 0 else tuple(reversed(arms))
        for arm in order:
            results[arm].append(measure(arm, args.seconds))
            m = results[arm][-1]
            dash = f", dashboard {100 * m.dashboard_core:.2f}% of a core" if m.dashboard_core is not None else ""
            print(f"round {round_number + 1} {arm:>6}: children {m.files_per_s:8.1f} files/s, "
                  f"supervisor {100 * m.supervisor_core:.2f}% of a core{dash}", flush=True)
    median = {arm: Measured(statistics.median(m.files_per_s for m in results[arm]),
                            statistics.median(m.supervisor_core for m in results[arm]),
                            statistics.median(m.dashboard_core for m in results[arm])
                            if arm != "none" else None) for arm in arms}
    spread = max(m.files_per_s for m in results["none"]) / min(m.files_per_s for m in results["none"])
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g}s (noise: the no-dashboard arm alone varies "
          f"{spread:.3f}x between rounds)")
    for arm in arms[1:]:
        m = median[arm]
        print(f"{arm:>6}: children's throughput {m.files_per_s / median['none'].files_per_s:.3f}x of no dashboard; "
              f"supervisor CPU {m.supervisor_core / median['none'].supervisor_core:.2f}x; dashboard "
              f"{100 * (m.dashboard_core or 0.0):.2f}% of one core (goal at idle: < 1%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
