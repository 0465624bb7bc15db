"""Where the repository's files are, for tests that run its scripts as a user would."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"
SCRIPTS = REPO / "scripts"
# A stand-in child for the supervisor's tests: it behaves as its flags tell it to.
STUB_CHILD = REPO / "tests" / "support" / "stub_child.py"


def invoke_argv(*args: str) -> list[str]:
    """`invoke -r REPO ARGS…` with this interpreter: the tasks as a user types them."""
    return [sys.executable, "-m", "invoke", "-r", str(REPO), *args]
