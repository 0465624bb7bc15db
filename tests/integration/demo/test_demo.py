"""`invoke demo` end to end, offline, on a small budget: the site is served, crawled while a tiny
model trains on the shards as they land, reported, notified, and everything is stopped after.

The demo's own configs are copied into a scratch folder and shrunk (fewer pages, samples and
steps, a smaller model) so the run takes well under a minute; the task, the scripts, the
supervisor and the policies are the real ones.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import psutil
import pytest
import yaml
from support.paths import REPO


def shrunk_demo(work: Path) -> None:
    (work / "scripts").symlink_to(REPO / "scripts")
    demo = work / "configs" / "demo"
    demo.mkdir(parents=True)
    (demo / "parallel.yaml").write_text((REPO / "configs/demo/parallel.yaml").read_text())
    crawl = yaml.safe_load((REPO / "configs/demo/crawl.yaml").read_text())
    crawl["output"]["flush_interval_s"] = 1
    crawl["output"]["shard_size"] = 10
    # Slower than the demo: the trainer must follow. About 30 s for 60 pages, so that even on a busy
    # machine (a CPU-bound process beside the suite) the trainer's start-up, which imports torch
    # and transformers, ends long before the crawl does; at 0.15 s a loaded run once saw the first
    # step 0.6 s after the crawl had ended.
    crawl["politeness"]["min_delay_s"] = 0.5
    (demo / "crawl.yaml").write_text(yaml.safe_dump(crawl, allow_unicode=True))
    training = yaml.safe_load((REPO / "configs/demo/training.yaml").read_text())
    training["model"]["init"] = {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
                                 "vocab_size": 600}
    training["data"]["min_samples"] = 10
    training["data"]["shuffle_window"] = 10  # the demo's rule: no bigger than min_samples
    # Never a second pass while the crawl runs, however slow the machine: the trainer must wait
    # for the shards that land after it started, which is what this test checks.
    training["data"]["follow_idle_timeout_s"] = 120
    training["training"].update(max_steps=100, save_steps=10, save_total_limit=20, batch_size=4, seq_len=128)
    (demo / "training.yaml").write_text(yaml.safe_dump(training, allow_unicode=True))


@pytest.mark.slow
@pytest.mark.timeout(480)  # ~60 s idle; a busy CI machine may take several times that
def test_demo_crawls_trains_on_what_arrives_reports_and_leaves_nothing_running(tmp_path):
    shrunk_demo(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(REPO), "demo", "--pages", "120", "--crawl-target", "60"],
        cwd=tmp_path, capture_output=True, text=True, timeout=420, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Fatal Python error" not in result.stdout + result.stderr  # the demo site's server ends cleanly

    [record_path] = (tmp_path / "logs" / "runs").glob("*.json")
    record = json.loads(record_path.read_text())
    train, crawl = record["processes"]["train"], record["processes"]["crawl"]
    assert record["status"] == "succeeded"
    assert (train["status"], train["exit_code"]) == (crawl["status"], crawl["exit_code"]) == ("succeeded", 0)
    assert crawl["progress"]["done"] == 60 and train["progress"]["done"] == 100

    # The trainer trained before the crawl had finished, and its checkpoints record shards that
    # the crawl wrote during this run, after training had begun: it followed the crawl.
    metrics = [json.loads(line) for line in (tmp_path / "outputs/demo/metrics.jsonl").read_text().splitlines()]
    first_step_at = datetime.strptime(metrics[0]["time"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
    assert first_step_at < datetime.fromisoformat(crawl["ended_at"]).timestamp()
    consumed = set()
    for checkpoint in (tmp_path / "outputs/demo").glob("checkpoint-*"):
        reader = json.loads((checkpoint / "data_state.json").read_text())["position"]["sources"]["crawl"]
        consumed.update(Path(tmp_path, s) for s in (*reader["done_shards"], reader["shard"]) if s)
    run_started = datetime.fromisoformat(record["started_at"]).timestamp()
    assert consumed and all(p.is_file() and p.stat().st_mtime >= run_started for p in consumed)
    assert any(p.stat().st_mtime > first_step_at + 1 for p in consumed), (first_step_at, consumed)
    shards = sorted((tmp_path / "data/demo/crawl/shards").glob("shard-*.jsonl"))
    assert len(shards) >= 6 and (tmp_path / "data/demo/crawl/shards/_COMPLETE").is_file()

    # The report shows both sets of figures, and its plots exist.
    report = Path(tmp_path, record["report"])
    text = report.read_text()
    assert "### `train` — training" in text and "### `crawl` — crawl" in text
    assert re.search(r"\| Steps \| 100 / 100 \|", text) and re.search(r"\| Kept / target \| 60 / 60", text)
    plots = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert {Path(p).name for p in plots} >= {"training_loss.png", "crawl_progress.png"}
    assert all((report.parent / p).is_file() and (report.parent / p).stat().st_size > 1000 for p in plots)
    assert "notif" in (tmp_path / "logs/parallel_train_crawl.log").read_text()

    # Nothing is left running or listening: the children, the watchdog, the site's server.
    url = re.search(r"demo site: (http://127\.0\.0\.1:(\d+)/)", result.stdout)
    assert url, result.stdout
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.group(2))), timeout=2).close()
    for pid in (train["pid"], crawl["pid"]):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    leftovers = [p.pid for p in psutil.process_iter(["cmdline"])
                 if any(str(tmp_path) in part for part in (p.info["cmdline"] or []))]
    assert leftovers == []


def test_a_second_demo_is_refused_before_its_site_is_served(tmp_path):
    """A demo already runs here (it holds the logs folder's lock): the second one says so in one
    line, exit 2, and never prints the URL of a site it would serve for nothing."""
    from tandem.fileio.file_lock import FileLock
    from tandem.supervisor.supervise import LOCK_FILE

    shrunk_demo(tmp_path)
    with FileLock(tmp_path / "logs" / LOCK_FILE) as lock:
        lock.acquire("parallel started by the first demo")
        result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "demo", "--crawl-target", "5"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "demo site:" not in result.stdout
    assert result.stderr.strip().splitlines() == [
        f"error: another tandem supervisor is running in this folder (pid {os.getpid()}, parallel started by "
        "the first demo); wait for it, or stop it (python -m invoke status shows it)"]
