"""The child that bench_dashboard.py supervises: real CPU work on real files that the kit did
not write (zlib level 9 over Python's own standard library), reported through the child
protocol as a crawl or a training would (status file, metrics, a training's metrics.jsonl, a
log line a second), so that the dashboard has everything to read that a real run gives it.

Usage (by the supervisor): python bench/dashboard_workload.py --as crawl|train
"""

from __future__ import annotations

import argparse
import sysconfig
import time
import zlib
from pathlib import Path

from tandem.contracts.child_protocol import ChildEnvironment, StatusReporter
from tandem.contracts.metrics import CrawlMetrics, TrainLogLine, TrainMetrics
from tandem.fileio.jsonl import append_jsonl


def stdlib_files() -> list[bytes]:
    root = Path(sysconfig.get_paths()["stdlib"])
    paths = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)[:1500]
    return [p.read_bytes() for p in paths]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as", dest="kind", choices=["crawl", "train"], required=True)
    args = parser.parse_args()
    env = ChildEnvironment.from_environ()
    reporter = StatusReporter(env.status_file, unit="files", min_interval_s=1.0)
    metrics_file = (env.status_file or Path("status.json")).with_name(f"{env.process or 'bench'}_metrics.jsonl")
    files = stdlib_files()
    start = last_line = time.monotonic()
    done = compressed = 0
    while True:
        data = files[done % len(files)]
        compressed += len(zlib.compress(data, 9))
        done += 1
        now = time.monotonic()
        if now - last_line >= 1.0:
            last_line = now
            print(f"{done} files, {compressed} bytes compressed, {done / (now - start):.1f} files/s", flush=True)
            if args.kind == "train":
                append_jsonl(metrics_file, TrainLogLine(done, 1e6 / compressed, 1e-4, 1.0, done / (now - start),
                                                        done, 0, 0.0, time.strftime("%H:%M:%S")).to_json())
        reporter.update(done, metrics=metrics(args.kind, done, compressed, now - start, metrics_file))


def metrics(kind: str, done: int, compressed: int, elapsed: float, metrics_file: Path) -> dict[str, object]:
    if kind == "crawl":
        return CrawlMetrics(done, 10**9, done, done / elapsed, 100, {"not_japanese": done // 3}, {}, 0, 0,
                            compressed, elapsed).to_json()
    return TrainMetrics(done, 10**9, 1e6 / max(compressed, 1), 1e-4, done / elapsed, done, 0, 0, None,
                        str(metrics_file), str(metrics_file.parent)).to_json()


if __name__ == "__main__":
    raise SystemExit(main())
