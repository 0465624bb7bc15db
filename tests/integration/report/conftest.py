"""Real runs through `invoke parallel` with the monitor, the report and the notification on."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml
from support.paths import REPO
from support.paths import STUB_CHILD as STUB


class Hook:
    """A loopback webhook that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Run:
    """A working folder with a parallel.yaml whose processes are stub commands."""

    def __init__(self, root: Path, hook: Hook) -> None:
        self.root = root
        self.hook = hook
        self.bin = root / "bin"
        self.bin.mkdir()
        player = self.bin / "paplay"  # a fake player: the end-of-run sound lands in a file
        player.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{self.bin}/paplay.calls"\n')
        player.chmod(player.stat().st_mode | stat.S_IXUSR)

    def config(self, processes: dict[str, list[str]], **policy: Any) -> None:
        data: dict[str, Any] = {
            "processes": {name: {"command": argv} for name, argv in processes.items()},
            "restart": {"max_restarts": 0, "backoff_s": 0.2, "backoff_max_s": 1, "min_uptime_s": 5},
            "shutdown": {"grace_s": 5},
            "monitor": {"interval_s": 0.2, "min_free_disk_gb": 0, "min_free_memory_gb": 0},
            "notify": {"desktop": False, "webhook": self.hook.url, "webhook_timeout_s": 5},
            "report": {"plots": False},
        }
        data.update(policy)
        (self.root / "parallel.yaml").write_text(yaml.safe_dump(data))

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "invoke", "-r", str(REPO), "parallel", "--config", "parallel.yaml"]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(), cwd=self.root, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(), cwd=self.root, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)

    def record(self) -> dict[str, Any]:
        records = sorted((self.root / "logs" / "runs").glob("*.json"))
        assert records, "no run record"
        return json.loads(records[-1].read_text())

    def report(self) -> str:
        return (self.root / self.record()["report"]).read_text(encoding="utf-8")

    def played(self) -> list[str]:
        calls = self.bin / "paplay.calls"
        return calls.read_text().splitlines() if calls.exists() else []

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except (AssertionError, json.JSONDecodeError, KeyError):
                pass
            time.sleep(0.05)
        raise AssertionError("timed out waiting")


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def run(tmp_path: Path, hook: Hook) -> Iterator[Run]:
    workdir = Run(tmp_path, hook)
    yield workdir
    for proc in psutil.process_iter(["cwd"]):  # nothing a test started may outlive it
        try:
            if proc.info["cwd"] == str(tmp_path) and proc.pid != os.getpid():
                proc.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


@pytest.fixture
def stub() -> Callable[..., list[str]]:
    return lambda *args: ["{python}", str(STUB), *args]


@pytest.fixture
def tables() -> Callable[[str, str], list[dict[str, str]]]:
    """The rows (as dicts) of the report table whose first header is given, as a GFM parser reads it."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")

    def rows(text: str, first_header: str) -> list[dict[str, str]]:
        found: list[list[str]] = []
        row: list[str] | None = None
        for token in parser.parse(text):
            if token.type == "tr_open":
                row = []
            elif token.type in ("th_open", "td_open") and row is not None:
                row.append("")
            elif token.type == "inline" and row is not None:
                row[-1] = "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
            elif token.type == "tr_close" and row is not None:
                found.append(row)
                row = None
            elif token.type == "table_close":
                if found and found[0][0] == first_header:
                    return [dict(zip(found[0], r, strict=True)) for r in found[1:]]
                found = []
        raise AssertionError(f"no table headed {first_header!r}")

    return rows


@pytest.fixture
def fences() -> Callable[[str], list[str]]:
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark")
    return lambda text: [t.content for t in parser.parse(text) if t.type == "fence"]


@pytest.fixture
def sections() -> Callable[[str], list[str]]:
    """The level-2 headings as a CommonMark parser finds them (a broken fence would hide some)."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark")

    def headings(text: str) -> list[str]:
        tokens = parser.parse(text)
        return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]

    return headings
