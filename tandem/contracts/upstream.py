"""The upstream notice (docs/child-protocol.md, "When a process you require fails"): how the
supervisor tells a process that one it `requires:` has failed for good.

Every child gets `TANDEM_UPSTREAM_FILE`, an absolute path that does not exist while all is
well. When a required process has failed for good (its restarts used up), the supervisor writes
there, atomically, `{"failed": {"crawl": "exit code 1; gave up after 3 restart(s)"},
"at": "…", "stop_after_s": 60}`: no more will come from it. The child should finish with what
it has, or exit with a clear message; `stop_after_s` later (null: never) it is stopped. A file is
used rather than a signal because it works the same on every platform and can be polled with
one `stat` by a child that is waiting anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.fileio.atomic_files import atomic_write_json, read_json

ENV_UPSTREAM_FILE = "TANDEM_UPSTREAM_FILE"


@dataclass(frozen=True)
class UpstreamFailure:
    failed: dict[str, str]  # process name → why it failed
    at: str
    stop_after_s: float | None

    def describe(self) -> str:
        """`crawl failed for good (exit code 1; gave up after 3 restart(s))`."""
        return "; ".join(f"{name} failed for good ({why})" for name, why in self.failed.items())

    def to_json(self) -> dict[str, Any]:
        return {"failed": self.failed, "at": self.at, "stop_after_s": self.stop_after_s}

    @classmethod
    def from_json(cls, data: Any) -> UpstreamFailure | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("failed"), Mapping):
            return None
        grace = data.get("stop_after_s")
        return cls({str(k): str(v) for k, v in data["failed"].items()}, str(data.get("at") or ""),
                   float(grace) if isinstance(grace, (int, float)) and not isinstance(grace, bool) else None)


def write_upstream_failure(path: Path, notice: UpstreamFailure) -> None:
    atomic_write_json(path, notice.to_json(), durable=False)


def read_upstream_failure(path: Path | None) -> UpstreamFailure | None:
    """The notice at `path`; None while there is none (the usual case: one cheap stat)."""
    if path is None or not path.exists():
        return None
    return UpstreamFailure.from_json(read_json(path))


def upstream_file_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    value = (os.environ if environ is None else environ).get(ENV_UPSTREAM_FILE)
    return Path(value) if value else None
