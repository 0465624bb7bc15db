"""A stand-in child for the supervisor's tests: it behaves as told on its command line.

Knows only the child protocol's environment variables, like any foreign script would.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit", type=int, default=0, help="exit code at the end")
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to run before exiting")
    parser.add_argument("--lines", type=int, default=0, help="numbered lines to print (stdout and stderr)")
    parser.add_argument("--japanese", action="store_true", help="print Japanese text in odd-sized chunks")
    parser.add_argument("--flood-mb", type=float, default=0.0, help="write this many MB of 100-byte lines")
    parser.add_argument("--ignore-term", action="store_true", help="ignore SIGTERM (must be killed)")
    parser.add_argument("--grandchild", action="store_true", help="start a sleeping grandchild that ignores SIGTERM")
    parser.add_argument("--pid-file", type=Path, help="append own pid (and the grandchild's) here")
    parser.add_argument("--fail-times", type=int, default=0,
                        help="exit with --exit this many times (counted in --counter), then exit 0")
    parser.add_argument("--counter", type=Path)
    parser.add_argument("--status-steps", type=int, default=0, help="report progress in the status file")
    parser.add_argument("--print-progress", type=int, default=0, help="print 'step N/M' lines")
    parser.add_argument("--report-as", choices=["crawl", "train"],
                        help="with --status-steps: the metrics of a crawl or a training (docs/child-protocol.md), "
                             "and a training's metrics.jsonl beside the status file")
    parser.add_argument("--env-file", type=Path,
                        help="write the TANDEM_* and thread environment, CPU affinity and nice here as JSON")
    parser.add_argument("--read-stdin", action="store_true", help="read stdin (must see EOF at once)")
    parser.add_argument("--no-auto-resume", action="store_true", help="the kit's documented flag")
    parser.add_argument("--no-web-crawl", action="store_true", help="the kit's documented flag")
    parser.add_argument("--target", help="the crawl script's flag (only recorded, in --env-file's argv)")
    parser.add_argument("--workers", help="the crawl script's flag (only recorded)")
    parser.add_argument("--set", action="append", help="the scripts' --set KEY=VALUE (only recorded)")
    parser.add_argument("--wait-upstream", type=float, default=0.0,
                        help="wait up to this many seconds for $TANDEM_UPSTREAM_FILE; once it appears, print "
                             "it and exit with --exit (9 if it never comes)")
    parser.add_argument("--message", help="a status message written with the status file's progress")
    parser.add_argument("--metrics-file", type=Path, help="a trainer stub's metrics.jsonl (default: beside the "
                                                            "status file), appended to as a real output folder's")
    parser.add_argument("--loss-scale", type=float, default=4.0, help="a trainer stub's loss at step 0")
    args = parser.parse_args()

    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.env_file:
        env = {k: v for k, v in os.environ.items() if k.startswith("TANDEM_") or k.endswith("_NUM_THREADS")}
        placement = {}
        if hasattr(os, "sched_getaffinity"):
            placement = {"cpus": sorted(os.sched_getaffinity(0)), "nice": os.nice(0)}
        args.env_file.write_text(json.dumps({**env, **placement, "argv": sys.argv[1:]}))
    pids = [os.getpid()]
    if args.grandchild:
        code = "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
        pids.append(subprocess.Popen([sys.executable, "-c", code]).pid)
    if args.pid_file:
        with open(args.pid_file, "a") as handle:
            handle.write(" ".join(map(str, pids)) + "\n")
    if args.read_stdin:
        print(f"stdin gave {len(sys.stdin.read())} chars", flush=True)

    for i in range(args.lines):
        print(f"out line {i}", flush=True)
        print(f"err line {i}", file=sys.stderr, flush=True)
    if args.japanese:
        text = "".join(f"{i:05d} 日本語のログ行です。東京で学習が進んでいます。\n" for i in range(3000)).encode()
        for start in range(0, len(text), 997):  # chunk edges fall inside multi-byte characters
            sys.stdout.buffer.write(text[start:start + 997])
            sys.stdout.buffer.flush()
    if args.flood_mb:
        # One print per 100-byte line, as a chatty program logs; stdout's own buffering applies.
        for i in range(int(args.flood_mb * 10_000)):
            print(f"{i:010d} " + "x" * 88)
        sys.stdout.flush()

    if args.wait_upstream:
        return wait_for_upstream(args.wait_upstream, args.exit)

    status_file = os.environ.get("TANDEM_STATUS_FILE")
    for step in range(1, max(args.status_steps, args.print_progress) + 1):
        if args.status_steps and status_file:
            tmp = status_file + ".tmp"
            with open(tmp, "w") as handle:
                json.dump({"done": step, "total": args.status_steps, "unit": "steps",
                           "metrics": contract_metrics(args.report_as, step, args.status_steps, status_file,
                                                       args.metrics_file, args.loss_scale),
                           "message": args.message or f"at step {step}"}, handle)
            os.replace(tmp, status_file)
        if args.print_progress:
            print(f"step {step}/{args.print_progress}", flush=True)
        time.sleep(args.sleep / max(args.status_steps, args.print_progress, 1))
    if not (args.status_steps or args.print_progress):
        deadline = time.monotonic() + args.sleep
        while time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    if args.fail_times and args.counter:
        count = int(args.counter.read_text()) if args.counter.exists() else 0
        args.counter.write_text(str(count + 1))
        if count >= args.fail_times:
            print("recovered", flush=True)
            return 0
        print(f"crash number {count + 1}", file=sys.stderr, flush=True)
    return args.exit


EVAL_EVERY = 3  # a trainer stub's steps between evaluations


def contract_metrics(kind: str | None, step: int, total: int, status_file: str, metrics_path: Path | None = None,
                     loss_scale: float = 4.0) -> dict[str, object]:
    """Figures shaped like the crawl's or the trainer's (the keys of docs/child-protocol.md)."""
    if kind == "crawl":
        return {"kept": step * 3, "target": total * 3, "pages_fetched": step * 5, "pages_per_s": 4.5,
                "queue_size": 40 - step % 40, "dropped": {"not_japanese": step, "too_short": step // 2},
                "duplicates_exact": step // 4, "duplicates_near": step // 8, "bytes_fetched": step * 20_000,
                "elapsed_s": float(step)}
    if kind == "train":
        metrics_file = metrics_path or Path(status_file).with_name("stub_metrics.jsonl")
        loss = loss_scale / (1 + 0.1 * step)
        evaluated = step - step % EVAL_EVERY  # the held-out loss of the latest evaluation, a bit above
        evaluation = {"eval_loss": 4.2 / (1 + 0.1 * evaluated)} if step % EVAL_EVERY == 0 else {}
        with open(metrics_file, "a") as handle:
            handle.write(json.dumps({"step": step, "loss": loss, "learning_rate": 0.001, "grad_norm": 1.0,
                                     "tokens_per_s": 1000.0 + step, "samples_seen": step * 8, "data_pass": 0,
                                     "waited_for_data_s": 0.0, "time": "2026-01-01T00:00:00", **evaluation}) + "\n")
        latest = {} if evaluated == 0 else {
            "eval_loss": 4.2 / (1 + 0.1 * evaluated), "eval_step": evaluated,
            "best_eval_loss": 4.2 / (1 + 0.1 * evaluated), "best_eval_step": evaluated}
        return {"step": step, "max_steps": total, "loss": loss, "learning_rate": 0.001, "tokens_per_s": 1000.0 + step,
                "samples_seen": step * 8, "data_pass": 0, "skipped_lines": 0, "checkpoint": None,
                "metrics_file": str(metrics_file), "output_dir": str(Path(status_file).parent), **latest}
    return {"loss": 1.0 / step}


def wait_for_upstream(timeout_s: float, exit_code: int) -> int:
    path = os.environ.get("TANDEM_UPSTREAM_FILE")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path and os.path.exists(path):
            with open(path) as handle:
                print(f"upstream notice: {handle.read()}", flush=True)
            return exit_code
        time.sleep(0.05)
    print("no upstream notice came", flush=True)
    return 9


if __name__ == "__main__":
    sys.exit(main())
