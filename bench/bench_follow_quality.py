"""Does training while the crawl runs cost model quality? The same configs side by side
(`invoke parallel`) and one after the other (`invoke crawl`, then `invoke train`), in one run.

For each site size (the demo's 500 pages, and a larger generated site) and each crawl speed (a
fast crawl with no delay, and a polite slow one), through the tasks a user runs, each run in a
fresh working folder on the same demo site served on 127.0.0.1:
- sequential: the crawl alone, then the trainer alone on its complete shards;
- parallel: both under `invoke parallel` (the trainer follows the crawl).
Both train the demo's model (configs/demo/training.yaml) with shuffling on (data.shuffle_window)
and the pass budget in force (data.max_passes); the fast crawl keeps the same target as the
polite one. Each final model is scored in bits per UTF-8 byte on held-out pages: the site's
ordinary articles that neither run's crawl kept (their ground-truth text, from the site's
manifest). Prints, per case, bits/byte and wall time of each run and the ratios
parallel/sequential: done when bits/byte ≤ 1.00× (fast crawl: ≤ 1.00× + TOLERANCE, where the
two runs read nearly the same data in nearly the same order) at ≤ 0.75× the wall time.

    .venv/bin/python bench/bench_follow_quality.py [--sizes demo,large] [--speeds fast,polite]
        [--large-pages 3000] [--large-target 600] [--max-steps 40]

Time: each case runs the trainer twice; `--sizes demo` with 40 steps took 27 minutes on 2 cores
shared with ~8 other jobs (load average ~10), a few minutes on idle ones. With a fast crawl of
a few seconds the trainer's own time dominates both runs, so the wall ratio there says how much
start-up overlaps rather than how well the trainer follows.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from bench_demo import serve_site

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
INVOKE = [sys.executable, "-m", "invoke", "-r", str(REPO)]
DEMO = REPO / "configs/demo"
SHARDS = "data/demo/crawl/shards"
OUTPUT = "outputs/demo"
TOLERANCE = 0.02  # fast crawl: the two runs may differ by a shuffle of the window's arrivals
MAX_HELD_OUT = 100  # texts scored per case (the same for both runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,large", help="demo (500 pages, target 300), large, or both")
    parser.add_argument("--speeds", default="fast,polite", help="fast (no delay), polite (min_delay_s 0.5), or both")
    parser.add_argument("--large-pages", type=int, default=3000)
    parser.add_argument("--large-target", type=int, default=600)
    parser.add_argument("--max-steps", type=int, default=40, help="the trainer's steps (the demo's own: 150)")
    args = parser.parse_args()
    sizes = {"demo": (500, 300), "large": (args.large_pages, args.large_target)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="tandem-bench-follow-") as tmp:
        for size in args.sizes.split(","):
            pages, target = sizes[size]
            site = Path(tmp) / f"site-{size}"
            server, url = serve_site(site, pages)
            try:
                for speed in args.speeds.split(","):
                    rows.append(run_case(Path(tmp) / f"{size}-{speed}", site, url, size, speed, target,
                                         args.max_steps))
            finally:
                server.terminate()
                server.wait(timeout=10)
    report(rows)
    return 0


def run_case(base: Path, site: Path, url: str, size: str, speed: str, target: int, max_steps: int) -> dict[str, Any]:
    runs = {}
    for mode in ("sequential", "parallel"):
        work = base / mode
        configs = write_configs(work, url, speed, max_steps)
        started = time.monotonic()
        if mode == "sequential":
            invoke(work, "crawl", "--config", str(configs["crawl"]), "--parallel-config", str(configs["parallel"]),
                   "--target", str(target), "--workers", str(configs["workers"]), "--no-auto-resume")
            invoke(work, "train", "--config", str(configs["train"]), "--parallel-config", str(configs["parallel"]),
                   "--no-auto-resume")
        else:
            invoke(work, "parallel", "--config", str(configs["parallel"]), "--train-config", str(configs["train"]),
                   "--crawl-config", str(configs["crawl"]), "--crawl-target", str(target),
                   "--crawl-workers", str(configs["workers"]), "--no-auto-resume")
        runs[mode] = {"work": work, "wall_s": time.monotonic() - started}
    texts = held_out_texts(site, [r["work"] for r in runs.values()])
    for run in runs.values():
        run["bits_per_byte"] = bits_per_byte(run["work"] / OUTPUT / "final", texts)
        run.update(passes_and_reads(run["work"]))
    row = {"size": size, "speed": speed, "target": target, "held_out": len(texts), **{
        f"{mode}_{key}": value for mode, run in runs.items() for key, value in run.items() if key != "work"}}
    print(json.dumps(row), flush=True)
    return row


def write_configs(work: Path, url: str, speed: str, max_steps: int) -> dict[str, Any]:
    work.mkdir(parents=True)
    for name in ("scripts", "configs"):
        (work / name).symlink_to(REPO / name)
    crawl = yaml.safe_load((DEMO / "crawl.yaml").read_text())
    if speed == "fast":
        crawl["politeness"].update(min_delay_s=0, per_host_concurrency=4)
    else:
        crawl["politeness"].update(min_delay_s=0.5, per_host_concurrency=1)
    train = yaml.safe_load((DEMO / "training.yaml").read_text())
    train["training"]["max_steps"] = max_steps
    parallel = yaml.safe_load((DEMO / "parallel.yaml").read_text().replace("{demo_url}", url))
    parallel["notify"] = {"enabled": False}
    parallel["report"] = {"docs_dir": "_docs", "plots": False}
    paths = {}
    for name, config in (("crawl", crawl), ("train", train), ("parallel", parallel)):
        paths[name] = work / f"bench_{name}.yaml"
        paths[name].write_text(yaml.safe_dump(config, allow_unicode=True))
    return {**paths, "workers": crawl["workers"]}


def invoke(work: Path, *task: str) -> None:
    with open(work / "bench.log", "a") as log:
        code = subprocess.run([*INVOKE, *task], cwd=work, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False).returncode
    if code != 0:
        raise SystemExit(f"{work}: invoke {task[0]}: exit {code}; see the log:\n"
                         + (work / "bench.log").read_text()[-3000:])


def held_out_texts(site: Path, works: list[Path]) -> list[str]:
    """Ordinary articles of the site that no run's crawl kept (matched by URL path)."""
    from urllib.parse import urlsplit

    from tandem.contracts.shards import read_records
    from tandem.demosite.manifest import load_manifest

    kept = {urlsplit(str(record.get("url", ""))).path for work in works
            for _, record in read_records(work / SHARDS)}
    manifest = load_manifest(site)
    texts = [page.main_text for page in manifest.pages if page.kind == "article" and page.path not in kept]
    return texts[:MAX_HELD_OUT]


