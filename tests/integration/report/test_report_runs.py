"""Reports, resource samples and notifications of real supervised runs of stub children."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from support.paths import REPO

HOSTILE = ("import sys; print('```'); print('| a | b |'); print('<script>x</script>'); "
           "print('\\x1b[31mred\\x1b[0m'); sys.exit(3)")


def test_success_report_resources_and_notification(run, stub, tables) -> None:
    run.config({"train": stub("--status-steps", "5", "--sleep", "1"),
                "crawl": stub("--lines", "20", "--sleep", "1")})
    done = run.run()
    assert done.returncode == 0, done.stderr
    record = run.record()
    report_path = run.root / record["report"]
    assert report_path.parent == run.root / "_docs"
    assert report_path.name.endswith("_parallel_train_crawl.md")
    text = report_path.read_text()

    rows = {row["Process"]: row for row in tables(text, "Process")}
    for name in ("train", "crawl"):
        entry = record["processes"][name]
        assert rows[name]["Status"] == "succeeded" and rows[name]["Exit code"] == "0"
        assert rows[name]["Restarts"] == "0"
        assert rows[name]["Peak RSS"].endswith("MiB")  # the monitor sampled the running child
        assert rows[name]["Start"] == entry["started_at"][:19].replace("T", " ")
    assert rows["train"]["Progress"] == "5 / 5 steps"
    assert "### `train` — training" in text  # its status metrics carry a loss
    assert "No figures reported" in text  # the crawl stub reports nothing
    assert "(not found)" not in text

    samples = [json.loads(line) for line in
               (run.root / record["run_dir"] / "resources.jsonl").read_text().splitlines()]
    assert len(samples) >= 3 and any(s["processes"]["train"] for s in samples)
    assert record["resources"]["processes"]["train"]["peak_rss_bytes"] > 0

    summary = f"tandem run {record['run_id']}: succeeded in "
    assert run.hook.received[0]["text"].startswith(f"tandem\n{summary}")
    assert run.hook.received[0]["text"].endswith(f"\nReport: {record['report']}")
    assert run.hook.received[0]["content"] == run.hook.received[0]["text"]
    assert len(run.played()) == 1 and run.played()[0].endswith(".wav")

    second = run.run()  # same day: a report of its own, the first one untouched
    assert second.returncode == 0, second.stderr
    assert run.record()["report"] != record["report"]
    assert report_path.read_text() == text


def test_failure_with_exit_3_is_the_named_root_cause(run, stub, tables, fences, sections) -> None:
    run.config({"train": stub("--sleep", "1.5"), "crawl": ["{python}", "-c", HOSTILE]})
    done = run.run()
    assert done.returncode == 1
    record = run.record()
    text = run.report()
    rows = {row["Process"]: row for row in tables(text, "Process")}
    assert rows["crawl"]["Status"] == "failed" and rows["crawl"]["Exit code"] == "3"
    assert rows["train"]["Status"] == "succeeded"
    assert "**Root cause:** `crawl` failed first — exit 3 at " in text
    tail = fences(text)[0].splitlines()
    assert tail[-4:] == ["```", "| a | b |", "<script>x</script>", "red"]
    assert sections(text) == ["Processes", "Errors", "Figures", "Resources", "Plots", "Files"]
    assert f"tandem run {record['run_id']}: failed in " in run.hook.received[0]["text"]
    assert "crawl failed (exit 3)" in run.hook.received[0]["text"]


def test_restart_shows_each_attempt(run, stub, tables, fences) -> None:
    counter = run.root / "counter"
    run.config({"crawl": stub("--exit", "4", "--fail-times", "1", "--counter", str(counter))},
               restart={"max_restarts": 2, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5})
    done = run.run()
    assert done.returncode == 0, done.stderr
    text = run.report()
    attempts = tables(text, "Attempt")
    assert [a["Exit code"] for a in attempts] == ["4", "0"]
    assert attempts[0]["PID"] != attempts[1]["PID"]
    assert tables(text, "Process")[0]["Restarts"] == "1"
    assert any("crash number 1" in fence for fence in fences(text))
    assert "**Root cause:** `crawl` crashed and was restarted first — exit 4" in text
    assert "crawl succeeded after 1 restart" in run.hook.received[0]["text"]


def test_interrupted_run_still_gets_its_report(run, stub, tables) -> None:
    run.config({"train": stub("--sleep", "60"), "crawl": stub("--sleep", "60")})
    supervisor = run.start()
    try:
        run.wait_for(lambda: all(p["status"] == "running" for p in run.record()["processes"].values()))
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
    assert supervisor.returncode == 130
    record = run.record()
    assert record["status"] == "interrupted"
    text = run.report()
    assert "The run was **interrupted** before it finished" in text
    assert "Root cause" not in text
    assert {row["Status"] for row in tables(text, "Process")} == {"stopped"}
    assert run.hook.received[0]["text"].splitlines()[1].startswith(
        f"tandem run {record['run_id']}: interrupted in ")


def test_a_rebuilt_report_is_about_its_own_run_after_a_later_run_wrote_to_the_same_outputs(run, stub,
                                                                                          tables) -> None:
    """Two trainings share an output folder (as `invoke train` twice does): the second appends
    its own steps to the same metrics.jsonl. `invoke report --run FIRST` still shows the first
    run's figures, and rewrites its report with exactly the facts it had."""
    shared = run.root / "outputs" / "metrics.jsonl"
    shared.parent.mkdir()
    run.config({"train": stub("--report-as", "train", "--status-steps", "6", "--metrics-file", str(shared),
                              "--loss-scale", "4.0")})
    assert run.run().returncode == 0
    first = run.record()
    report_path = run.root / first["report"]
    original = report_path.read_text()
    figures = {row["Figure"]: row["Value"] for row in tables(original, "Figure")}
    assert (figures["Final loss"], figures["Best loss"]) == ("2.5", "2.5 (step 6)")  # 4.0 / 1.6

    run.config({"train": stub("--report-as", "train", "--status-steps", "6", "--metrics-file", str(shared),
                              "--loss-scale", "9.0")})
    assert run.run().returncode == 0
    assert run.record()["run_id"] != first["run_id"]

    rebuilt = subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "report", "--run", first["run_id"]],
                             cwd=run.root, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.strip() == first["report"]
    assert report_path.read_text() == original

