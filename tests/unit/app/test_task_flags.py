"""The tasks' own flags: not given means the config decides, a mistake names the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.app.task_flags import FlagError, set_switches, user_path, whole_number, workspace


def test_a_count_flag_not_given_is_none_and_a_bad_one_is_named():
    assert whole_number("--crawl-target", None) is None
    assert whole_number("--crawl-target", " 500 ") == 500
    with pytest.raises(FlagError, match=r"^--crawl-target: expected a whole number, got 'abc'$"):
        whole_number("--crawl-target", "abc")
    with pytest.raises(FlagError, match=r"^--crawl-workers: must be at least 1, got 0$"):
        whole_number("--crawl-workers", "0")


def test_inside_the_project_a_task_works_in_the_project_folder(tmp_path: Path):
    project = tmp_path / "tandem"
    (project / "tandem" / "crawl").mkdir(parents=True)
    assert workspace(project, project / "tandem" / "crawl") == project.resolve()
    assert workspace(project, project) == project.resolve()
    assert workspace(project, tmp_path / "elsewhere") == (tmp_path / "elsewhere").resolve()


def test_a_typed_path_is_taken_from_where_it_was_typed(tmp_path: Path, monkeypatch):
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True)
    monkeypatch.chdir(project)  # the task's workspace
    assert user_path(None, project / "tandem", "configs/parallel.yaml") == "configs/parallel.yaml"
    assert user_path("../configs/mine.yaml", project / "tandem", "x") == "configs/mine.yaml"
    assert user_path("mine.yaml", tmp_path, "x") == str(tmp_path / "mine.yaml")


def test_set_goes_to_the_named_process_or_to_the_one_task():
    assert set_switches(["crawl.workers=8", "train.training.max_steps=5", "crawl.seeds=[http://a.jp/]"]) == {
        "crawl_set": ["--set", "workers=8", "--set", "seeds=[http://a.jp/]"],
        "train_set": ["--set", "training.max_steps=5"]}
    assert set_switches(["workers=8"], only="crawl") == {"crawl_set": ["--set", "workers=8"]}
    with pytest.raises(FlagError, match=r"^--set workers=8: name the process first"):
        set_switches(["workers=8"])
    with pytest.raises(FlagError, match=r"^--set crawl.workers: expected KEY=VALUE"):
        set_switches(["crawl.workers"])
