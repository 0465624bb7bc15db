"""A small threaded HTTP/1.1 server for a generated demo site, on loopback.

It sends the Content-Type each page is meant to have: `text/html; charset=X` for the pages
whose manifest entry declares the charset in the header, plain `text/html` for the others (they
declare it in a meta tag, or not at all), `text/plain` for robots.txt. The manifest's old
addresses are answered with `301 Moved Permanently` and a Location on the host the client asked
for. Files are read once and kept in memory; the manifest itself (names starting with "_") is
not served.
"""

from __future__ import annotations

import mimetypes
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tandem.demosite.manifest import MANIFEST_NAME, load_manifest
from tandem.demosite.page_layout import LABELS

_PLAIN_TEXT = "text/plain; charset=utf-8"


class SiteServer:
    """A running server: `.url` ("http://127.0.0.1:PORT/"), `.close()`; also a context manager."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        manifest = load_manifest(self.root) if (self.root / MANIFEST_NAME).is_file() else None
        self._charsets = manifest.header_charsets() if manifest else {}
        self._redirects = manifest.redirects if manifest else {}
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

    def redirect(self, url_path: str) -> str | None:
        """The Location path for an old address, or None."""
        return self._redirects.get(unquote(urlsplit(url_path).path))

    def _read(self, path: str) -> bytes | None:
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target.read_bytes()


def serve_site(root: Path, host: str = "127.0.0.1", port: int = 0) -> SiteServer:
    """Serve the generated site in `root` from a background thread until `.close()`."""
    return SiteServer(root, host, port)


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
        status, body, content_type, location = self._answer()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location is not None:
            self.send_header("Location", location)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _answer(self) -> tuple[HTTPStatus, bytes, str, str | None]:
        """(status, body, Content-Type, Location) for the request's path."""
        moved_to = self.site.redirect(self.path)
        if moved_to is not None:
            host = self.headers.get("Host") or f"{self.site.host}:{self.site.port}"
            return HTTPStatus.MOVED_PERMANENTLY, b"moved\n", _PLAIN_TEXT, f"http://{host}{moved_to}"
        found = self.site.content(self.path)
        if found is None:
            return HTTPStatus.NOT_FOUND, b"not found\n", _PLAIN_TEXT, None
        return HTTPStatus.OK, found[0], found[1], None

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a crawl makes thousands of requests."""
