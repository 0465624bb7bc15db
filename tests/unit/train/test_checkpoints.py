from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

from tandem.train.checkpoints import (
    MARKER,
    STAGING,
    is_complete,
    newest_complete,
    publish,
    publish_folder,
    read_data_state,
    remove_incomplete,
    rotate,
)


def staged_checkpoint(root: Path, step: int) -> Path:
    """What Trainer writes for a checkpoint, in the staging area."""
    folder = root / STAGING / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    save_file({"w": torch.ones(4)}, str(folder / "model.safetensors"))
    torch.save({"state": {}}, folder / "optimizer.pt")
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return folder


def complete_checkpoint(root: Path, step: int) -> Path:
    target = root / f"checkpoint-{step}"
    publish(staged_checkpoint(root, step), target, {"step": step, "position": {"line": step}})
    return target


def test_a_published_checkpoint_is_complete_and_carries_the_data_position(tmp_path):
    target = complete_checkpoint(tmp_path, 20)
    assert is_complete(target)
    assert read_data_state(target) == {"step": 20, "position": {"line": 20}}
    marker = json.loads((target / MARKER).read_text())
    assert marker["step"] == 20 and "model.safetensors" in marker["files"]
    assert not (tmp_path / STAGING / "checkpoint-20").exists()


def test_what_trainer_alone_writes_is_not_complete(tmp_path):
    folder = staged_checkpoint(tmp_path, 10)
    assert not is_complete(folder)


def test_a_damaged_file_makes_a_checkpoint_incomplete(tmp_path):
    truncated = complete_checkpoint(tmp_path, 10)
    with open(truncated / "optimizer.pt", "ab") as handle:
        handle.write(b"x")
    assert not is_complete(truncated)
    broken_header = complete_checkpoint(tmp_path, 20)
    size = (broken_header / "model.safetensors").stat().st_size
    (broken_header / "model.safetensors").write_bytes(b"\xff" * size)
    assert not is_complete(broken_header)
    no_state = complete_checkpoint(tmp_path, 30)
    (no_state / "trainer_state.json").unlink()
    assert not is_complete(no_state)


def test_newest_complete_skips_higher_incomplete_ones_which_are_removed(tmp_path):
    complete_checkpoint(tmp_path, 10)
    complete_checkpoint(tmp_path, 20)
    half = tmp_path / "checkpoint-30"
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"partial")
    staged_checkpoint(tmp_path, 40)
    assert newest_complete(tmp_path) == tmp_path / "checkpoint-20"
    removed = remove_incomplete(tmp_path)
    assert set(removed) == {half, tmp_path / STAGING}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-10", "checkpoint-20"]
    assert newest_complete(tmp_path / "missing") is None


def test_numbers_sort_as_numbers(tmp_path):
    complete_checkpoint(tmp_path, 9)
    complete_checkpoint(tmp_path, 100)
    assert newest_complete(tmp_path) == tmp_path / "checkpoint-100"


def test_rotation_keeps_the_newest_complete_checkpoints(tmp_path):
    for step in (10, 20, 30):
        complete_checkpoint(tmp_path, step)
    assert rotate(tmp_path, None) == []
    assert [p.name for p in rotate(tmp_path, 2)] == ["checkpoint-10"]
    assert sorted(p.name for p in tmp_path.glob("checkpoint-*")) == ["checkpoint-20", "checkpoint-30"]


def test_publishing_over_a_stale_checkpoint_of_the_same_step_replaces_it(tmp_path):
    stale = tmp_path / "checkpoint-10"
    stale.mkdir()
    (stale / "leftover").write_text("old run")
    target = complete_checkpoint(tmp_path, 10)
    assert is_complete(target) and not (target / "leftover").exists()


def test_publish_folder_swaps_in_the_new_final(tmp_path):
    old = tmp_path / "final"
    old.mkdir()
    (old / "a").write_text("old")
    staged = tmp_path / STAGING / "final"
    staged.mkdir(parents=True)
    (staged / "a").write_text("new")
    publish_folder(staged, old)
    assert (old / "a").read_text() == "new"
    assert not staged.exists() and not (tmp_path / ".final.old").exists()
