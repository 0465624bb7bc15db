"""Two torchrun agents on this machine as two nodes (c10d rendezvous on 127.0.0.1, CPU/gloo, a
tiny model, one shared output_dir): they train together; one node is lost (its agent and its
workers killed -9, as when a machine goes down) and the job, started again on both nodes,
resumes from the newest complete checkpoint."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tandem.contracts.shards import COMPLETE_MARKER
from tandem.train.checkpoints import newest_complete

from .conftest import REPO, SCRIPT, child_env

MAX_STEPS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Node:
    """One machine's `scripts/train.py`, its output in a file (a pipe nobody reads would block it)."""

    def __init__(self, config: Path, rank: int, log: Path) -> None:
        self.log, self.status = log, log.with_suffix(".status.json")
        with open(log, "w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, str(SCRIPT), "--config", str(config), "--node-rank", str(rank)], cwd=REPO,
                env=child_env(TANDEM_STATUS_FILE=str(self.status)), stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True)

    def message(self) -> str:
        """The status line of this node's global rank 0 (the one that reads the data), if it is here."""
        try:
            return str(json.loads(self.status.read_text()).get("message", ""))
        except (FileNotFoundError, json.JSONDecodeError):
            return ""

    def wait(self, timeout: float) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.log.name} still running after {timeout} s:\n{self.output()[-3000:]}") from None
        return code, self.output()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def lose(self) -> None:
        """kill -9 the agent and every worker it started (torchrun puts workers in their own
        sessions, so the agent's process group is not enough): a machine going down."""
        try:
            agent = psutil.Process(self.process.pid)
            members = [agent, *agent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for member in members:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait()


@pytest.fixture
def start_node(tmp_path):
    started: list[Node] = []

    def start(config: Path, rank: int) -> Node:
        node = Node(config, rank, tmp_path / f"node{rank}-{len(started)}.log")
        started.append(node)
        return node

    yield start
    for node in started:
        node.lose()


@pytest.mark.slow
@pytest.mark.timeout(480)  # four starts of torch on two cores, about 3 minutes
def test_two_nodes_train_together_and_resume_after_one_is_lost(tmp_path, write_shard, make_config, metrics,
                                                               wait_until, start_node):
    shards, out = tmp_path / "shards", tmp_path / "out"
    for index in range(8):  # about 18 steps of data; then the trainer waits for the (simulated) crawl
        write_shard(shards, index)
    config = make_config(launcher="torchrun", training={"max_steps": MAX_STEPS, "save_steps": 5},
                         # In reading order (no shuffle window to fill), so that it waits only once all is read.
                         data={"follow": True, "follow_idle_timeout_s": 600, "shuffle_window": 1},
                         distributed={"nproc_per_node": 1, "nnodes": 2,
                                      "rdzv_endpoint": f"127.0.0.1:{free_port()}", "rdzv_id": "two-nodes"})
    node_1, node_0 = start_node(config, 1), start_node(config, 0)  # node 1 first: it waits for node 0
    wait_until(lambda: any("waiting for data: caught up" in node.message() for node in (node_0, node_1)),
               timeout=150, what="the trainer to use up the data")
    kept = newest_complete(out)
    assert kept is not None and kept.name in ("checkpoint-10", "checkpoint-15")
    node_1.lose()
    (shards / COMPLETE_MARKER).write_text("{}")  # the crawl is done: the data reader goes on
    code, output = node_0.wait(timeout=120)  # and the job fails, its peer gone
    assert code != 0, output
    assert newest_complete(out) == kept and not (out / "final").exists()

    node_1, node_0 = start_node(config, 1), start_node(config, 0)
    code_1, output_1 = node_1.wait(timeout=240)
    code_0, output_0 = node_0.wait(timeout=60)
    assert code_0 == 0 and code_1 == 0, output_0 + output_1
    assert "waiting for node 0 at 127.0.0.1:" in output_1
    assert f"resuming from {kept}" in output_0
    assert "--nnodes=2 --rdzv_backend=c10d" in output_0 and "--rdzv_id=two-nodes" in output_0
    assert [m["step"] for m in metrics(out)] == list(range(1, MAX_STEPS + 1))
    state = json.loads((out / f"checkpoint-{MAX_STEPS}" / "data_state.json").read_text())
    assert state["blocks_per_step"] == 8  # batch 4 × 2 processes, one on each node
    assert (out / "final" / "model.safetensors").is_file()
