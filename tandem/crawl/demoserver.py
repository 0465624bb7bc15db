"""A small threaded HTTP/1.1 server for a generated demo site, on loopback.

It sends the Content-Type each page is meant to have: `text/html; charset=X` for the pages
whose manifest entry declares the charset in the header, plain `text/html` for the others (they
declare it in a meta tag, or not at all), `text/plain` for robots.txt. Files are read once and
kept in memory; the manifest itself (names starting with "_") is not served.
"""

from __future__ import annotations

import json
import mimetypes
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tandem.crawl.demolayout import LABELS


class SiteServer:
    """A running server: `.url` ("http://127.0.0.1:PORT/"), `.close()`; also a context manager."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        self._charsets = _header_charsets(self.root)
        self._cache: dict[str, bytes | None] = {}
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"site": self})
        self._httpd = _QuietServer((host, port), handler)
        self._httpd.daemon_threads = True
        address = self._httpd.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-site", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def content(self, url_path: str) -> tuple[bytes, str] | None:
        """(body, Content-Type) for a request path, or None for 404."""
        path = unquote(urlsplit(url_path).path)
        if path.endswith("/"):
            path += "index.html"
        name = path.rsplit("/", 1)[-1]
        if name.startswith((".", "_")):
            return None
        with self._lock:
            if path not in self._cache:
                self._cache[path] = self._read(path)
            body = self._cache[path]
        if body is None:
            return None
        if path.endswith(".html"):
            charset = self._charsets.get(path)
            return body, f"text/html; charset={LABELS[charset]}" if charset else "text/html"
        guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return body, f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed

    def _read(self, path: str) -> bytes | None:
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target.read_bytes()


def serve_site(root: Path, host: str = "127.0.0.1", port: int = 0) -> SiteServer:
    """Serve the generated site in `root` from a background thread until `.close()`."""
    return SiteServer(root, host, port)


def _header_charsets(root: Path) -> dict[str, str]:
    manifest = root / "_manifest.json"
    if not manifest.is_file():
        return {}
    pages = json.loads(manifest.read_text(encoding="utf-8"))["pages"]
    return {p["path"]: p["encoding"] for p in pages if p["declaration"].startswith("header")}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A crawler that reached its target drops its open connections: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect
    server_version = "tandem-demo/1"
    site: SiteServer

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        found = self.site.content(self.path)
        status, (body, content_type) = (HTTPStatus.OK, found) if found else (
            HTTPStatus.NOT_FOUND, (b"not found\n", "text/plain; charset=utf-8"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a crawl makes thousands of requests."""
