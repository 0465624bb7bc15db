"""Whole runs through `invoke parallel`: outcomes, restarts, logs and records."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime

import pytest
import yaml

LOG_NAME = re.compile(r"^logs/(train|crawl)_\d{8}_\d{6}\.log$")


def test_both_succeed_with_every_line_in_contract_named_logs(workdir):
    workdir.config(["--lines", "500", "--sleep", "0.3"], ["--lines", "300", "--status-steps", "5", "--sleep", "0.5"])
    result = workdir.run()
    assert result.returncode == 0, result.stderr
    record = workdir.record()
    assert record["status"] == "succeeded" and record["exit_code"] == 0
    assert re.fullmatch(r"\d{8}_\d{6}", record["run_id"])
    for stamp in (record["started_at"], record["ended_at"]):
        assert datetime.fromisoformat(stamp).utcoffset() is not None
    for name, lines in (("train", 500), ("crawl", 300)):
        entry = record["processes"][name]
        assert entry["status"] == "succeeded" and entry["exit_code"] == 0 and entry["restarts"] == 0
        assert LOG_NAME.match(entry["log_file"]) and entry["log_file"].startswith(f"logs/{name}_")
        log = workdir.log(name)
        out = [line for line in log.splitlines() if line.startswith("out line")]
        err = [line for line in log.splitlines() if line.startswith("err line")]
        assert out == [f"out line {i}" for i in range(lines)]
        assert err == [f"err line {i}" for i in range(lines)]
    assert record["processes"]["crawl"]["progress"]["done"] == 5
    supervisor_log = (workdir.root / "logs" / "parallel_train_crawl.log").read_text()
    assert f"[run {record['run_id']}]" in supervisor_log
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d ", supervisor_log, re.M)
    progress = [json.loads(line) for line in
                (workdir.root / record["run_dir"] / "progress.jsonl").read_text().splitlines()]
    assert progress[-1]["process"] == "crawl" or any(p["done"] == 5 for p in progress)


def test_one_failing_never_stops_the_other(workdir):
    workdir.config(["--sleep", "3"], ["--exit", "3", "--sleep", "0.2"], restart={"max_restarts": 0})
    result = workdir.run()
    assert result.returncode == 1
    record = workdir.record()
    assert record["status"] == "failed" and record["exit_code"] == 1
    crawl, train = record["processes"]["crawl"], record["processes"]["train"]
    assert crawl["status"] == "failed" and crawl["exit_code"] == 3
    assert "exit code 3" in crawl["error"]["reason"]
    assert train["status"] == "succeeded" and train["exit_code"] == 0
    assert train["attempts"][0]["uptime_s"] >= 2.9  # it ran its full course after the crawl died


def test_crash_is_restarted_with_backoff_and_told_to_resume(workdir):
    counter = workdir.root / "counter"
    env_file = workdir.root / "env.json"
    workdir.config(None, ["--exit", "7", "--fail-times", "2", "--counter", str(counter),
                          "--env-file", str(env_file)],
                   restart={"max_restarts": 3, "backoff_s": 0.4, "backoff_max_s": 10, "min_uptime_s": 5})
    result = workdir.run()
    assert result.returncode == 0, result.stderr
    entry = workdir.record()["processes"]["crawl"]
    assert entry["status"] == "succeeded" and entry["restarts"] == 2
    assert [a["exit_code"] for a in entry["attempts"]] == [7, 7, 0]
    starts = [datetime.fromisoformat(a["started_at"]) for a in entry["attempts"]]
    ends = [datetime.fromisoformat(a["ended_at"]) for a in entry["attempts"]]
    # Two failed starts in a row: 0.4 s, then twice that.
    assert (starts[1] - ends[0]).total_seconds() >= 0.35
    assert (starts[2] - ends[1]).total_seconds() >= 0.75
    assert json.loads(env_file.read_text())["TANDEM_AUTO_RESUME"] == "1"
    log = workdir.log("crawl")
    assert log.count("===== tandem") == 3 and "restart 2 of crawl" in log
    assert log.count("crash number") == 2 and "recovered" in log


def test_restarts_run_out_and_the_child_fails(workdir):
    workdir.config(None, ["--exit", "5"], restart={"max_restarts": 2, "backoff_s": 0.1, "min_uptime_s": 5})
    result = workdir.run()
    assert result.returncode == 1
    entry = workdir.record()["processes"]["crawl"]
    assert entry["status"] == "failed" and entry["restarts"] == 2
    assert [a["exit_code"] for a in entry["attempts"]] == [5, 5, 5]
    assert "gave up after 2 restart(s)" in entry["error"]["reason"]


def test_no_auto_resume_turns_restarts_off_and_tells_the_child(workdir):
    env_file = workdir.root / "env.json"
    workdir.config(None, ["{no_auto_resume}", "--exit", "4", "--env-file", str(env_file)])
    result = workdir.run("--no-auto-resume")
    assert result.returncode == 1
    entry = workdir.record()["processes"]["crawl"]
    assert entry["restarts"] == 0 and entry["status"] == "failed"
    seen = json.loads(env_file.read_text())
    assert seen["TANDEM_AUTO_RESUME"] == "0" and "--no-auto-resume" in seen["argv"]


def test_placeholder_switch_vanishes_when_flag_not_given(workdir):
    env_file = workdir.root / "env.json"
    workdir.config(None, ["{no_web_crawl}", "--env-file", str(env_file)])
    assert workdir.run().returncode == 0
    seen = json.loads(env_file.read_text())
    assert seen["argv"] == ["--env-file", str(env_file)]
    assert seen["TANDEM_PROCESS"] == "crawl" and "TANDEM_WEB_CRAWL" not in seen
    assert seen["TANDEM_RUN_ID"] == workdir.record()["run_id"]


def test_japanese_output_arrives_byte_exact(workdir):
    workdir.config(["--japanese"], None)
    assert workdir.run().returncode == 0
    expected = "".join(f"{i:05d} 日本語のログ行です。東京で学習が進んでいます。\n" for i in range(3000))
    log = workdir.log("train")
    assert "\ufffd" not in log
    body = log.split("=====\n", 1)[1]
    assert body == expected


def test_child_reading_stdin_sees_end_of_input(workdir):
    workdir.config(["--read-stdin"], None)
    result = workdir.run(timeout=30)
    assert result.returncode == 0
    assert "stdin gave 0 chars" in workdir.log("train")


def test_progress_pattern_feeds_progress_for_foreign_scripts(workdir):
    workdir.config(["--print-progress", "8", "--sleep", "1.5"], None,
                   patterns={"train": r"step (?P<done>\d+)/(?P<total>\d+)"})
    assert workdir.run().returncode == 0
    progress = workdir.record()["processes"]["train"]["progress"]
    assert progress["done"] == 8 and progress["total"] == 8


def test_second_run_in_the_same_second_gets_its_own_files(workdir):
    workdir.config(["--lines", "1"], None)
    assert workdir.run().returncode == 0
    assert workdir.run().returncode == 0
    records = workdir.records()
    assert len(records) == 2 and records[0]["run_id"] != records[1]["run_id"]
    assert records[0]["processes"]["train"]["log_file"] != records[1]["processes"]["train"]["log_file"]


def test_status_and_logs_tasks_show_the_latest_run(workdir):
    workdir.config(["--lines", "3"], ["--lines", "2", "--status-steps", "4"])
    assert workdir.run().returncode == 0
    status = workdir.run(task="status")
    assert status.returncode == 0, status.stderr
    assert "train succeeded" in status.stdout and "crawl succeeded 4/4 steps (100.0%)" in status.stdout
    assert "not running" in status.stdout and "last line: err line 2" in status.stdout
    logs = workdir.run(task="logs")
    assert "[train] out line 2" in logs.stdout and "[crawl] err line 1" in logs.stdout
    only = workdir.run("--process", "crawl", task="logs")
    assert "[crawl]" in only.stdout and "[train]" not in only.stdout


def test_logs_follow_tails_both_logs_until_the_run_ends(workdir):
    workdir.config(["--print-progress", "20", "--sleep", "2"], ["--print-progress", "10", "--sleep", "2.5"])
    supervisor = workdir.start()
    workdir.wait_for(lambda: (workdir.root / "logs" / "runs").is_dir() and workdir.records(), what="a record")
    follower = subprocess.run(workdir.invoke_argv("logs", "--follow"), cwd=workdir.root, capture_output=True,
                              text=True, timeout=60)
    supervisor.wait(timeout=30)
    assert follower.returncode == 0
    lines = follower.stdout.splitlines()
    assert [line for line in lines if line.startswith("[train] step")] == [
        f"[train] step {i}/20" for i in range(1, 21)]
    assert [line for line in lines if line.startswith("[crawl] step")] == [
        f"[crawl] step {i}/10" for i in range(1, 11)]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is a Linux/Windows feature")
def test_each_child_runs_on_its_cpus_with_its_threads_and_nice_level(workdir):
    cpus = sorted(os.sched_getaffinity(0))
    files = {name: workdir.root / f"{name}.json" for name in ("train", "crawl")}
    workdir.config(["--env-file", str(files["train"])], ["--env-file", str(files["crawl"])])
    config = yaml.safe_load((workdir.root / "parallel.yaml").read_text())
    config["processes"]["train"]["resources"] = {"cpus": str(cpus[0]), "threads": "auto"}
    config["processes"]["crawl"]["resources"] = {"cpus": "all", "threads": 3, "nice": 7}
    config["processes"]["crawl"]["env"] = {"MKL_NUM_THREADS": "5"}  # `env` wins over `threads`
    (workdir.root / "parallel.yaml").write_text(yaml.safe_dump(config))
    result = workdir.run()
    assert result.returncode == 0, result.stderr
    train, crawl = (json.loads(files[name].read_text()) for name in ("train", "crawl"))
    assert train["cpus"] == [cpus[0]] and train["OMP_NUM_THREADS"] == "1" and train["nice"] == os.nice(0)
    assert crawl["cpus"] == cpus and crawl["nice"] == 7
    assert crawl["OMP_NUM_THREADS"] == "3" and crawl["MKL_NUM_THREADS"] == "5"
    processes = workdir.record()["processes"]
    assert processes["train"]["resources"] == {"cpus": [cpus[0]], "threads": 1, "nice": 0}
    assert processes["crawl"]["resources"] == {"cpus": None, "threads": 3, "nice": 7}
    events = (workdir.root / "logs" / "parallel_train_crawl.log").read_text()
    assert f"train CPUs {cpus[0]}, 1 thread(s), nice 0" in events and "crawl all CPUs, 3 thread(s), nice 7" in events


def test_a_cpu_the_machine_lacks_is_a_one_line_error_naming_the_key(workdir):
    workdir.config(["--exit", "0"], None)
    config = yaml.safe_load((workdir.root / "parallel.yaml").read_text())
    config["processes"]["train"]["resources"] = {"cpus": "4000-4001"}
    (workdir.root / "parallel.yaml").write_text(yaml.safe_dump(config))
    result = workdir.run()
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: parallel.yaml: processes.train.resources.cpus: CPU 4000 is not")
    assert not (workdir.root / "logs" / "runs").exists() or not list((workdir.root / "logs" / "runs").glob("*.json"))


def test_each_attempt_keeps_only_the_lines_it_wrote(workdir):
    counter = workdir.root / "counter"
    workdir.config(None, ["--exit", "7", "--fail-times", "2", "--counter", str(counter)],
                   restart={"max_restarts": 3, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5})
    assert workdir.run().returncode == 0
    attempts = workdir.record()["processes"]["crawl"]["attempts"]
    assert [a.get("log_tail") for a in attempts] == [["crash number 1"], ["crash number 2"], None]


def test_a_flag_not_given_leaves_the_config_to_decide(workdir):
    env_file = workdir.root / "env.json"
    workdir.config(None, ["--target", "{crawl_target}", "--workers", "{crawl_workers}", "{crawl_set}",
                          "--env-file", str(env_file)])
    assert workdir.run().returncode == 0
    assert json.loads(env_file.read_text())["argv"] == ["--env-file", str(env_file)]
    assert workdir.run("--crawl-target", "7", "--set", "crawl.politeness.min_delay_s=2").returncode == 0
    assert json.loads(env_file.read_text())["argv"] == [
        "--target", "7", "--set", "politeness.min_delay_s=2", "--env-file", str(env_file)]


def test_a_set_that_no_command_passes_on_is_refused(workdir):
    workdir.config(None, ["--lines", "1"])
    result = workdir.run("--set", "crawl.workers=8")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: --set crawl.workers=8: parallel.yaml: processes.crawl.command has no "
                                     "'{crawl_set}' item to pass --set on with")


def test_status_and_logs_take_a_run_and_a_number_of_lines(workdir):
    workdir.config(["--lines", "5"], ["--lines", "3"])
    assert workdir.run().returncode == 0
    first = workdir.record()["run_id"]
    workdir.config(["--lines", "1"], None)
    assert workdir.run().returncode == 0
    status = workdir.run("--run", first, "--lines", "3", task="status")
    assert status.returncode == 0 and f"run {first} (parallel)" in status.stdout
    assert "last 3 lines:" in status.stdout and "      err line 4" in status.stdout
    logs = workdir.run("--run", first, "--lines", "2", "--process", "train", task="logs")
    assert logs.stdout.splitlines() == ["[train] out line 4", "[train] err line 4"]
    missing = workdir.run("--run", "19990101_000000", task="logs")
    assert missing.returncode == 2 and "--run 19990101_000000: no such run" in missing.stderr


@pytest.mark.parametrize("task", ["status", "logs"])
def test_status_and_logs_piped_into_a_reader_that_stops_early_end_quietly(workdir, task):
    """`invoke status | head -1`: the reader closes the pipe after one line; no BrokenPipeError."""
    workdir.config(["--lines", "400"], ["--lines", "400", "--status-steps", "4"])
    assert workdir.run().returncode == 0
    reader = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdin is not None
    shown = subprocess.run(workdir.invoke_argv(task, "--lines", "400"), cwd=workdir.root, stdout=reader.stdin,
                           stderr=subprocess.PIPE, text=True, timeout=60, stdin=subprocess.DEVNULL)
    reader.stdin.close()
    assert reader.stdout is not None and reader.stdout.read().strip()
    reader.wait(timeout=30)
    assert "Error" not in shown.stderr and "Traceback" not in shown.stderr, shown.stderr
