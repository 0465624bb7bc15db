"""The headline command on a machine that cannot reach its seeds: it ends by itself, exit 1, and
says why on the console — the crawl's own line, the trainer told and giving up — instead of
waiting forever for data that will never come."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.paths import REPO


def unreachable_url() -> str:
    """A loopback port nobody listens on: connections are refused at once, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.slow
def test_an_offline_headline_run_ends_with_exit_1_and_the_crawls_reason_on_the_console(tmp_path):
    (tmp_path / "scripts").symlink_to(REPO / "scripts")
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    configs = tmp_path / "configs"
    edit(configs / "crawl_config.yaml", lambda c: c.update(seeds=[unreachable_url()], allow_private_networks=True))
    edit(configs / "training_config.yaml", lambda t: t["model"].update(
        init={"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 400}))

    def quick_policy(p):  # the shipped policy with shorter waits, so that the test takes seconds
        p.update(restart={"max_restarts": 1, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 10},
                 monitor={"enabled": False}, notify={"enabled": False})
    edit(configs / "parallel.yaml", quick_policy)

    result = subprocess.run([sys.executable, "-m", "invoke", "-r", str(REPO), "parallel", "--crawl-target", "10000"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)

    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    console = result.stdout
    assert "  crawl | " in console and "ERROR failed: no page could be fetched" in console
    assert "train: told through $TANDEM_UPSTREAM_FILE that crawl, which it requires, failed for good" in console
    assert "nothing to train on" in console
    [record_path] = (tmp_path / "logs" / "runs").glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["processes"]["crawl"]["status"] == "failed"
    assert record["processes"]["train"]["error"]["reason"].startswith("exit code 1 after crawl")
    report = (tmp_path / record["report"]).read_text()
    assert "**Root cause:** `crawl`" in report and "> " in report and "no page could be fetched" in report
