"""The Invoke tasks' own flags, checked before anything starts, and the folder a task works in.

Every value flag of a task defaults to None, "not given", so that the configs decide unless the
user typed a flag (a default that always won used to hide the crawl config's `target:` and
`workers:`). A mistake is one line naming the flag as the user typed it, exit 2
(`--crawl-target: must be at least 1, got -5`).

Tasks work in the project folder when run from anywhere inside it (the shipped configs name
`configs/…`, `data/…` relative to it); paths the user types are taken relative to where they
were typed. Under `invoke` the project is where `tasks.py` is, and run from outside it
(`invoke -r PATH`) a task works in the current folder, so runs can be kept apart from the
checkout. Under the installed `tandem` command it is `--project DIR`, or the current folder or
the nearest parent holding `configs/` (as `invoke` looks upwards for `tasks.py`), else the
current folder.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from pathlib import Path

from tandem.contracts.exit_codes import EXIT_USAGE


class FlagError(Exception):
    """A task flag with a value it cannot take; `str()` is the one line for the user."""

    code = EXIT_USAGE


def whole_number(flag: str, value: str | int | None, minimum: int = 1, maximum: int | None = None) -> int | None:
    """A count flag's value (None: not given)."""
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FlagError(f"{flag}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise FlagError(f"{flag}: must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise FlagError(f"{flag}: must be at most {maximum}, got {number}")
    return number


PROJECT_MARKER = "configs"  # what makes a folder a project for `tandem` (`tandem init` writes it)


def workspace(project_root: Path, cwd: Path) -> Path:
    """Where an `invoke` task works: the project folder when `cwd` is inside it, else `cwd`."""
    root, here = project_root.resolve(), cwd.resolve()
    return root if here == root or root in here.parents else here


def find_project(cwd: Path) -> Path | None:
    """The current folder or the nearest parent holding `configs/`; None when none does."""
    here = cwd.resolve()
    return next((folder for folder in (here, *here.parents) if (folder / PROJECT_MARKER).is_dir()), None)


def command_workspace(project: str | None, cwd: Path) -> Path:
    """Where a `tandem` task works: `--project DIR` (from where it was typed), else the project
    around `cwd`, else `cwd`."""
    if project is None:
        return find_project(cwd) or cwd.resolve()
    folder = (cwd / Path(project).expanduser()).resolve()
    if not folder.is_dir():
        raise FlagError(f"--project {project}: no such folder")
    return folder


def user_path(value: str | None, typed_in: Path, default: str) -> str:
    """A path flag, for a task already in its workspace: what the user typed, taken from where it
    was typed and written relative to the workspace when it lies inside (as messages then name
    it), else absolute; or the default, which is relative to the workspace."""
    if value is None:
        return default
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    absolute = Path(os.path.normpath(typed_in.absolute() / path))
    try:
        return str(absolute.relative_to(Path.cwd().absolute()))
    except ValueError:
        return str(absolute)


def enter_workspace(folder: Path) -> Path:
    """Change to the task's workspace; returns the folder the task was started in."""
    started_in = Path.cwd()
    os.chdir(folder)
    return started_in


def set_switches(sets: Iterable[str] | None, only: str | None = None) -> dict[str, list[str]]:
    """`--set` values as the argv items of the `{NAME_set}` placeholders.

    For one process (`invoke crawl`, `only="crawl"`) `KEY=VALUE` goes to it; for `parallel`
    the key starts with the process's name: `--set crawl.workers=8`."""
    switches: dict[str, list[str]] = {}
    for text in sets or ():
        key, sep, _ = text.partition("=")
        if not sep or not key.strip():
            raise FlagError(f"--set {text}: expected KEY=VALUE, e.g. --set "
                            f"{'' if only else 'crawl.'}workers=8")
        if only is not None:
            name, item = only, text
        else:
            name, dot, item = text.partition(".")
            if not dot or not item.partition("=")[0]:
                raise FlagError(f"--set {text}: name the process first, e.g. --set crawl.workers=8 "
                                "or --set train.training.max_steps=500")
        switches.setdefault(f"{name}_set", []).extend(["--set", item])
    return switches


def end_quietly_when_the_reader_leaves() -> None:
    """For a task that only prints (status, logs): end as `cat` does when the reader of its output
    closes the pipe (`invoke status | head -1`), killed by SIGPIPE, with no traceback. Only for
    these: a task that supervises children must outlive a closed console to stop them."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
