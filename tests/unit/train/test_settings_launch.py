from __future__ import annotations

import json
import os
import signal
import socket
import sys
import types
from pathlib import Path

import pytest
from support.paths import REPO

from tandem.common.typed_config import ConfigError
from tandem.train.callbacks import trim_metrics
from tandem.train.launch import is_worker, launcher_command, wait_for_node_0
from tandem.train.signals import StopFlag
from tandem.train.train_cli import worker_argv
from tandem.train.train_config import DistributedSettings, load_train_config


@pytest.mark.parametrize("name", ["configs/training_config.yaml", "configs/demo/training.yaml"])
def test_bundled_configs_load(name):
    config = load_train_config(REPO / name)
    assert config.model.init is not None and config.data.follow


def test_flags_override_the_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: {init: {}}\ntraining: {max_steps: 5}\n")
    config = load_train_config(path, {"training.max_steps": 9, "output_dir": "elsewhere"})
    assert config.training.max_steps == 9 and config.output_dir == Path("elsewhere")


@pytest.mark.parametrize(("yaml", "message"), [
    ("model: {init: {}}\ntraining: {max_step: 5}\n", r"c.yaml: unknown key 'training.max_step'"),
    ("model: {init: {}}\nadapter: qlora\n", r"c.yaml: adapter: must be one of none, lora, so8"),
    ("model: {init: {}, name_or_path: x}\n", r"c.yaml: model.name_or_path: give exactly one"),
    ("model: {init: {hidden_size: 30, num_attention_heads: 4}}\n", r"model.init.hidden_size: must be a multiple"),
    ("model: {init: {}}\ntraining: {batch_size: 0}\n", r"c.yaml: training.batch_size: must be at least 1"),
    ("model: {init: {}}\ndata: {paths: []}\n", r"c.yaml: data.paths: name at least one"),
    ("model: {init: {}}\nlauncher: torchrun\ndistributed: {nnodes: 2}\n", r"distributed.rdzv_endpoint: needed"),
    ("model: {init: {}}\ndistributed: {nnodes: '2:1', rdzv_endpoint: 'h:1'}\n", r"distributed.nnodes: need 1 <= MIN"),
    ("model: {init: {}}\ndistributed: {nnodes: 'two'}\n", r"distributed.nnodes: expected a number or a range"),
    ("model: {init: {}}\ndistributed: {nnodes: 2, node_rank: 2, rdzv_endpoint: 'h:1'}\n",
     r"distributed.node_rank: must be 0 to 1"),
    ("model: {init: {}}\ndistributed: {nnodes: 2, rdzv_endpoint: 'node0'}\n",
     r"distributed.rdzv_endpoint: expected host:port"),
    ("model: {init: {}}\ndistributed: {nnodes: '1:2', rdzv_endpoint: 'h:1', rdzv_backend: static}\n",
     r"distributed.rdzv_backend: static needs a fixed nnodes"),
    ("model: {init: {}}\nlauncher: accelerate\ndistributed: {nnodes: '1:2', rdzv_endpoint: 'h:1'}\n",
     r"c.yaml: distributed.nnodes: a range MIN:MAX needs launcher: torchrun"),
])
def test_bad_values_are_one_line_errors_naming_file_and_key(tmp_path, yaml, message):
    path = tmp_path / "c.yaml"
    path.write_text(yaml)
    with pytest.raises(ConfigError, match=message):
        load_train_config(path)


def test_python_launcher_trains_in_process():
    assert launcher_command("python", DistributedSettings(), ["train.py"]) is None


def test_torchrun_on_one_node_is_standalone_and_several_nodes_rendezvous():
    one = launcher_command("torchrun", DistributedSettings(nproc_per_node=2), ["t.py", "--config", "c"], python="py")
    assert one == ["py", "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1", "--standalone",
                   "t.py", "--config", "c"]
    many = launcher_command("torchrun", DistributedSettings(nproc_per_node=4, nnodes=2, node_rank=1,
                                                            rdzv_endpoint="node0:29500"), ["t.py"], python="py")
    assert many[3:] == ["--nproc_per_node=4", "--nnodes=2", "--rdzv_backend=c10d", "--rdzv_endpoint=node0:29500",
                        "--node_rank=1", "t.py"]


