"""Fixtures for the crawl's real-process tests: a generated Japanese site on 127.0.0.1 with
traps (404, 500, redirect loop, slow, huge, binary, 429) linked from its home page, a config
writer, and helpers to run `scripts/crawl.py` and read its shards back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.config_files import merged
from support.paths import REPO

from tandem.demosite.manifest import SiteManifest
from tandem.demosite.site import generate_site
from tandem.demosite.site_server import SiteServer

CRAWL = REPO / "scripts" / "crawl.py"
TRAPS = ["/trap/404", "/trap/500", "/trap/loop-a", "/trap/slow", "/trap/huge", "/trap/binary", "/trap/429",
         "http://off-domain.example/page.html"]


@dataclass
class TrapSite:
    url: str
    manifest: SiteManifest
    requested: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SiteManifest]:
    root = tmp_path_factory.mktemp("site")
    return root, generate_site(root, pages=150, seed=3)


@pytest.fixture
def site(demo_site: tuple[Path, SiteManifest]) -> Iterator[TrapSite]:
    root, manifest = demo_site
    pages = SiteServer(root, port=0)  # used for its content() lookup only
    pages.close()
    requested: list[str] = []
    handler = type("Handler", (_TrapHandler,), {"pages": pages, "requested": requested, "hits_429": [0]})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield TrapSite(f"http://127.0.0.1:{httpd.server_address[1]}/index.html", manifest, requested)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class _TrapHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: SiteServer
    requested: list[str]
    hits_429: list[int]

    def do_GET(self) -> None:
        self.requested.append(self.path)
        path = self.path
        if path == "/trap/404":
            return self._send(404, b"gone", "text/plain")
        if path == "/trap/500":
            return self._send(500, b"oops", "text/plain")
        if path in ("/trap/loop-a", "/trap/loop-b"):
            other = "/trap/loop-b" if path.endswith("a") else "/trap/loop-a"
            return self._send(302, b"", "text/plain", {"Location": other})
        if path == "/trap/slow":
            time.sleep(4)
            return self._send(200, b"<html>late</html>", "text/html")
        if path == "/trap/huge":
            return self._send(200, b"<html>" + "あ".encode() * 1_500_000 + b"</html>", "text/html; charset=utf-8")
        if path == "/trap/binary":
            return self._send(200, bytes(range(256)) * 100, "application/octet-stream")
        if path == "/trap/429":
            self.hits_429[0] += 1
            if self.hits_429[0] == 1:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return self._send(404, b"gone", "text/plain")
        found = self.pages.content(path)
        if found is None:
            return self._send(404, b"not found", "text/plain")
        body, content_type = found
        if path in ("/", "/index.html"):
            links = "".join(f'<li><a href="{t}">罠</a></li>' for t in TRAPS).encode()
            body = body.replace(b"</body>", b"<ul>" + links + b"</ul></body>")
        return self._send(200, body, content_type)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on a trap (timeout, size cap): that is the point

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """write_config(**overrides) → a crawl config for the test site (fast politeness, small shards)."""

    def write(**overrides: Any) -> Path:
        config: dict[str, Any] = {
            "allow_private_networks": True,
            "output_dir": str(tmp_path / "out"),
            "target": 30,
            "workers": 4,
            "progress_interval_s": 1,
            "fetch": {"total_timeout_s": 2, "read_timeout_s": 2, "max_bytes": 1_000_000, "max_retries": 1},
            "politeness": {"per_host_concurrency": 4, "min_delay_s": 0.0, "retry_after_cap_s": 2},
            "output": {"shard_size": 4, "flush_interval_s": 1},
        }
        config = merged(config, overrides)
        path = tmp_path / f"crawl-{len(list(tmp_path.glob('crawl-*.yaml')))}.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        return path

    return write


def crawl_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, str(CRAWL), "--config", str(config), *args]


def crawl_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(extra)
    return env


@pytest.fixture
def start_crawl() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """start_crawl(config, *args) → the crawl as a running process (stopped at teardown)."""
    started: list[subprocess.Popen[str]] = []

    def start(config: Path, *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(crawl_command(config, *args), env=crawl_env(), cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture
def run_crawl() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(config: Path, *args: str, timeout: float = 90, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(crawl_command(config, *args), capture_output=True, text=True, timeout=timeout,
                              env=crawl_env(**env), cwd=REPO)

    return run


def read_shards(output_dir: Path) -> list[dict[str, Any]]:
    """Every record of every committed shard; fails the test on an invalid line."""
    records = []
    for path in sorted((output_dir / "shards").glob("shard-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            records.append(json.loads(line))
    return records


@pytest.fixture
def shards() -> Callable[[Path], list[dict[str, Any]]]:
    return read_shards
