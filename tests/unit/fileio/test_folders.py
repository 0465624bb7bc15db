from __future__ import annotations

from datetime import datetime

from tandem.fileio.folders import describe_set_aside, move_aside, move_contents_aside, tree_size


def test_move_aside_renames_with_a_timestamp_and_never_overwrites(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    for _ in range(2):
        folder = tmp_path / "checkpoint-10"
        folder.mkdir()
        (folder / "optimizer.pt").write_bytes(b"12345")
        move_aside(folder, "incomplete", now=now)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint-10.incomplete-20260102_030405", "checkpoint-10.incomplete-20260102_030405-2"]
    assert tree_size(tmp_path) == 10


def test_a_fresh_start_says_how_much_earlier_output_is_set_aside(tmp_path):
    output = tmp_path / "crawl"
    moved, lines = [], []
    for minute in range(3):
        output.mkdir(exist_ok=True)
        (output / "shard.jsonl").write_bytes(b"x" * 2_000_000)
        moved.append(move_contents_aside(output, now=datetime(2026, 1, 1, 12, minute)))
        lines.append(describe_set_aside(moved[-1]))
    assert lines[0] == str(moved[0])  # the first one: nothing else to say
    line = lines[-1]
    assert line.startswith(f"{moved[-1]} (3 earlier outputs are set aside there, 6 MB in all;")
    assert f"remove {tmp_path / 'crawl'}.prev-* when you no longer need them" in line
    assert all(path.is_dir() for path in moved)  # said, never deleted