def test_an_elastic_multi_node_job_passes_torchrun_its_rendezvous_and_restarts():
    settings = DistributedSettings(nproc_per_node=2, nnodes="1:2", node_rank=1, rdzv_endpoint="10.0.0.1:29400",
                                   rdzv_id="job-7", rdzv_conf={"join_timeout": 1800, "last_call_timeout": 30},
                                   max_restarts=3)
    command = launcher_command("torchrun", settings, ["t.py"], python="py")
    assert command == ["py", "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1:2",
                       "--rdzv_backend=c10d", "--rdzv_endpoint=10.0.0.1:29400", "--rdzv_id=job-7",
                       "--rdzv_conf=join_timeout=1800,last_call_timeout=30", "--node_rank=1", "--max_restarts=3",
                       "t.py"]
    assert settings.node_range == (1, 2)


def test_an_unquoted_nnodes_range_is_read_as_written_not_as_base_60(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: {init: {}}\nlauncher: torchrun\n"
                    "distributed:\n  nnodes: 1:2\n  rdzv_endpoint: node0:29400\n")
    config = load_train_config(path)
    assert config.distributed.nnodes == "1:2" and config.distributed.node_range == (1, 2)
    path.write_text("model: {init: {}}\ndistributed: {nnodes: 62, rdzv_endpoint: 'node0:29400'}\n")
    assert load_train_config(path).distributed.node_range == (62, 62)


def test_the_node_rank_flag_overrides_the_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: {init: {}}\ndistributed: {nnodes: 2, rdzv_endpoint: 'node0:29400'}\n")
    assert load_train_config(path, {"distributed.node_rank": 1}).distributed.node_rank == 1


def test_node_1_waits_for_node_0s_rendezvous_port_to_answer():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        endpoint = f"127.0.0.1:{server.getsockname()[1]}"
        said: list[str] = []
        polls = iter([False, False, True])
        assert not wait_for_node_0(endpoint, lambda: next(polls), said.append, poll_s=0.01)
        assert said == [f"waiting for node 0 at {endpoint}"]
        server.listen()
        assert wait_for_node_0(endpoint, lambda: False, said.append, poll_s=0.01)
        assert not wait_for_node_0("127.0.0.1:1", lambda: False, said.append, poll_s=0.01, finished=lambda: True)


def test_accelerate_gets_process_and_machine_counts():
    command = launcher_command("accelerate", DistributedSettings(nproc_per_node=2, nnodes=2, node_rank=0,
                                                                 rdzv_endpoint="10.0.0.1:29500"), ["t.py"], python="py")
    assert command == ["py", "-m", "accelerate.commands.launch", "--num_processes=4", "--num_machines=2",
                       "--machine_rank=0", "--multi_gpu", "--main_process_ip=10.0.0.1",
                       "--main_process_port=29500", "t.py"]


def test_workers_are_marked_by_the_environment():
    assert is_worker({"TANDEM_TRAIN_WORKER": "1"}) and not is_worker({})


def test_trim_metrics_drops_steps_after_the_checkpoint_and_cut_lines(tmp_path):
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text("".join(json.dumps({"step": s, "loss": 1.0}) + "\n" for s in range(1, 6)) + '{"step": 6, "lo')
    trim_metrics(metrics, 3)
    assert [json.loads(line)["step"] for line in metrics.read_text().splitlines()] == [1, 2, 3]


def test_stop_flag_records_the_first_signal_and_a_second_interrupts():
    flag = StopFlag()
    assert not flag()
    flag._handle(signal.SIGTERM, None)
    assert flag() and flag.signum == signal.SIGTERM and flag.exit_code() == 143
    with pytest.raises(KeyboardInterrupt):
        flag._handle(signal.SIGINT, None)
    interrupted = StopFlag()
    interrupted._handle(signal.SIGINT, None)
    assert interrupted.exit_code() == 130


def test_workers_start_as_this_trainer_was_started(monkeypatch):
    """`python -m tandem.train` (the shipped configs) gives the launcher `-m tandem.train`: the
    module's file run as a script would put tandem/train/ first on sys.path."""
    main = types.ModuleType("__main__")
    main.__spec__ = types.SimpleNamespace(name="tandem.train.__main__")  # type: ignore[assignment]
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "argv", ["/site-packages/tandem/train/__main__.py"])
    assert worker_argv(["--config", "c.yaml", "--no-auto-resume"]) == ["-m", "tandem.train", "--config", "c.yaml"]
    main.__spec__ = None  # type: ignore[assignment]
    monkeypatch.setattr(sys, "argv", ["scripts/train.py"])
    assert worker_argv(["--config", "c.yaml"]) == [os.path.abspath("scripts/train.py"), "--config", "c.yaml"]
