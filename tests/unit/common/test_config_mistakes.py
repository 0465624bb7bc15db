"""Config mistakes a person makes, each one line naming the file and the key."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tandem.app.parallel_config import ParallelConfig
from tandem.common.typed_config import ConfigError, check_range, load_config, read_yaml_mapping


@dataclass
class Small:
    name: str = field(metadata={"help": "required"})
    rate: float = field(default=1.0, metadata={"help": "a float"})


def load(tmp_path, text, cls=Small):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_config(cls, path)


@pytest.mark.parametrize(("text", "message"), [
    ("name: a\nname: b\n", "invalid YAML at line 2, column 1: duplicate key 'name' (first given at line 1)"),
    ("name: a\nrate: .nan\n", "rate: expected a finite number, got nan"),
    ("name: a\nrate: -.inf\n", "rate: expected a finite number, got -inf"),
    ("", "the file is empty; it needs at least 'name'"),
    ("# only a comment\n", "the file is empty; it needs at least 'name'"),
    ("rate: 2\n", "name: required, but not given"),
])
def test_each_mistake_is_one_line_naming_the_file(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert str(caught.value) == f"{tmp_path / 'c.yaml'}: {message}"


def test_a_merge_key_may_be_overridden_without_a_duplicate_error(tmp_path):
    path = _write(tmp_path, "base: &b {name: a, rate: 2}\nsmall: {<<: *b, rate: 3}\n")
    assert read_yaml_mapping(path)["small"] == {"name": "a", "rate": 3}


def _write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("yaml_text", "key"), [
    ("shutdown: {grace_s: .nan}", "shutdown.grace_s: expected a finite number"),
    ("shutdown: {grace_s: 100000}", "shutdown.grace_s: must be at least 0 and at most 3600"),
    ("progress_interval_s: 0", "progress_interval_s: must be more than 0"),
    ("restart: {backoff_s: -1}", "restart.backoff_s: must be at least 0"),
    ("restart: {backoff_s: 10, backoff_max_s: 5}", "restart.backoff_max_s: must be at least 10"),
    ("monitor: {min_free_disk_gb: -1}", "monitor.min_free_disk_gb: must be at least 0"),
    ("notify: {webhook_timeout_s: 0}", "notify.webhook_timeout_s: must be more than 0"),
    ("report: {log_tail_lines: -3}", "report.log_tail_lines: must be at least 0"),
    ("processes: {train: {command: [x], resources: {cpu_share: .inf}}}", "cpu_share: expected a finite number"),
    ("processes: {train: {command: [x], no_restart_exit_codes: [0]}}", "no_restart_exit_codes: must be at least 1"),
])
def test_every_number_of_parallel_yaml_is_checked(tmp_path, yaml_text, key):
    text = yaml_text if yaml_text.startswith("processes") else "processes: {train: {command: [x]}}\n" + yaml_text
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(ParallelConfig, _write(tmp_path, text + "\n"))


def test_check_range_bounds():
    check_range("k", 0, 0, 1)
    with pytest.raises(ValueError, match="k: must be more than 0 and at most 1, got 0"):
        check_range("k", 0, 0, 1, low_open=True)
    with pytest.raises(ValueError, match="got nan"):
        check_range("k", float("nan"), 0, 1)


@dataclass
class Checked:
    url: str = field(default="", metadata={"help": "checked in __post_init__"})

    def __post_init__(self) -> None:
        if not self.url.startswith("http"):
            raise ValueError(f"url: expected an http URL, got {self.url!r}")


def test_a_dataclass_own_error_is_one_line_of_bounded_length(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f"url: \"ftp://{'x' * 5000}\\n{'y' * 5000}\"\n", Checked)
    message = str(caught.value)
    assert "\n" not in message and "url: expected an http URL, got 'ftp://xxx" in message
    assert len(message) < len(str(tmp_path / "c.yaml")) + 320


@pytest.mark.parametrize(("text", "message"), [
    ("name: " + "[" * 800 + "]" * 800 + "\n", "invalid YAML: nested too deeply"),
    ("name: &a [x, *a]\n", "invalid YAML at line 1, column 7: an alias refers to a value that contains it"),
])
def test_yaml_that_would_recurse_for_ever_is_one_line(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert str(caught.value) == f"{tmp_path / 'c.yaml'}: {message}"
