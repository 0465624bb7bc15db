"""The boundaries the house lives by (docs/architecture.md), as import-linter contracts in
pyproject.toml: a change that crosses one fails here, not in review."""

from __future__ import annotations

import ast

import grimp
import pytest
from importlinter.cli import lint_imports
from support.paths import REPO


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def test_no_two_modules_share_a_name() -> None:
    """A name says what a module holds: two `process.py` (or `record.py`, `runner.py`) in different
    packages make a reader, a traceback and a search guess which one is meant."""
    seen: dict[str, list[str]] = {}
    for path in sorted((REPO / "tandem").rglob("*.py")):
        if path.name not in ("__init__.py", "__main__.py"):
            seen.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_the_exit_status_of_a_signal_is_written_once() -> None:
    """130, 143 and 129 live in contracts/exit_codes.py; a module that writes them as numbers
    keeps a table of its own, which drifts (four such tables and two `return 130` once existed)."""
    found = []
    for path in sorted((REPO / "tandem").rglob("*.py")):
        if path == REPO / "tandem" / "contracts" / "exit_codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value in (129, 130, 143):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []


def test_no_two_modules_import_each_other() -> None:
    """An import circle (manager ↔ dependencies once, hidden behind TYPE_CHECKING) makes two
    modules one: neither can be read, tested or moved alone. A package and its own submodules
    aside, no module reaches back to one that imports it."""
    graph = grimp.build_graph("tandem", cache_dir=None)
    circles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(module + ".") or module.startswith(imported + "."):
                continue
            if graph.find_shortest_chain(importer=imported, imported=module):
                circles.add(tuple(sorted((module, imported))))
    assert sorted(circles) == []
