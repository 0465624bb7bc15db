"""The README's "real run" YAML is real: each block loads through the config loader it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.paths import REPO

from tandem.app.parallel_config import ParallelConfig
from tandem.common.typed_config import load_config
from tandem.crawl.crawl_config import CrawlConfig
from tandem.train.train_config import load_train_config

BLOCK = re.compile(r"```yaml\n# (configs/[a-z_]+\.yaml)\n(.*?)```", re.DOTALL)
LOADERS = {
    "configs/parallel.yaml": lambda path: load_config(ParallelConfig, path),
    "configs/crawl_config.yaml": lambda path: load_config(CrawlConfig, path),
    "configs/training_config.yaml": load_train_config,
}


def real_run_blocks() -> list[tuple[str, str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The real run\n", 1)[1].split("\n## ", 1)[0]
    return BLOCK.findall(section)


def test_the_real_run_section_shows_every_config_file() -> None:
    assert {name for name, _ in real_run_blocks()} == set(LOADERS)


@pytest.mark.parametrize("index", range(len(real_run_blocks())))
def test_each_real_run_yaml_block_loads(index: int, tmp_path: Path) -> None:
    name, text = real_run_blocks()[index]
    path = tmp_path / Path(name).name
    path.write_text(text, encoding="utf-8")
    config = LOADERS[name](path)
    if name == "configs/training_config.yaml":
        assert config.model.name_or_path and config.model.init is None
