"""Bad input: one clear line naming the file and key, exit 2, nothing started or overwritten."""

from __future__ import annotations

import pytest


def _assert_refused(workdir, result, *needles):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("yaml_text", "needles"),
    [
        ("processes:\n  train: {command: [python3, -c, pass]\n", ["parallel.yaml", "invalid YAML", "line"]),
        ("processes:\n  train: {command: [python3], colour: red}\n", ["parallel.yaml", "processes.train.colour"]),
        ("processes:\n  train: {command: [python3]}\nrestart: {max_restarts: many}\n",
         ["parallel.yaml", "restart.max_restarts", "integer"]),
        ("processes:\n  train: {command: [no-such-program-xyz]}\n",
         ["parallel.yaml", "processes.train.command", "no-such-program-xyz"]),
        ("processes:\n  train: {command: ['{python}', missing_script.py]}\n",
         ["processes.train.command", "missing_script.py", "does not exist"]),
        ("processes:\n  train: {command: ['{python}', '{nope}']}\n", ["processes.train.command[1]", "nope"]),
        ("- just\n- a list\n", ["parallel.yaml", "mapping"]),
        ("processes:\n  train: {command: [python3]}\nshutdown: {grace_s: -1}\n", ["shutdown.grace_s"]),
    ],
)
def test_bad_config_is_one_line_and_exit_2(workdir, yaml_text, needles):
    workdir.config(["--lines", "1"], None)
    assert workdir.run().returncode == 0
    before = {p: p.read_bytes() for p in (workdir.root / "logs").rglob("*") if p.is_file()}
    (workdir.root / "parallel.yaml").write_text(yaml_text)
    _assert_refused(workdir, workdir.run(), *needles)
    after = {p: p.read_bytes() for p in (workdir.root / "logs").rglob("*") if p.is_file()}
    assert after == before, "a refused run changed the files of an earlier run"


def test_missing_config_file(workdir):
    _assert_refused(workdir, workdir.run(), "parallel.yaml", "not found")
    assert not (workdir.root / "logs").exists()


def test_log_folder_that_cannot_be_written(workdir):
    (workdir.root / "blocker").write_text("a file where a folder should be")
    workdir.config(["--lines", "1"], None, logs_dir="blocker/logs")
    _assert_refused(workdir, workdir.run(), "blocker/logs", "cannot be written")


def test_unknown_process_for_a_single_task(workdir):
    workdir.config(["--lines", "1"], None)
    _assert_refused(workdir, workdir.run(task="crawl"), "processes.crawl", "not defined")
