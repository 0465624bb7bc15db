"""`--set KEY=VALUE` typed by the config dataclasses, and errors that name what the user typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.common.overrides import apply_overrides, flag_overrides, load_with_overrides, parse_set
from tandem.common.typed_config import ConfigError
from tandem.crawl.crawl_config import CrawlConfig
from tandem.train.train_config import TrainConfig

TRAIN = {"model": {"init": {"vocab_size": 500}}}


@pytest.mark.parametrize(("text", "key", "value"), [
    ("training.max_steps=500", "training.max_steps", 500),
    ("training.learning_rate=1e-4", "training.learning_rate", 1e-4),  # YAML alone reads this as text
    ("data.follow=false", "data.follow", False),
    ("data.paths=[a/*.jsonl, b/*.jsonl]", "data.paths", ["a/*.jsonl", "b/*.jsonl"]),
    ("data.start_timeout_s=null", "data.start_timeout_s", None),
    ("output_dir=123", "output_dir", "123"),  # a path is taken as written, never as a number
    ("adapter=lora", "adapter", "lora"),
    ("model.init.num_key_value_heads=2", "model.init.num_key_value_heads", 2),
])
def test_the_value_is_read_by_the_type_of_its_field(text, key, value):
    override = parse_set(TrainConfig, text)
    assert (override.key, override.value, override.origin) == (key, value, f"--set {key}")
    config = apply_overrides(TrainConfig, TRAIN, "t.yaml", [override])
    assert config is not None


def test_a_misspelt_key_is_refused_with_the_closest_one():
    with pytest.raises(ConfigError) as error:
        parse_set(CrawlConfig, "politeness.min_dely_s=2")
    assert str(error.value).startswith("--set politeness.min_dely_s: unknown key 'politeness.min_dely_s' "
                                       "(did you mean 'politeness.min_delay_s'?")


def test_text_without_an_equals_sign_is_refused():
    with pytest.raises(ConfigError, match=r"^--set training.max_steps: expected KEY=VALUE"):
        parse_set(TrainConfig, "training.max_steps")


def test_a_bad_value_names_the_flag_that_gave_it_not_the_file(tmp_path: Path):
    config = tmp_path / "crawl.yaml"
    config.write_text("target: 10000\nworkers: 4\n")
    with pytest.raises(ConfigError) as flag:
        load_with_overrides(CrawlConfig, config, flag_overrides([("--target", "target", -5)]))
    assert str(flag.value) == "--target: must be at least 1"
    with pytest.raises(ConfigError) as typed:
        load_with_overrides(CrawlConfig, config, [parse_set(CrawlConfig, "fetch.max_bytes=lots")])
    assert str(typed.value) == "--set fetch.max_bytes: expected an integer, got a string 'lots'"


def test_a_bad_value_of_the_file_still_names_the_file_and_key(tmp_path: Path):
    config = tmp_path / "crawl.yaml"
    config.write_text("workers: 0\n")
    with pytest.raises(ConfigError) as error:
        load_with_overrides(CrawlConfig, config, flag_overrides([("--target", "target", 50)]))
    assert str(error.value) == f"{config}: workers: must be at least 1"


def test_flags_not_given_change_nothing_and_the_config_applies(tmp_path: Path):
    config = tmp_path / "crawl.yaml"
    config.write_text("target: 123\nworkers: 7\n")
    loaded = load_with_overrides(CrawlConfig, config, flag_overrides([("--target", "target", None),
                                                                       ("--workers", "workers", None)]))
    assert (loaded.target, loaded.workers) == (123, 7)
