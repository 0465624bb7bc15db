"""The boundaries the house lives by (docs/architecture.md), as import-linter contracts in
pyproject.toml: a change that crosses one fails here, not in review."""

from __future__ import annotations

import pytest
from importlinter.cli import lint_imports
from support.paths import REPO


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out