def bits_per_byte(final: Path, texts: list[str]) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tandem.train.text_eval import score_texts

    tokenizer = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final).eval()
    with torch.no_grad():
        score = score_texts(model, lambda text: tokenizer(text, add_special_tokens=False)["input_ids"], texts,
                            tokenizer.eos_token_id, seq_len=128, batch_size=16)
    return round(score.bits_per_byte, 4)


def passes_and_reads(work: Path) -> dict[str, Any]:
    lines = [json.loads(line) for line in (work / OUTPUT / "metrics.jsonl").read_text().splitlines() if line]
    last = lines[-1]
    return {"steps": last["step"], "data_pass": last.get("data_pass"), "times_read": last.get("times_read"),
            "waited_s": last.get("waited_for_data_s")}


def report(rows: list[dict[str, Any]]) -> None:
    print("\n| site | crawl | held-out pages | bits/byte seq | bits/byte par | ratio | wall seq s | wall par s "
          "| ratio | times read (par) | done |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        quality = row["parallel_bits_per_byte"] / row["sequential_bits_per_byte"]
        wall = row["parallel_wall_s"] / row["sequential_wall_s"]
        allowed = 1.0 + (TOLERANCE if row["speed"] == "fast" else 0.0)
        done = quality <= allowed and wall <= 0.75 and not math.isnan(quality)
        print(f"| {row['size']} | {row['speed']} | {row['held_out']} | {row['sequential_bits_per_byte']:.4f} "
              f"| {row['parallel_bits_per_byte']:.4f} | {quality:.3f} (≤ {allowed:.2f}) "
              f"| {row['sequential_wall_s']:.0f} | {row['parallel_wall_s']:.0f} | {wall:.2f} (≤ 0.75) "
              f"| {row['parallel_times_read']} "
              f"| {'yes' if done else 'no'} |")


if __name__ == "__main__":
    sys.exit(main())
