from __future__ import annotations

from datetime import datetime

from tandem.fileio.folders import move_aside, tree_size


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
