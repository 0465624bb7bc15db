from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import torch
from safetensors.torch import save_file

from tandem.train.checkpoint_check import MARKER, checkpoint_problem
from tandem.train.checkpoints import (
    STAGING,
    can_resume_from,
    newest_complete,
    publish,
    publish_folder,
    read_data_state,
    rotate,
    set_aside_incomplete,
)

NOW = datetime(2026, 1, 2, 3, 4, 5)


def trainer_files(folder: Path, step: int) -> Path:
    """What a stock Hugging Face Trainer writes for a checkpoint."""
    folder.mkdir(parents=True)
    save_file({"w": torch.ones(4)}, str(folder / "model.safetensors"))
    torch.save({"state": {i: torch.zeros(64) for i in range(4)}}, folder / "optimizer.pt")
    torch.save({"last_epoch": step}, folder / "scheduler.pt")
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return folder


def staged_checkpoint(root: Path, step: int) -> Path:
    """What Trainer writes for a checkpoint, in the staging area."""
    return trainer_files(root / STAGING / f"checkpoint-{step}", step)


def cut_short(path: Path, by: int = 100) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-by])


def complete_checkpoint(root: Path, step: int) -> Path:
    target = root / f"checkpoint-{step}"
    publish(staged_checkpoint(root, step), target, {"step": step, "position": {"line": step}})
    return target


def test_a_published_checkpoint_is_complete_and_carries_the_data_position(tmp_path):
    target = complete_checkpoint(tmp_path, 20)
    assert can_resume_from(target)
    assert read_data_state(target) == {"step": 20, "position": {"line": 20}}
    marker = json.loads((target / MARKER).read_text())
    assert marker["step"] == 20 and "model.safetensors" in marker["files"]
    assert not (tmp_path / STAGING / "checkpoint-20").exists()


def test_a_stock_trainer_checkpoint_is_complete_without_tandems_marker(tmp_path):
    folder = trainer_files(tmp_path / "checkpoint-10", 10)
    assert checkpoint_problem(folder) is None
    assert read_data_state(folder) is None  # resumed from the beginning of the data


def test_a_stock_checkpoint_cut_short_or_without_scheduler_is_not_complete(tmp_path):
    cut = trainer_files(tmp_path / "checkpoint-10", 10)
    cut_short(cut / "optimizer.pt")
    assert checkpoint_problem(cut) == "optimizer.pt is cut short or damaged (not a whole torch archive)"
    no_scheduler = trainer_files(tmp_path / "checkpoint-20", 20)
    (no_scheduler / "scheduler.pt").unlink()
    assert checkpoint_problem(no_scheduler) == "scheduler.pt is missing"
    damaged_state = trainer_files(tmp_path / "checkpoint-30", 30)
    (damaged_state / "trainer_state.json").write_text('{"global_st')
    assert checkpoint_problem(damaged_state) == "trainer_state.json is missing or does not parse"
    cut_weights = trainer_files(tmp_path / "checkpoint-40", 40)
    cut_short(cut_weights / "model.safetensors", by=4)
    assert checkpoint_problem(cut_weights).startswith("model.safetensors is damaged")


def test_a_really_truncated_optimizer_state_is_incomplete(tmp_path):
    """Shorter than written: only the marker's sizes can tell (tandem's checkpoints are not
    opened as archives), so this fails when the size check is broken."""
    checkpoint = complete_checkpoint(tmp_path, 10)
    written = (checkpoint / "optimizer.pt").stat().st_size
    cut_short(checkpoint / "optimizer.pt")
    assert checkpoint_problem(checkpoint) == f"optimizer.pt has {written - 100} bytes, {written} were written"
    assert newest_complete(tmp_path) is None


def test_a_damaged_file_makes_a_checkpoint_incomplete(tmp_path):
    truncated = complete_checkpoint(tmp_path, 10)
    with open(truncated / "optimizer.pt", "ab") as handle:
        handle.write(b"x")
    assert not can_resume_from(truncated)
    broken_header = complete_checkpoint(tmp_path, 20)
    size = (broken_header / "model.safetensors").stat().st_size
    (broken_header / "model.safetensors").write_bytes(b"\xff" * size)
    assert not can_resume_from(broken_header)
    no_state = complete_checkpoint(tmp_path, 30)
    (no_state / "trainer_state.json").unlink()
    assert not can_resume_from(no_state)


def test_newest_complete_skips_higher_incomplete_ones_which_are_set_aside_not_deleted(tmp_path):
    complete_checkpoint(tmp_path, 10)
    complete_checkpoint(tmp_path, 20)
    half = tmp_path / "checkpoint-30"
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"partial")
    damaged = complete_checkpoint(tmp_path, 35)
    (damaged / "trainer_state.json").write_text("{not json")
    staged_checkpoint(tmp_path, 40)
    assert newest_complete(tmp_path) == tmp_path / "checkpoint-20"
    moved = set_aside_incomplete(tmp_path, now=NOW)
    assert {(m.found.name, m.moved_to.name) for m in moved} == {
        ("checkpoint-30", "checkpoint-30.incomplete-20260102_030405"),
        ("checkpoint-35", "checkpoint-35.incomplete-20260102_030405"),
        ("checkpoint-40", "checkpoint-40.incomplete-20260102_030405")}
    reasons = {m.found.name: m.reason for m in moved}
    assert reasons["checkpoint-35"].startswith("trainer_state.json has 9 bytes")
    assert reasons["checkpoint-40"] == "a save that never finished"
    assert (tmp_path / "checkpoint-30.incomplete-20260102_030405" / "model.safetensors").read_bytes() == b"partial"
    assert (tmp_path / "checkpoint-35.incomplete-20260102_030405" / "optimizer.pt").is_file()
    assert not (tmp_path / STAGING).exists()
    assert newest_complete(tmp_path) == tmp_path / "checkpoint-20"
    assert set_aside_incomplete(tmp_path, now=NOW) == []
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


def test_publishing_over_a_stale_checkpoint_of_the_same_step_sets_the_old_one_aside(tmp_path):
    stale = tmp_path / "checkpoint-10"
    stale.mkdir()
    (stale / "leftover").write_text("old run")
    target = complete_checkpoint(tmp_path, 10)
    assert can_resume_from(target) and not (target / "leftover").exists()
    [replaced] = tmp_path.glob("checkpoint-10.replaced-*")
    assert (replaced / "leftover").read_text() == "old run"


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
