"""Inputs cut short (a download that stopped part-way): never read as if they were whole.

The crawl says which input and at which byte it ends, fails (exit 1) so that a rerun tries
again, and once the whole file is in place the resume reads on from the last record handled and
ends with exactly what a crawl of the whole file keeps."""

from __future__ import annotations

import json
import random
from pathlib import Path

import fsspec
import fsspec.compression
import pytest
from support.source_crawls import crawl, ids, write_config
from support.warc_files import demo_articles, write_warc

from tandem.demosite.prose import TOPICS, ProseGenerator


def compressed_jsonl(path: Path, count: int = 80) -> None:
    prose = ProseGenerator(random.Random(5))
    topics = list(TOPICS)
    compression = "zstd" if path.suffix == ".zst" else "gzip"
    if compression not in fsspec.compression.compr:
        pytest.skip(f"no {compression} package in this environment")
    with fsspec.open(str(path), "wt", encoding="utf-8", compression=compression) as stream:
        for n in range(count):
            article = prose.article(topics[n % len(topics)], 5, 5)
            stream.write(json.dumps({"text": "\n".join(article.paragraphs), "url": f"https://ja.example/{n}"},
                                    ensure_ascii=False) + "\n")


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.jsonl.gz", "crawl.jsonl.zst"])
def test_a_cut_input_fails_naming_the_byte_and_the_whole_file_resumes_to_the_full_count(
        small_site, tmp_path, name) -> None:
    whole = tmp_path / "whole" / name
    whole.parent.mkdir()
    if name.endswith(".warc.gz"):
        write_warc(whole, demo_articles(small_site))
    else:
        compressed_jsonl(whole, count=300 if name.endswith(".zst") else 80)  # zstd blocks are 128 KiB
    reference = tmp_path / "reference"
    assert crawl(write_config(tmp_path / "reference.yaml", whole, reference)).returncode == 0
    expected = ids(reference)
    assert len(expected) > 20

    data = whole.read_bytes()
    cut_at = len(data) // 2
    source = tmp_path / "downloads" / name
    source.parent.mkdir()
    source.write_bytes(data[:cut_at])
    out = tmp_path / "out"
    config = write_config(tmp_path / "crawl.yaml", source, out)
    cut = crawl(config)
    said = cut.stdout + cut.stderr
    assert cut.returncode == 1, said
    assert f"truncated at byte {cut_at}" in said
    assert "Traceback" not in said
    stats = json.loads((out / "stats.json").read_text())
    assert stats["finish_reason"] == "inputs_failed"
    assert stats["inputs_failed"][source.resolve().as_uri()].startswith(f"truncated at byte {cut_at}")
    assert not (out / "shards" / "_COMPLETE").exists()
    committed = ids(out)
    assert 0 < len(committed) < len(expected) and committed == expected[: len(committed)]

    source.write_bytes(data)  # the download completes
    resumed = crawl(config)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert ids(out) == expected


def test_another_file_under_a_saved_position_is_read_from_its_start_and_said(small_site, tmp_path) -> None:
    """The cut download is replaced by a different file of the same name (say, the next crawl's
    file): the saved position means nothing in it, so it is read from its start, not from the
    middle, and the log and stats.json say so."""
    articles = demo_articles(small_site)
    half = len(articles) // 2
    first, other = tmp_path / "first.warc.gz", tmp_path / "other.warc.gz"
    write_warc(first, articles[:half])
    write_warc(other, articles[half:])
    reference = tmp_path / "reference"
    assert crawl(write_config(tmp_path / "reference.yaml", other, reference)).returncode == 0
    other_ids = ids(reference)
    assert len(other_ids) > 10

    source = tmp_path / "downloads" / "crawl.warc.gz"
    source.parent.mkdir()
    data = first.read_bytes()
    source.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "out"
    config = write_config(tmp_path / "crawl.yaml", source, out)
    assert crawl(config).returncode == 1
    source.write_bytes(other.read_bytes())  # not the completed download: another file
    resumed = crawl(config)
    said = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, said
    assert f"{source.resolve().as_uri()}: is not the file its saved position was taken in" in said
    assert json.loads((out / "stats.json").read_text())["inputs_changed"] == [source.resolve().as_uri()]
    kept = ids(out)
    assert set(other_ids) <= set(kept)  # from its first record, not from the old position


def test_a_finished_file_replaced_by_another_is_read_again(small_site, tmp_path) -> None:
    articles = demo_articles(small_site)
    source = tmp_path / "in" / "crawl.warc.gz"
    source.parent.mkdir()
    write_warc(source, articles[:20])
    out = tmp_path / "out"
    config = write_config(tmp_path / "crawl.yaml", source, out)
    assert crawl(config).returncode == 0
    before = ids(out)
    write_warc(source, articles[20:40])
    again = crawl(config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "is not the file its saved position was taken in" in again.stdout
    assert len(ids(out)) > len(before)
