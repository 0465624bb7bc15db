"""`tandem init`: a project folder to run the kit in, from the package's own files, and the
demo's configs for a folder that has none.

The shipped configs are package data (`tandem/project_template/configs`, which in a checkout is
a link to the repository's `configs/`: one set of files, read by `invoke` in a clone and copied
by `tandem init` from a wheel). What is already there is never overwritten unless asked, and
even then moved aside, not deleted.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from tandem.contracts.exit_codes import EXIT_USAGE
from tandem.fileio.folders import move_aside

EMPTY_FOLDERS = ("logs", "data", "outputs", "_docs")
SET_ASIDE_LABEL = "before-init"


class ProjectExists(Exception):
    """`str()` is the one line for the user: the files that are already there."""

    code = EXIT_USAGE


def template() -> Path:
    """The package's project template (a folder on disk: wheels install unzipped)."""
    return Path(str(files("tandem") / "project_template")).resolve()


def template_files() -> list[Path]:
    """The template's files, relative to it: README.md and every config."""
    configs = (template() / "configs").resolve()  # in a checkout, through the link to configs/
    return [Path("README.md"), *sorted(Path("configs") / path.relative_to(configs) for path in configs.rglob("*.yaml"))]


def write_project(folder: Path, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write the template into `folder`: (the files written, the old files moved aside). Without
    `force`, refuses (ProjectExists) when any of its files is already there with other contents,
    before writing any; a file that is already the shipped one is left as it is."""
    wanted = template_files()
    existing = [path for path in wanted if (folder / path).exists() and not _same(folder / path, template() / path)]
    if existing and not force:
        names = ", ".join(str(folder / path) for path in existing)
        raise ProjectExists(f"{names}: already there; tandem init --force moves them aside and writes "
                            "the shipped ones")
    set_aside = [move_aside(folder / path, SET_ASIDE_LABEL) for path in existing]
    for path in wanted:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template() / path, folder / path)
    for name in EMPTY_FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    return [folder / path for path in wanted], set_aside


def _same(path: Path, shipped: Path) -> bool:
    return path.is_file() and path.read_bytes() == shipped.read_bytes()


def demo_configs(workspace: Path) -> str:
    """The demo's configs: the workspace's `configs/demo` (a clone, a project `tandem init`
    wrote, a demo someone tuned), else the shipped ones."""
    own = workspace / "configs" / "demo"
    return "configs/demo" if (own / "parallel.yaml").is_file() else str(template() / "configs" / "demo")
