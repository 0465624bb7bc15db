"""`logs/dashboard.json`: where the dashboard of a logs folder listens and its token, readable by
the owner only (0600). It is how `invoke dashboard` and `--detach` print the link to the page
without the token ever passing through a log or a URL that a server logs."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from tandem.common.kit_command import kit_command
from tandem.contracts.run_record import find_process
from tandem.fileio.atomic_files import read_json

DASHBOARD_FILE = "dashboard.json"


@dataclass(frozen=True)
class DashboardInfo:
    url: str  # http://HOST:PORT/
    token: str
    pid: int
    create_time: float
    run_id: str | None  # the run it was started with; None: it follows the latest run

    def browser_url(self) -> str:
        """The link to open: the token rides in the fragment, which a browser never sends."""
        return f"{self.url}#token={self.token}"

    def link_for(self, stream: TextIO) -> str:
        """The link with its token for a person's terminal; where the output goes to a file (a
        detached run's console, a redirect), the token stays in the owner-only dashboard.json."""
        if getattr(stream, "isatty", lambda: False)():
            return self.browser_url()
        return f"{self.url} (the link with its token: {kit_command()} dashboard, in a terminal)"


def write_dashboard_info(logs_dir: Path, info: DashboardInfo) -> Path:
    path = Path(logs_dir) / DASHBOARD_FILE
    tmp = path.with_name(f".{DASHBOARD_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(info), handle)
    if sys.platform != "win32":
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def read_dashboard_info(logs_dir: Path) -> DashboardInfo | None:
    """The dashboard serving this logs folder now; None when there is none (or it is gone)."""
    data = read_json(Path(logs_dir) / DASHBOARD_FILE)
    if not isinstance(data, dict):
        return None
    try:
        info = DashboardInfo(str(data["url"]), str(data["token"]), int(data["pid"]), float(data["create_time"]),
                             data.get("run_id") if isinstance(data.get("run_id"), str) else None)
    except (KeyError, TypeError, ValueError):
        return None
    return info if find_process(info.pid, info.create_time) is not None else None


def remove_dashboard_info(logs_dir: Path, pid: int) -> None:
    """Remove the file if it is still this dashboard's (a newer one may have replaced it)."""
    path = Path(logs_dir) / DASHBOARD_FILE
    data = read_json(path)
    if isinstance(data, dict) and data.get("pid") == pid:
        try:
            path.unlink()
        except OSError:
            pass
