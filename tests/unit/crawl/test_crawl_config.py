from pathlib import Path

import pytest
from support.paths import CONFIGS

from tandem.common.typed_config import ConfigError, load_config
from tandem.crawl.crawl_config import CrawlConfig


@pytest.mark.parametrize("name", ["crawl_config.yaml", "demo/crawl.yaml"])
def test_bundled_configs_load(name: str) -> None:
    config = load_config(CrawlConfig, CONFIGS / name)
    assert config.target >= 1 and config.fetch.user_agent.startswith("tandem-crawler/")
    assert "http" in config.fetch.user_agent  # a contact URL


def test_flags_override_and_defaults() -> None:
    config = load_config(CrawlConfig, CONFIGS / "crawl_config.yaml",
                         {"target": 7, "workers": 2, "seeds": ["http://a.jp/"], "output_dir": "x"})
    assert (config.target, config.workers, config.seeds, config.output_dir) == (7, 2, ["http://a.jp/"], Path("x"))
    assert load_config(CrawlConfig, None).output_dir == Path("data/crawl")
    assert load_config(CrawlConfig, None).allow_private_networks is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("target: 0\n", "target: must be at least 1"),
        ("seeds: [ftp://a.jp/]\n", "seeds[0]: only http and https"),
        ("fetch: {max_bytes: 10}\n", "fetch.max_bytes: must be at least 1024"),
        ("politeness: {per_host_concurrency: 0}\n", "politeness.per_host_concurrency"),
        ("scope: {max_depht: 3}\n", "unknown key 'scope.max_depht'"),
        ("output: {shard_size: many}\n", "output.shard_size: expected an integer"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "crawl.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(CrawlConfig, path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)
