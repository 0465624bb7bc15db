"""Damaged files in a crawl's output folder: one clear line naming the file, never a traceback,
and a resume that goes on exactly with what is readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def text_folder(demo_site, tmp_path: Path) -> Path:
    _, manifest = demo_site
    folder = tmp_path / "texts"
    folder.mkdir()
    for page in [p for p in manifest.pages if p.kind == "article"][:40]:
        (folder / f"{Path(page.path).stem}.txt").write_text(page.main_text, encoding="utf-8")
    return folder


def _ids(records: list[dict]) -> list[str]:
    return [r["id"] for r in records]


@pytest.mark.parametrize("damage", ["truncated", "garbled", "not_utf8"])
def test_damaged_shard_line_is_named_skipped_and_repaired(text_folder, write_config, run_crawl, shards, tmp_path,
                                                          damage) -> None:
    config = write_config(target=12, sources=[str(text_folder)], workers=1)
    assert run_crawl(config, "--no-web-crawl").returncode == 0
    shard = tmp_path / "out" / "shards" / "shard-000002.jsonl"
    lines = shard.read_bytes().splitlines(keepends=True)
    assert len(lines) == 4
    if damage == "truncated":  # a copy cut short in the middle of the last line
        shard.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    elif damage == "garbled":
        shard.write_bytes(lines[0] + b'{"id": "x", "text": \x00\x00 broken\n' + b"".join(lines[2:]))
    else:
        shard.write_bytes(b"".join(lines[:2]) + b"\xff\xfe" + lines[2] + lines[3])
    bad_line = {"truncated": 4, "garbled": 2, "not_utf8": 3}[damage]

    resumed = run_crawl(config, "--no-web-crawl", "--target", "20")
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr + resumed.stdout
    assert f"{shard} line {bad_line}:" in resumed.stdout
    (aside,) = shard.parent.glob("shard-000002.jsonl.damaged-*")
    assert aside.read_bytes() != shard.read_bytes()
    records = shards(tmp_path / "out")  # every line of every shard parses again
    assert len(records) == len(set(_ids(records))) == 20


def test_damaged_frontier_is_one_line_then_a_resume_from_the_shards(text_folder, write_config, run_crawl, shards,
                                                                    tmp_path) -> None:
    config = write_config(target=10, sources=[str(text_folder)], workers=1)
    assert run_crawl(config, "--no-web-crawl").returncode == 0
    first = _ids(shards(tmp_path / "out"))
    frontier = tmp_path / "out" / "frontier.sqlite"
    frontier.write_bytes(b"this is no database " * 400)

    refused = run_crawl(config, "--no-web-crawl", "--target", "16")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert str(frontier) in refused.stderr and "--no-auto-resume" in refused.stderr

    frontier.rename(frontier.with_name("frontier.damaged"))  # what the line says to do
    for leftover in frontier.parent.glob("frontier.sqlite-*"):
        leftover.unlink()
    resumed = run_crawl(config, "--no-web-crawl", "--target", "16")
    assert resumed.returncode == 0, resumed.stderr
    records = shards(tmp_path / "out")
    assert len(records) == len(set(_ids(records))) == 16
    assert _ids(records)[:10] == first
    assert json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))["kept"] == 16


def test_truncated_frontier_is_one_line(text_folder, write_config, run_crawl, tmp_path) -> None:
    config = write_config(target=30, sources=[str(text_folder)], workers=1)
    assert run_crawl(config, "--no-web-crawl").returncode == 0
    frontier = tmp_path / "out" / "frontier.sqlite"
    data = frontier.read_bytes()
    frontier.write_bytes(data[:4096] + b"\x00" * 64 + data[4096 + 64 : len(data) // 2])
    refused = run_crawl(config, "--no-web-crawl", "--target", "35")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and str(frontier) in refused.stderr
