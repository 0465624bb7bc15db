"""The installed `tandem` command: the same tasks as tasks.py, Invoke's positional `DIR` made
optional, the project folder it works in, and the project `tandem init` writes."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
from invoke import Collection
from support.paths import REPO

from tandem.app import tandem_cli
from tandem.app.invoke_program import spell_optional_positionals
from tandem.app.project_init import ProjectExists, demo_configs, template, template_files, write_project
from tandem.app.task_flags import FlagError, command_workspace, find_project


def test_the_command_and_tasks_py_share_one_namespace():
    spec = importlib.util.spec_from_file_location("checkout_tasks", REPO / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checkout = Collection.from_module(module)
    installed = tandem_cli.program().namespace
    assert installed is not None
    assert sorted(installed.task_names) == sorted(checkout.task_names)
    assert all(installed[name].body is checkout[name].body for name in checkout.task_names)
    assert {"init", "demo", "parallel", "status"} <= set(installed.task_names)


def test_a_positional_with_a_default_may_be_left_out():
    namespace = tandem_cli.program().namespace
    assert namespace is not None
    contexts = copy.deepcopy(namespace).to_contexts()  # building contexts consumes the help texts
    assert spell_optional_positionals(["init"], contexts) == ["init"]
    assert spell_optional_positionals(["init", "mine"], contexts) == ["init", "--folder", "mine"]
    assert spell_optional_positionals(["init", "--force", "mine"], contexts) == ["init", "--force", "--folder", "mine"]
    # A word that names a task is that task, and a flag's value is the flag's.
    assert spell_optional_positionals(["init", "status"], contexts) == ["init", "status"]
    assert spell_optional_positionals(["status", "--run", "x", "init", "y"], contexts) == [
        "status", "--run", "x", "init", "--folder", "y"]
    assert spell_optional_positionals(["parallel", "--crawl-target"], contexts) == ["parallel", "--crawl-target"]


def test_the_project_is_the_nearest_folder_with_configs_or_the_one_named(tmp_path: Path):
    project = tmp_path / "project"
    deep = project / "notes" / "today"
    (project / "configs").mkdir(parents=True)
    deep.mkdir(parents=True)
    assert find_project(deep) == find_project(project) == project.resolve()
    assert find_project(tmp_path) is None
    assert command_workspace(None, deep) == project.resolve()
    assert command_workspace(None, tmp_path) == tmp_path.resolve()  # no project: where it was typed
    assert command_workspace("../..", deep) == project.resolve()  # --project, from where it was typed
    with pytest.raises(FlagError, match=r"^--project nope: no such folder$"):
        command_workspace("nope", tmp_path)


def test_the_package_ships_the_repository_configs_themselves():
    """One set of configs: the package data is the repository's configs/, not a copy that drifts."""
    shipped = {path for path in template_files() if path.parts[0] == "configs"}
    in_repo = {path.relative_to(REPO) for path in (REPO / "configs").rglob("*.yaml")}
    assert shipped == in_repo and Path("configs/demo/parallel.yaml") in shipped
    assert all((template() / path).read_bytes() == (REPO / path).read_bytes() for path in shipped)


def test_init_writes_the_project_folder(tmp_path: Path):
    written, set_aside = write_project(tmp_path / "mine")
    assert set_aside == []
    assert {path.relative_to(tmp_path / "mine") for path in written} == set(template_files())
    assert (tmp_path / "mine/configs/parallel.yaml").read_text().startswith("# Which processes")
    assert "tandem demo" in (tmp_path / "mine/README.md").read_text()
    assert all((tmp_path / "mine" / name).is_dir() for name in ("logs", "data", "outputs", "_docs"))


def test_init_refuses_to_overwrite_naming_the_files_unless_forced(tmp_path: Path):
    write_project(tmp_path)
    assert write_project(tmp_path)[1] == []  # the shipped files, already there: nothing to overwrite
    mine = tmp_path / "configs" / "crawl_config.yaml"
    mine.write_text("target: 5\n")
    with pytest.raises(ProjectExists, match=r"^\S*configs/crawl_config.yaml: already there; tandem init --force"):
        write_project(tmp_path)
    assert mine.read_text() == "target: 5\n"

    _, set_aside = write_project(tmp_path, force=True)
    assert [path.read_text() for path in set_aside] == ["target: 5\n"]  # moved aside, never deleted
    assert mine.read_bytes() == (REPO / "configs/crawl_config.yaml").read_bytes()


def test_the_demo_runs_the_projects_demo_configs_else_the_shipped_ones(tmp_path: Path):
    assert Path(demo_configs(tmp_path)) == template() / "configs" / "demo"
    assert (Path(demo_configs(tmp_path)) / "parallel.yaml").is_file()
    write_project(tmp_path)
    assert demo_configs(tmp_path) == "configs/demo"
