"""Servers on 127.0.0.1 that remote sources are read from in tests.

- `StallingServer`: a folder over HTTP whose answers stop a third of the way into the body and
  then send nothing more (a server that hangs mid-answer).
- `FolderServer`: a folder over HTTPS (a self-signed certificate made with openssl) or plain
  HTTP, with byte ranges (as S3, CDNs and Common Crawl's servers answer) or without them.
- `FakeHub`: the few endpoints of the Hugging Face Hub's API that `huggingface_hub`'s fsspec
  file system (`hf://`) uses to list and read a dataset repository, answered from a local
  folder: `/api/datasets/ID/revision/REV`, `/api/datasets/ID/tree/REV/PATH` and
  `/datasets/ID/resolve/REV/PATH`. The real Hub cannot be reached from here; this is the Hub
  client's own code path pointed at a folder.

Every request is recorded, so a test can check that a file was read in ranges, not whole.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A reader that has what it needs closes its connection mid-answer: expected."""


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler], tls_dir: Path | None = None) -> None:
        self.httpd = _QuietHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls_dir is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*_self_signed(tls_dir))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


def _self_signed(folder: Path) -> tuple[str, str]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
    return str(cert), str(key)


class _FileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path
    ranges: bool
    requests: list[tuple[str, str, str | None]]  # (method, path, Range header)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        self.requests.append((self.command, self.path, self.headers.get("Range")))
        found = self._file(urlsplit(self.path).path)
        if found is None:
            return self._send(404, b"not found", {})
        path, extra = found
        self._send_file(path, head, extra)

    def _file(self, path: str) -> tuple[Path, dict[str, str]] | None:
        target = (self.root / unquote(path).lstrip("/")).resolve()
        return (target, {}) if target.is_file() and self.root in target.parents else None

    def _send_file(self, path: Path, head: bool, extra: dict[str, str]) -> None:
        data = path.read_bytes()
        headers = {"Content-Type": "application/octet-stream", **extra}
        match = _RANGE.fullmatch(self.headers.get("Range") or "")
        if self.ranges:
            headers["Accept-Ranges"] = "bytes"
        if match and self.ranges:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return self._send(206, data[start : end + 1], headers, head)
        return self._send(200, data, headers, head)

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool = False) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class FolderServer(_Server):
    def __init__(self, root: Path, *, tls_dir: Path | None = None, ranges: bool = True) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        handler = type("Handler", (_FileHandler,), {"root": root.resolve(), "ranges": ranges,
                                                    "requests": self.requests})
        super().__init__(handler, tls_dir)


class _StallingHandler(_FileHandler):
    """Honours ranges, sends the headers and the start of each answer's body, then nothing more
    (the connection stays open) until the server is closed."""

    stalled: threading.Event
    release: threading.Event
    first_bytes: int | None  # how much of each body is sent; None: a third

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool = False) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if head:
                return
            self.wfile.write(body[: self.first_bytes or max(1, len(body) // 3)])
            self.wfile.flush()
            self.stalled.set()
            self.release.wait()
        except (BrokenPipeError, ConnectionResetError):
            pass


class StallingServer(_Server):
    """A folder over HTTP whose answers stop mid-body (after `first_bytes`, or a third of the
    body): `stalled` is set once one has."""

    def __init__(self, root: Path, first_bytes: int | None = None) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.stalled = threading.Event()
        self._release = threading.Event()
        handler = type("Handler", (_StallingHandler,), {"root": root.resolve(), "ranges": True,
                                                        "requests": self.requests, "stalled": self.stalled,
                                                        "release": self._release, "first_bytes": first_bytes})
        super().__init__(handler)

    def close(self) -> None:
        self._release.set()
        super().close()


class _HubHandler(_FileHandler):
    """`root/<owner>/<name>/<revision>/...` holds the files of each revision of a dataset repo."""

    def _serve(self, head: bool) -> None:
        self.requests.append((self.command, self.path, self.headers.get("Range")))
        path = urlsplit(self.path).path
        if match := re.fullmatch(r"/api/datasets/([^/]+/[^/]+)/revision/(.+)", path):
            return self._repo_info(match.group(1), unquote(match.group(2)))
        if match := re.fullmatch(r"/api/datasets/([^/]+/[^/]+)/tree/([^/]+)(/.*)?", path):
            return self._tree(match.group(1), unquote(match.group(2)), unquote(match.group(3) or "/"))
        if match := re.fullmatch(r"/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            file = self._repo_dir(match.group(1), unquote(match.group(2))) / unquote(match.group(3))
            if not file.is_file():
                return self._send(404, b"{}", {"X-Error-Code": "EntryNotFound"}, head)
            etag = hashlib.sha1(file.read_bytes()).hexdigest()
            return self._send_file(file, head, {"ETag": f'"{etag}"', "X-Repo-Commit": "0" * 40})
        return self._send(404, b"{}", {"X-Error-Code": "RepoNotFound"}, head)

    def _repo_dir(self, repo: str, revision: str) -> Path:
        return self.root / repo / revision

    def _repo_info(self, repo: str, revision: str) -> None:
        folder = self._repo_dir(repo, revision)
        if not folder.is_dir():
            code = "RevisionNotFound" if (self.root / repo).is_dir() else "RepoNotFound"
            return self._send(404, b"{}", {"X-Error-Code": code})
        siblings = [{"rfilename": str(p.relative_to(folder))} for p in sorted(folder.rglob("*")) if p.is_file()]
        self._json({"id": repo, "sha": "0" * 40, "private": False, "siblings": siblings})

    def _tree(self, repo: str, revision: str, path: str) -> None:
        folder = self._repo_dir(repo, revision) / path.lstrip("/")
        if not folder.is_dir():
            return self._send(404, b"{}", {"X-Error-Code": "EntryNotFound"})
        base = self._repo_dir(repo, revision)
        entries: list[dict[str, Any]] = []
        for child in sorted(folder.iterdir()):
            relative = str(child.relative_to(base))
            if child.is_dir():
                entries.append({"type": "directory", "path": relative, "oid": "0" * 40})
            else:
                entries.append({"type": "file", "path": relative, "size": child.stat().st_size,
                                "oid": hashlib.sha1(child.read_bytes()).hexdigest()})
        self._json(entries)

    def _json(self, value: Any) -> None:
        self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"})


class FakeHub(_Server):
    def __init__(self, root: Path) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        handler = type("Handler", (_HubHandler,), {"root": root.resolve(), "ranges": True,
                                                   "requests": self.requests})
        super().__init__(handler)
