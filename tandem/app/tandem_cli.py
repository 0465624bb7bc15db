"""`tandem`: the installed command. The tasks of `tasks.py`, with the same namespace and code
(tandem/app/tasks.py), run by Invoke's `Program` with that namespace bundled — how Invoke
documents shipping a package's tasks as its own command. `tandem --list`, `tandem --help TASK`,
`tandem init`, `tandem demo`, `tandem parallel`; `python -m tandem` is the same command."""

from __future__ import annotations

from invoke import Collection

from tandem import __version__
from tandem.app import tasks
from tandem.app.invoke_program import TandemProgram


def program() -> TandemProgram:
    return TandemProgram(namespace=Collection.from_module(tasks), version=__version__, name="tandem",
                         binary="tandem", binary_names=["tandem"])


def run() -> None:
    """The console entry point `tandem`."""
    program().run()
