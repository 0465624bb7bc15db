"""Fake helper programs on PATH (players, notifiers) and a loopback webhook server."""

from __future__ import annotations

import json
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class FakeBin:
    """A folder that is the whole PATH; each fake program appends its argv to `<name>.calls`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()

    def add(self, name: str, exit_code: int = 0, hang_s: float = 0, stderr: str = "") -> Path:
        script = self.folder / name
        body = [
            "#!/bin/sh",
            f'printf "%s\\n" "$*" >> "{self.folder}/{name}.calls"',
            f'echo $$ >> "{self.folder}/{name}.pids"',
        ]
        if hang_s:  # a grandchild too: a timeout must kill the whole group
            body += [f"/bin/sleep {hang_s} &", f'echo $! >> "{self.folder}/{name}.pids"', "wait"]
        if stderr:
            body.append(f'echo "{stderr}" >&2')
        body.append(f"exit {exit_code}")
        script.write_text("\n".join(body) + "\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return script

    def calls(self, name: str) -> list[str]:
        path = self.folder / f"{name}.calls"
        return path.read_text().splitlines() if path.exists() else []

    def pids(self, name: str) -> list[int]:
        path = self.folder / f"{name}.pids"
        return [int(p) for p in path.read_text().split()] if path.exists() else []


class Webhook:
    """A loopback HTTP server that records JSON POSTs and answers as told."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.hang_s = 0.0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                hook.received.append({"path": self.path, "headers": dict(self.headers),
                                      "json": json.loads(self.rfile.read(length))})
                if hook.hang_s:
                    time.sleep(hook.hang_s)
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/SECRET-TOKEN"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
