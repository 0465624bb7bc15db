"""The demo's two jobs alone and side by side, in one run (`make bench`).

On the bundled demo site (served on 127.0.0.1) with `configs/demo/`, through the same tasks a
user runs (`invoke crawl`, `invoke train`, `invoke parallel`), each in a fresh working folder:
1. the crawl alone;
2. the trainer alone, on the shards the crawl just wrote (complete, nothing to wait for);
3. both under `parallel` with the demo's `resources` (CPU sets, threads, nice);
4. both under `parallel` with `resources` off (every process on every CPU, threads unset,
   nice 0), and 5. with the CPUs split in halves (train the first, crawl the second), to show
   what the setting and the alternative are worth on this machine.
Prints wall(parallel) / (wall(crawl) + wall(train)) (goal ≤ 0.75 on 2 cores) and each job's
throughput under `parallel` relative to alone: the crawl's pages/s, and the trainer's tokens/s
over the time it spent training (the harmonic mean of its logged intervals, each of which
leaves out the time spent waiting for the crawl's next shard: waiting is not training speed).
Walls include each process's start-up (imports, tokenizer), as a user waits for it.
`--crawl-speed full` drops the demo's politeness (no delay, 8 connections) so that the crawl is
CPU-bound too (give it `--pages` and `--target` large enough to last as long as the trainer):
the case where two jobs really fight for the cores.

    .venv/bin/python bench/bench_demo.py [--rounds 1] [--target 300] [--crawl-speed polite|full]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
INVOKE = [sys.executable, "-m", "invoke", "-r", str(REPO)]
DEMO = "configs/demo"
RESOURCES_OFF = {"cpus": "all", "threads": None, "nice": 0}
VARIANTS = ("auto", "off", "halves")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeat the four runs, interleaved")
    parser.add_argument("--target", type=int, default=None, help="crawl target (default: the demo's)")
    parser.add_argument("--pages", type=int, default=None, help="demo site pages (default: the demo's)")
    parser.add_argument("--crawl-speed", choices=["polite", "full"], default="polite",
                        help="polite: the demo's crawl config; full: no delay, 8 connections (CPU-bound)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-demo-") as tmp:
        work = Path(tmp)
        for name in ("scripts", "configs"):
            (work / name).symlink_to(REPO / name)
        server, url = serve_site(work / "site", args.pages)
        try:
            crawl_config = write_crawl_config(work, args.crawl_speed)
            target = args.target or yaml.safe_load(crawl_config.read_text())["target"]
            configs = write_parallel_configs(work, url)
            rounds = [run_round(work, configs, crawl_config, target) for _ in range(args.rounds)]
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(rounds, target)
    return 0


def serve_site(root: Path, pages: int | None) -> tuple[subprocess.Popen[str], str]:
    """The demo site generated in `root` and served on 127.0.0.1: the server and its URL."""
    argv = [sys.executable, str(REPO / "scripts/demo_site.py"), "serve", "--root", str(root), "--port", "0"]
    if pages:
        argv += ["--pages", str(pages)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("serving "):
        server.kill()
        raise SystemExit(f"demo site did not start: {line!r}")
    return server, line.split()[1]


def write_parallel_configs(work: Path, url: str) -> dict[str, Path]:
    """The demo's parallel.yaml with the site's URL filled in and no end-of-run sound: as it is,
    with `resources` off, and with the CPUs split in halves."""
    text = (REPO / DEMO / "parallel.yaml").read_text().replace("{demo_url}", url)
    configs = {}
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    half = max(1, len(cpus) // 2)
    halves = {"train": ",".join(map(str, cpus[:half])), "crawl": ",".join(map(str, cpus[half:] or cpus))}
    for variant in VARIANTS:
        config = yaml.safe_load(text)
        config["notify"] = {"enabled": False}
        for name, process in config["processes"].items():
            if variant == "off":
                process["resources"] = dict(RESOURCES_OFF)
            elif variant == "halves":
                process["resources"] = {"cpus": halves[name], "threads": "auto", "nice": 0}
        path = work / f"parallel_{variant}.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True))
        configs[variant] = path
    return configs


def write_crawl_config(work: Path, speed: str) -> Path:
    config = yaml.safe_load((REPO / DEMO / "crawl.yaml").read_text())
    if speed == "full":
        config["politeness"].update(min_delay_s=0, per_host_concurrency=8)
        config["workers"] = 8
        config["output"].update(shard_size=200)
    path = work / f"crawl_{speed}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def run_round(work: Path, configs: dict[str, Path], crawl_config: Path, target: int) -> dict[str, dict[str, Any]]:
    common = ["--no-auto-resume"]
    workers = str(yaml.safe_load(crawl_config.read_text())["workers"])  # the tasks' default is not the config's
    crawl = ["crawl", "--config", str(crawl_config), "--parallel-config", str(configs["auto"]),
             "--target", str(target), "--workers", workers, *common]
    train = ["train", "--config", f"{DEMO}/training.yaml", "--parallel-config", str(configs["auto"]), *common]
    results = {"crawl": timed(work, crawl, "crawl alone")}
    results["train"] = timed(work, train, "train alone (shards already there)")
    for variant in VARIANTS:
        both = ["parallel", "--config", str(configs[variant]), "--train-config", f"{DEMO}/training.yaml",
                "--crawl-config", str(crawl_config), "--crawl-target", str(target),
                "--crawl-workers", workers, *common]
        results[f"parallel_{variant}"] = timed(work, both, f"parallel, resources {variant}")
    return results


def timed(work: Path, task: list[str], label: str) -> dict[str, Any]:
    started = time.monotonic()
    with open(work / "bench.log", "a") as log:
        code = subprocess.run([*INVOKE, *task], cwd=work, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False).returncode
    wall = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"{label}: exit {code}; see the log:\n" + (work / "bench.log").read_text()[-3000:])
    record = latest_record(work)
    figures: dict[str, Any] = {"wall_s": wall, "resources": {n: p.get("resources") for n, p in
                                                            record["processes"].items()}}
    if "crawl" in record["processes"]:
        stats = json.loads((work / "data/demo/crawl/stats.json").read_text())
        figures.update(pages_per_s=stats["pages_per_s"], kept=stats["kept"], crawl_s=stats["elapsed_s"])
    if "train" in record["processes"]:
        rates = [json.loads(line)["tokens_per_s"] for line in
                 (work / "outputs/demo/metrics.jsonl").read_text().splitlines() if line.strip()]
        figures.update(tokens_per_s=round(statistics.harmonic_mean(rates), 1), steps=len(rates))
    print(f"{label:38s} wall {wall:6.1f} s  " + "  ".join(
        f"{k} {v}" for k, v in figures.items() if k in ("pages_per_s", "kept", "tokens_per_s")), flush=True)
    return figures


def latest_record(work: Path) -> dict[str, Any]:
    records = sorted((work / "logs/runs").glob("*.json"))
    return json.loads(records[-1].read_text())


def report(rounds: list[dict[str, dict[str, Any]]], target: int) -> None:
    def median(run: str, key: str) -> float:
        return statistics.median(r[run][key] for r in rounds)

    alone = median("crawl", "wall_s") + median("train", "wall_s")
    print(f"\ncores {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}, "
          f"crawl target {target}, rounds {len(rounds)} (medians)")
    print(f"crawl alone {median('crawl', 'wall_s'):.1f} s + train alone {median('train', 'wall_s'):.1f} s "
          f"= {alone:.1f} s")
    for variant in VARIANTS:
        run = f"parallel_{variant}"
        print(f"parallel, resources {variant}: {median(run, 'wall_s'):.1f} s, "
              f"wall(parallel)/(wall(crawl)+wall(train)) = {median(run, 'wall_s') / alone:.3f} (goal <= 0.75); "
              f"crawl pages/s {median(run, 'pages_per_s') / median('crawl', 'pages_per_s'):.2f}x alone, "
              f"train tokens/s {median(run, 'tokens_per_s') / median('train', 'tokens_per_s'):.2f}x alone; "
              f"resources {json.dumps(rounds[-1][run]['resources'])}")


if __name__ == "__main__":
    sys.exit(main())
