"""scripts/config_reference.py: writes docs/configuration.md, and --check fails in one line when stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.paths import REPO

from tandem.app.configref import render_reference

SCRIPT = REPO / "scripts" / "config_reference.py"


def test_script_writes_then_check_passes_and_a_stale_file_fails_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "configuration.md"
    run = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == render_reference()
    check = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    out.write_text(out.read_text(encoding="utf-8").replace("| `restart.max_restarts` | `int` | `3`", "| x |"))
    stale = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(out)], capture_output=True, text=True)
    assert stale.returncode == 1
    assert stale.stderr.strip().count("\n") == 0
    assert "stale" in stale.stderr and "make config-reference" in stale.stderr
