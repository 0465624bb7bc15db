"""Checks before anything starts, and processes that require each other, in real runs against
the stub child."""

from __future__ import annotations

import json
from datetime import datetime

import yaml

FAIL_CHECK = ["{python}", "-c", "import sys; print('checking'); "
              "print('error: crawl.yaml: seeds: nothing to crawl', file=sys.stderr); sys.exit(2)"]
PASS_CHECK = ["{python}", "-c", "print('all good')"]


def add(workdir, name: str, **keys) -> None:
    path = workdir.root / "parallel.yaml"
    config = yaml.safe_load(path.read_text())
    config["processes"][name].update(keys)
    path.write_text(yaml.safe_dump(config))


def test_a_failing_preflight_stops_the_run_before_anything_starts(workdir):
    pids = workdir.root / "pids"
    workdir.config(["--pid-file", str(pids)], ["--pid-file", str(pids)], report={"enabled": True})
    add(workdir, "train", preflight=PASS_CHECK)
    add(workdir, "crawl", preflight=FAIL_CHECK)
    result = workdir.run()
    assert result.returncode == 2
    assert result.stderr.strip() == "error: crawl.yaml: seeds: nothing to crawl"
    assert not pids.exists() and not (workdir.root / "logs").exists() and not (workdir.root / "_docs").exists()


def test_a_preflight_without_an_error_line_is_named_with_its_exit_code(workdir):
    workdir.config(["--lines", "1"], None)
    add(workdir, "train", preflight=["{python}", "-c", "import sys; print('disk is full'); sys.exit(5)"])
    result = workdir.run()
    assert result.returncode == 2 and result.stderr.strip() == "error: train: its preflight exited 5: disk is full"


def test_passing_preflights_let_the_run_start(workdir):
    workdir.config(["--lines", "1"], ["--lines", "1"])
    add(workdir, "train", preflight=PASS_CHECK)
    add(workdir, "crawl", preflight=PASS_CHECK)
    assert workdir.run().returncode == 0
    assert workdir.record()["status"] == "succeeded"


def test_a_required_process_failing_stops_its_dependent_within_its_grace_period(workdir):
    workdir.config(["--sleep", "60"], ["--exit", "3", "--lines", "2"], restart={"max_restarts": 0})
    add(workdir, "train", requires=["crawl"], requires_grace_s=1)
    result = workdir.run(timeout=40)
    assert result.returncode == 1
    record = workdir.record()
    train, crawl = record["processes"]["train"], record["processes"]["crawl"]
    assert crawl["status"] == "failed" and train["status"] == "stopped" and train["restarts"] == 0
    told_to_stopped = (datetime.fromisoformat(train["ended_at"]) - datetime.fromisoformat(crawl["ended_at"]))
    assert 1.0 <= told_to_stopped.total_seconds() < 1.0 + 3.0  # grace, then SIGTERM (shutdown.grace_s is 3)
    notice = json.loads((workdir.root / record["run_dir"] / "train.upstream.json").read_text())
    assert list(notice["failed"]) == ["crawl"] and notice["stop_after_s"] == 1
    assert "train: told through $TANDEM_UPSTREAM_FILE that crawl" in result.stdout
    assert "train: still running 1s after crawl failed: stopping it" in result.stdout


def test_a_dependent_that_reacts_to_the_notice_ends_by_itself_and_is_not_restarted(workdir):
    workdir.config(["--wait-upstream", "30", "--exit", "1"], ["--exit", "3"], restart={"max_restarts": 0})
    add(workdir, "train", requires=["crawl"], requires_grace_s=20)
    result = workdir.run(timeout=40)
    assert result.returncode == 1
    train = workdir.record()["processes"]["train"]
    assert train["status"] == "failed" and train["restarts"] == 0
    assert train["error"]["reason"].startswith("exit code 1 after crawl, which it requires, failed")
    notice = json.loads(workdir.log("train").split("upstream notice: ", 1)[1])  # as the child read it
    assert notice["failed"]["crawl"].startswith("exit code 3") and notice["stop_after_s"] == 20
    assert "stopping it" not in result.stdout
