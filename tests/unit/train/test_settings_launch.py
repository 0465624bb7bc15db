from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from support.paths import REPO

from tandem.common.typed_config import ConfigError
from tandem.train.callbacks import trim_metrics
from tandem.train.launch import is_worker, launcher_command
from tandem.train.signals import StopFlag
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
