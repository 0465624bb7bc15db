"""The crawl's and the trainer's workloads on two checkouts of the kit, round by round: before and
after a change that should not cost speed (issue 20's one text pipeline and split crawl runner).

Each workload runs in a fresh interpreter whose PYTHONPATH is the checkout, the two checkouts
alternating within each round, so that load from other processes hits both alike; the figure
is CPU time (the child's own), steadier than wall time on shared cores, and the ratio
after/before is the median of the paired rounds.

1. analysis: every HTML page of the seven Debian Japanese manuals (bench_extract's real sites,
   from its cache) through the web crawl's page analysis (decode, extract, line rules,
   normalise, quality filters): CPU seconds of the loop, in the child;
2. sources: `scripts/crawl.py --no-web-crawl` over those pages as files (pre-filter, the same
   pipeline, dedup, shards, the resume cursor): the crawl process's CPU time;
3. web: `scripts/crawl.py` on the generated demo site served on 127.0.0.1 (one server for both
   checkouts): the crawl process's CPU time for the same pages;
4. train: each checkout's own `bench/bench_train.py` (its training path against a plain
   PyTorch loop, in one process), whose ratio is measured against the same plain loop.

Run: .venv/bin/python bench/bench_trees.py --before PATH [--after .] [--rounds 3] [--demo-pages 1000]
     [--only analysis,sources,web,train]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

from bench_demo import serve_site  # noqa: E402
from debian_ja_sites import SITES, fetch_packages  # noqa: E402

ANALYSIS = """
import sys, time
from pathlib import Path
from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.page_analysis import PageAnalyzer
from tandem.crawl.text.quality import QualitySettings
bodies = [Path(line).read_bytes() for line in Path(sys.argv[1]).read_text().splitlines()]
analyzer = PageAnalyzer(ExtractSettings(), QualitySettings(), load_ng_words(None))
start = time.process_time()
kept = sum(analyzer.analyse_html(body, None, f"http://site.test/{n}.html").drop_reason is None
           for n, body in enumerate(bodies))
print(time.process_time() - start, kept)
"""


def child_cpu(argv: list[str], checkout: Path, cwd: Path) -> tuple[float, str]:
    """Run `argv` with the checkout first on the path: its CPU seconds (user + system) and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}, "PYTHONPATH": str(checkout)}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} in {checkout}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def analysis(checkout: Path, work: Path, pages: Path) -> float:
    _, out = child_cpu([sys.executable, "-c", ANALYSIS, str(pages)], checkout, work)
    return float(out.split()[0])


def crawl(checkout: Path, work: Path, config: dict[str, object], flags: list[str]) -> float:
    out = work / f"crawl-{checkout.name}"
    shutil.rmtree(out, ignore_errors=True)
    path = work / f"crawl-{checkout.name}.yaml"
    path.write_text(yaml.safe_dump({**config, "output_dir": str(out)}), encoding="utf-8")
    seconds, _ = child_cpu([sys.executable, str(checkout / "scripts" / "crawl.py"), "--config", str(path),
                            "--no-auto-resume", *flags], checkout, work)
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    print(f"    {checkout}: {stats['pages_fetched']} documents, {stats['kept']} kept, {seconds:.2f} s CPU")
    return seconds


def train_ratio(checkout: Path, work: Path, steps: int) -> float:
    _, out = child_cpu([sys.executable, str(checkout / "bench" / "bench_train.py"), "--steps", str(steps),
                        "--rounds", "3"], checkout, work)
    ratio = re.search(r"ratio train\.py/plain\s+([0-9.]+)", out.split("by CPU time:")[-1])
    if ratio is None:
        raise SystemExit(f"bench_train in {checkout} printed no ratio:\n{out[-1500:]}")
    return float(ratio.group(1))


def html_files(cache: Path) -> list[Path]:
    roots = fetch_packages(cache)
    return [path for rule in SITES for path in sorted(roots[rule.name].glob(rule.html_glob))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout before the change")
    parser.add_argument("--after", type=Path, default=REPO, help="the checkout after it (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--demo-pages", type=int, default=1000)
    parser.add_argument("--train-steps", type=int, default=12)
    parser.add_argument("--cache", type=Path, default=REPO / "data" / "bench" / "debian-ja")
    parser.add_argument("--only", default="", help="workloads, comma-separated: analysis,sources,web,train")
    args = parser.parse_args()
    checkouts = [args.before.resolve(), args.after.resolve()]
    files = html_files(args.cache)
    with tempfile.TemporaryDirectory(prefix="bench_trees_") as folder:
        work = Path(folder)
        pages = work / "pages.txt"
        pages.write_text("\n".join(str(path) for path in files), encoding="utf-8")
        texts = work / "texts"
        texts.mkdir()
        for n, path in enumerate(files):
            shutil.copyfile(path, texts / f"{n:05d}.html")
        server, url = serve_site(work / "site", args.demo_pages)
        try:
            sources = {"sources": [str(texts)], "target": len(files), "workers": 1,
                       "quality": {"preset": "technical"}}
            web = {"seeds": [url], "target": args.demo_pages, "workers": 16, "allow_private_networks": True,
                   "politeness": {"min_delay_s": 0.0}}
            workloads: dict[str, Callable[[Path], float]] = {
                f"analysis ({len(files)} real pages), CPU s": lambda c: analysis(c, work, pages),
                f"sources crawl ({len(files)} real pages as files), CPU s": lambda c: crawl(
                    c, work, sources, ["--no-web-crawl"]),
                f"web crawl (demo site, {args.demo_pages} pages), CPU s": lambda c: crawl(c, work, web, []),
                "train: ratio train.py/plain loop (by CPU; higher is faster)": lambda c: train_ratio(
                    c, work, args.train_steps),
            }
            if args.only:
                chosen = args.only.split(",")
                workloads = {name: run for name, run in workloads.items() if name.split()[0].rstrip(":") in chosen}
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in workloads}
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds}", flush=True)
                for name, run in workloads.items():
                    order = checkouts if round_number % 2 == 0 else checkouts[::-1]
                    measured = {checkout: run(checkout) for checkout in order}
                    results[name].append((measured[checkouts[0]], measured[checkouts[1]]))
                    print(f"  {name}: before {results[name][-1][0]:.3f}, after {results[name][-1][1]:.3f}",
                          flush=True)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"\nbefore: {checkouts[0]}\nafter:  {checkouts[1]}\nload average: {os.getloadavg()[0]:.1f}")
    for name, pairs in results.items():
        ratios = [after / before for before, after in pairs]
        print(f"  {name:<62} before {statistics.median(p[0] for p in pairs):8.3f}  after "
              f"{statistics.median(p[1] for p in pairs):8.3f}  after/before {statistics.median(ratios):.3f} "
              f"(rounds: {', '.join(f'{r:.3f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
