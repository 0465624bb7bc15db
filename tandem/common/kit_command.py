"""The kit's command as the user can type it again, for the hints it prints (`follow: invoke logs
--follow`). A hint that says `invoke` where only `.venv/bin/invoke` exists sends a user to
"command not found"; so the hint names what was typed: the bare name when that name, looked up
on PATH, is the very program that runs; else the path as typed; `python -m invoke` as such.
A detached run is told through `TANDEM_KIT_COMMAND` what its starter typed."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ENV_KIT_COMMAND = "TANDEM_KIT_COMMAND"


def kit_command(argv0: str | None = None) -> str:
    """`invoke`, `tandem`, `.venv/bin/invoke` or `python -m invoke`: how to run a task again."""
    told = os.environ.get(ENV_KIT_COMMAND, "").strip()
    if told:
        return told
    typed = sys.argv[0] if argv0 is None else argv0
    path = Path(typed)
    if path.name == "__main__.py":  # python -m invoke, python -m tandem
        return f"python -m {path.parent.name}"
    found = shutil.which(path.name)
    if found is not None and path.exists() and os.path.samefile(found, path):
        return path.name
    return _as_typed(path)


def _as_typed(path: Path) -> str:
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
