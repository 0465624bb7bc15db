"""`sources:` in the crawl config: strings and mappings, the old `local_sources` still read, and
mistakes as one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.common.typed_config import ConfigError, load_config
from tandem.crawl.crawl_config import CrawlConfig


def _load(tmp_path: Path, text: str) -> CrawlConfig:
    path = tmp_path / "crawl.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(CrawlConfig, path)


def test_strings_mappings_and_the_old_key(tmp_path: Path) -> None:
    config = _load(tmp_path, """
local_sources: [old/folder]
sources:
  - data/*.warc.gz
  - {path: "hf://datasets/owner/ja-web", config: ja, split: train, text_field: content,
     storage_options: {endpoint: "http://127.0.0.1:9"}}
""")
    sources = config.source_list()
    assert [s.path for s in sources] == ["old/folder", "data/*.warc.gz", "hf://datasets/owner/ja-web"]
    assert sources[2].text_field == "content" and sources[2].storage_options == {"endpoint": "http://127.0.0.1:9"}
    assert sources[2].is_remote and sources[2].is_hf_dataset_root and not sources[1].is_remote


@pytest.mark.parametrize(("text", "message"), [
    ("sources: ['']\n", "sources[0]: must name a folder"),
    ("sources: [{path: x.jsonl, txt_field: body}]\n", "unknown key 'sources[0].txt_field'"),
    ("sources: [{path: x.jsonl, format: csv}]\n", "sources[0].format: must be one of"),
    ("sources: [{path: 'hf://datasets/a/b'}]\n", "config: and split: are needed"),
    ("prefilter: {min_kana: 0}\n", "prefilter.min_kana: must be at least 1"),
])
def test_mistakes_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, text)
    assert message in str(error.value) and "\n" not in str(error.value)
