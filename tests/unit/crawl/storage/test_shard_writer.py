import json
from pathlib import Path

from tandem.contracts.shards import (
    clear_complete_marker,
    committed_shards,
    parse_record,
    read_records,
    write_complete_marker,
)
from tandem.crawl.storage.shard_writer import ShardWriter, remove_partial_shards


def test_shards_are_numbered_complete_and_read_back(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, shard_size=2)
    writer.add({"id": "a", "text": "あ"}, 1)
    assert not writer.full
    writer.add({"id": "b", "text": "い"}, 2)
    assert writer.full
    number, records = writer.commit() or (0, [])
    assert number == 1 and [r.url_id for r in records] == [1, 2]
    assert writer.commit() is None
    writer.add({"id": "c", "text": "う"}, None)
    writer.commit()
    assert [p.name for _, p in committed_shards(tmp_path)] == ["shard-000001.jsonl", "shard-000002.jsonl"]
    assert [(n, r["id"]) for n, r in read_records(tmp_path)] == [(1, "a"), (1, "b"), (2, "c")]
    lines = (tmp_path / "shard-000001.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["text"] == "あ"  # UTF-8, not \\u escapes
    assert "あ" in lines[0]
    assert ShardWriter(tmp_path, shard_size=2).next_number == 3


def test_temp_files_are_invisible_and_removed(tmp_path: Path) -> None:
    (tmp_path / ".shard-000001.jsonl.tmp").write_text('{"id": "half', encoding="utf-8")
    assert committed_shards(tmp_path) == []
    assert remove_partial_shards(tmp_path) == 1
    assert list(tmp_path.iterdir()) == []


def test_complete_marker(tmp_path: Path) -> None:
    write_complete_marker(tmp_path, "target_reached", 5, 5)
    marker = json.loads((tmp_path / "_COMPLETE").read_text(encoding="utf-8"))
    assert marker["finish_reason"] == "target_reached" and marker["kept"] == 5 and marker["target"] == 5
    clear_complete_marker(tmp_path)
    assert not (tmp_path / "_COMPLETE").exists()


def test_a_shard_line_is_a_record_or_none_and_readers_skip_the_none(tmp_path):
    """The one line parser every reader uses (the trainer's shard source among them)."""
    assert parse_record(b'{"id": "a", "text": "x"}\n') == {"id": "a", "text": "x"}
    assert [parse_record(raw) for raw in (b"\n", b"{cut", b"[1, 2]", b'"text"', b"\xff\xfe")] == [None] * 5
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "shard-000001.jsonl").write_bytes(b'{"id": "a"}\n{cut\n\n{"id": "b"}\n')
    assert [(n, r["id"]) for n, r in read_records(folder)] == [(1, "a"), (1, "b")]
