"""The resource monitor's own cost, measured side by side in one run.

Two busy children (each a process tree of two) run for the whole benchmark. Beside them, three
supervisor-like loops tick 5 times a second for the same span, each in its own process:
  plain      — no monitor (the baseline: the loop's own cost)
  default    — ResourceMonitor at the default interval (5 s)
  every-tick — ResourceMonitor sampling at every tick (0.2 s), to show the cost of one sample
Printed: each loop's CPU seconds, the monitor's extra CPU as a share of one core (goal < 1 % at the
default interval) and the CPU time of one sample.

    .venv/bin/python bench/bench_monitor.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TICK_S = 0.2  # the supervisor's loop polls about five times a second
BUSY_TREE = ("import subprocess, sys\n"
             "subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(0.01)'])\n"
             "x = 0\nwhile True: x += 1\n")


def loop(kind: str, pids: dict[str, int], seconds: float, samples_path: Path) -> dict[str, float]:
    """One supervisor-like loop; returns its CPU seconds (import and set-up excluded)."""
    from tandem.monitor import ResourceMonitor
    from tandem.monitor.monitor_config import MonitorSettings

    monitor = None
    if kind != "plain":
        settings = MonitorSettings() if kind == "default" else MonitorSettings(interval_s=TICK_S / 2)
        monitor = ResourceMonitor(settings, samples_path, lambda line: None, root=ROOT)
    cpu0, wall0 = time.process_time(), time.monotonic()
    while time.monotonic() - wall0 < seconds:
        if monitor is not None:
            monitor.poll(pids)
        time.sleep(TICK_S)
    cpu = time.process_time() - cpu0
    return {"cpu_s": cpu, "wall_s": time.monotonic() - wall0,
            "samples": monitor.summary()["samples"] if monitor else 0,
            # every-tick asks for less than a tick, so it samples once per tick
            "interval_s": max(monitor.settings.interval_s, TICK_S) if monitor else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (default 60, as the issue asks)")
    parser.add_argument("--loop", choices=["plain", "default", "every-tick"], help=argparse.SUPPRESS)
    parser.add_argument("--pids", help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop:  # a child of this benchmark: run one loop, print its figures
        pids = dict(zip(("train", "crawl"), map(int, args.pids.split(",")), strict=True))
        print(json.dumps(loop(args.loop, pids, args.seconds, args.samples)))
        return 0

    busy = [subprocess.Popen([sys.executable, "-c", BUSY_TREE]) for _ in range(2)]
    loops: dict[str, subprocess.Popen[str]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            time.sleep(1.0)  # let the grandchildren start
            pid_arg = ",".join(str(p.pid) for p in busy)
            for kind in ("plain", "default", "every-tick"):
                loops[kind] = subprocess.Popen(
                    [sys.executable, __file__, "--loop", kind, "--pids", pid_arg, "--seconds", str(args.seconds),
                     "--samples", str(Path(tmp) / f"{kind}.jsonl")], stdout=subprocess.PIPE, text=True)
            results = {kind: json.loads(proc.communicate(timeout=args.seconds + 120)[0])
                       for kind, proc in loops.items()}
    finally:
        import psutil

        grandchildren = []
        for proc in busy:  # their children would be orphaned: stop them by pid as well
            try:
                grandchildren += psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        everything: list[subprocess.Popen[Any]] = [*busy, *loops.values()]
        for started in everything:
            if started.poll() is None:
                started.kill()
            started.wait()
        for child in grandchildren:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass

    plain = results["plain"]
    print(f"monitor cost over a {plain['wall_s']:.1f} s run, two busy children (trees of 2), "
          f"supervisor loop ticking every {TICK_S} s, 2 CPU cores shared")
    print(f"{'loop':<12}{'interval':>10}{'samples':>9}{'CPU s':>9}{'extra CPU s':>13}{'% of a core':>13}")
    for kind, result in results.items():
        extra = result["cpu_s"] - plain["cpu_s"]
        share = 100 * extra / result["wall_s"]
        interval = f"{result['interval_s']:g} s" if result["samples"] else "–"
        print(f"{kind:<12}{interval:>10}{result['samples']:>9}{result['cpu_s']:>9.3f}{extra:>13.3f}{share:>12.3f}%")
    tick = results["every-tick"]
    per_sample_ms = 1000 * (tick["cpu_s"] - plain["cpu_s"]) / max(tick["samples"], 1)
    default_share = 100 * (results["default"]["cpu_s"] - plain["cpu_s"]) / results["default"]["wall_s"]
    print(f"one sample of two trees + system + disks: {per_sample_ms:.2f} ms CPU")
    print(f"default interval: {default_share:.3f} % of one core (goal < 1 %): "
          f"{'met' if default_share < 1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
