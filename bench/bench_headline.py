"""The headline command at its real size: `invoke parallel --crawl-target 10000`, side by side
with the same two jobs one after the other, in one run (`make bench`).

A generated Japanese site of 15,000 pages is served on 127.0.0.1 (`scripts/demo_site.py`); the
crawl runs with the demo's configs at full speed (no delay on loopback, 8 connections) to an
exact target of 10,000 kept samples while the demo's small model trains on the shards as they
land. Through the tasks a user types, each in a fresh working folder:
1. `invoke parallel` — both, the trainer following the crawl;
2. `invoke crawl`, then `invoke train` on the finished shards — one after the other.
While the parallel run goes, the supervisor's and the crawl's resident memory are sampled with
the crawl's kept count, and the peak up to 1,000 kept and up to 10,000 kept is printed: flat
memory means the two peaks are close. Prints: kept (exactly the target), both walls and
wall(parallel) / wall(sequential).

    .venv/bin/python bench/bench_headline.py [--pages 15000] [--target 10000] [--steps 300]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml
from bench_demo import INVOKE, REPO, serve_site

DEMO = "configs/demo"
EARLY_KEPT = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=15000, help="pages of the generated site (default 15000)")
    parser.add_argument("--target", type=int, default=10000, help="the crawl's exact target (default 10000)")
    parser.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it: logs, records, shards")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-headline-") as tmp:
        work = args.keep or Path(tmp)
        started = time.monotonic()
        server, url = serve_site(work / "site", args.pages)
        print(f"site of {args.pages} pages served at {url} ({time.monotonic() - started:.0f} s to generate)",
              flush=True)
        try:
            parallel = run_parallel(project(work / "parallel", url, args), args.target)
            sequential = run_sequential(project(work / "sequential", url, args), args.target)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(parallel, sequential, args.target)
    return 0


def project(folder: Path, url: str, args: argparse.Namespace) -> Path:
    """A fresh working folder: the demo's configs at full crawl speed, the site's URL filled in."""
    folder.mkdir(parents=True)
    (folder / "scripts").symlink_to(REPO / "scripts")
    parallel = yaml.safe_load((REPO / DEMO / "parallel.yaml").read_text().replace("{demo_url}", url))
    parallel["notify"] = {"enabled": False}
    crawl = yaml.safe_load((REPO / DEMO / "crawl.yaml").read_text())
    crawl["politeness"].update(min_delay_s=0, per_host_concurrency=8)
    crawl.update(workers=8, target=args.target)
    crawl["output"].update(shard_size=200)
    training = yaml.safe_load((REPO / DEMO / "training.yaml").read_text())
    training["training"]["max_steps"] = args.steps
    for name, data in (("parallel", parallel), ("crawl", crawl), ("training", training)):
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


@dataclass
class MemoryPeaks:
    """Peak RSS (bytes) of the supervisor and of the crawl: up to EARLY_KEPT kept, up to the
    target (while the crawl runs), and after it (the trainer alone, then the report and the end)."""

    early: dict[str, int] = field(default_factory=lambda: {"supervisor": 0, "crawl": 0})
    crawling: dict[str, int] = field(default_factory=lambda: {"supervisor": 0, "crawl": 0})
    after: dict[str, int] = field(default_factory=lambda: {"supervisor": 0, "crawl": 0})
    samples: int = 0


def run_parallel(folder: Path, target: int) -> dict[str, Any]:
    argv = [*INVOKE, "parallel", "--config", "parallel.yaml", "--train-config", "training.yaml",
            "--crawl-config", "crawl.yaml", "--crawl-target", str(target), "--crawl-workers", "8"]
    peaks = MemoryPeaks()
    started = time.monotonic()
    with open(folder / "bench.log", "w") as log:
        supervisor = psutil.Popen(argv, cwd=folder, stdout=log, stderr=log, stdin=psutil.subprocess.DEVNULL)
        sampler = threading.Thread(target=sample_memory, args=(supervisor, folder, peaks), daemon=True)
        sampler.start()
        code = supervisor.wait()
        sampler.join(timeout=5)
    wall = time.monotonic() - started
    check(code, folder, "parallel")
    print(f"parallel: {wall:.1f} s", flush=True)
    return {"wall_s": wall, "kept": kept(folder), "peaks": peaks, "steps": steps(folder)}


def run_sequential(folder: Path, target: int) -> dict[str, Any]:
    walls = {}
    for label, task in (("crawl", ["crawl", "--config", "crawl.yaml", "--parallel-config", "parallel.yaml",
                                   "--target", str(target), "--workers", "8"]),
                        ("train", ["train", "--config", "training.yaml", "--parallel-config", "parallel.yaml"])):
        started = time.monotonic()
        with open(folder / "bench.log", "a") as log:
            code = psutil.subprocess.run([*INVOKE, *task], cwd=folder, stdout=log, stderr=log,
                                         stdin=psutil.subprocess.DEVNULL).returncode
        walls[label] = time.monotonic() - started
        check(code, folder, label)
        print(f"{label} alone: {walls[label]:.1f} s", flush=True)
    return {"wall_s": sum(walls.values()), "walls": walls, "kept": kept(folder), "steps": steps(folder)}


def sample_memory(supervisor: psutil.Popen, folder: Path, peaks: MemoryPeaks) -> None:
    """Every 0.5 s until the run ends: the RSS of the supervisor and of the crawl, with its kept count."""
    while supervisor.poll() is None:
        record = newest_record(folder)
        crawl = (record or {}).get("processes", {}).get("crawl", {})
        done = ((crawl.get("progress") or {}).get("done")) or 0
        crawling = crawl.get("status", "pending") in ("pending", "running")
        for name, pid in (("supervisor", supervisor.pid), ("crawl", crawl.get("pid"))):
            try:
                rss = psutil.Process(pid).memory_info().rss if pid else 0
            except psutil.Error:
                continue
            phase = peaks.crawling if crawling else peaks.after
            phase[name] = max(phase[name], rss)
            if crawling and done <= EARLY_KEPT:
                peaks.early[name] = max(peaks.early[name], rss)
        peaks.samples += 1
        time.sleep(0.5)


def newest_record(folder: Path) -> dict[str, Any] | None:
    records = sorted((folder / "logs/runs").glob("*.json"))
    try:
        return json.loads(records[-1].read_text()) if records else None
    except (OSError, json.JSONDecodeError):  # being replaced this instant
        return None


def kept(folder: Path) -> int:
    return int(json.loads((folder / "data/demo/crawl/stats.json").read_text())["kept"])


def steps(folder: Path) -> int:
    rows = (folder / "outputs/demo/metrics.jsonl").read_text().splitlines()
    return max(json.loads(row)["step"] for row in rows if row.strip())


def check(code: int, folder: Path, label: str) -> None:
    if code != 0:
        raise SystemExit(f"{label}: exit {code}; see the log:\n" + (folder / "bench.log").read_text()[-3000:])


def report(parallel: dict[str, Any], sequential: dict[str, Any], target: int) -> None:
    peaks: MemoryPeaks = parallel["peaks"]
    mib = 1024 * 1024
    print(f"\ncrawl target {target}: kept {parallel['kept']} (parallel), {sequential['kept']} (sequential); "
          f"trained {parallel['steps']} / {sequential['steps']} steps")
    print(f"wall: parallel {parallel['wall_s']:.1f} s; sequential {sequential['wall_s']:.1f} s "
          f"(crawl {sequential['walls']['crawl']:.1f} + train {sequential['walls']['train']:.1f}); "
          f"parallel/sequential = {parallel['wall_s'] / sequential['wall_s']:.3f}")
    for name in ("supervisor", "crawl"):
        early, crawling = peaks.early[name] / mib, peaks.crawling[name] / mib
        print(f"{name} peak RSS: {early:.0f} MiB up to {EARLY_KEPT} kept, {crawling:.0f} MiB up to {target} "
              f"({crawling / early if early else float('nan'):.2f}x)")
    print(f"supervisor peak RSS after the crawl (the trainer alone, the report's plots, the end): "
          f"{peaks.after['supervisor'] / mib:.0f} MiB")
    print(f"({peaks.samples} memory samples)")


if __name__ == "__main__":
    sys.exit(main())
