"""Usage lines name the command as the user typed it: a script by its path, a console script by
its name, a module as `python -m NAME`."""

from __future__ import annotations

import sys
import types

import pytest

from tandem.common.script_main import OneLineArgumentParser, typed_command


@pytest.fixture
def started_as(monkeypatch):
    def start(argv0: str, module: str | None = None) -> None:
        main = types.ModuleType("__main__")
        main.__spec__ = None if module is None else types.SimpleNamespace(name=module)  # type: ignore[assignment]
        monkeypatch.setitem(sys.modules, "__main__", main)
        monkeypatch.setattr(sys, "argv", [argv0, "--bogus"])
    return start


def test_a_script_by_its_path_a_console_script_by_its_name_a_module_by_python_m(started_as):
    started_as("scripts/crawl.py")
    assert typed_command() == "scripts/crawl.py"
    started_as("/home/me/.venv/bin/tandem-crawl")
    assert typed_command() == "tandem-crawl"
    started_as("/site-packages/tandem/crawl/__main__.py", module="tandem.crawl.__main__")
    assert typed_command() == "python -m tandem.crawl"
    started_as("/site-packages/tandem/app/report_cli.py", module="tandem.app.report_cli")
    assert typed_command() == "python -m tandem.app.report_cli"


def test_a_bad_flag_names_the_command(started_as, capsys):
    started_as("/home/me/.venv/bin/tandem-crawl")
    parser = OneLineArgumentParser(description="x")
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--bogus"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == "error: tandem-crawl: unrecognized arguments: --bogus (see --help)\n"
