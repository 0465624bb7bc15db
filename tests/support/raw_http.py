"""A web server that answers with exact bytes, so a test can make it misbehave on purpose.

`RawSite(routes)` listens on a loopback address (127.0.0.1 unless told otherwise: 127.0.0.2 is
another loopback address, handy as "a private target that is not the test's own site"), reads
each request line, records the path and writes the route's bytes as they are (a short body, a
dropped connection, garbage gzip, a redirect anywhere), then closes the connection. A route is
the reply's bytes, or a function of the socket for replies that stall or reset mid-way.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Mapping
from types import TracebackType

Reply = bytes | Callable[[socket.socket], None]


def reply(status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
          headers: Mapping[str, str] | None = None, content_length: int | None = None) -> bytes:
    """One HTTP/1.1 response, `Connection: close`; `content_length` may lie about the body."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", "Connection: close",
             f"Content-Length: {len(body) if content_length is None else content_length}"]
    lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def redirect(location: str, status: int = 302) -> bytes:
    return reply(status, b"", "text/plain", {"Location": location})


def reset_after(data: bytes) -> Callable[[socket.socket], None]:
    """Send `data`, then reset the connection (RST, not a clean close)."""

    def send(conn: socket.socket) -> None:
        conn.sendall(data)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return send


class RawSite:
    def __init__(self, routes: Mapping[str, Reply], host: str = "127.0.0.1") -> None:
        self.routes = dict(routes)
        self.requested: list[str] = []
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.2)
        self.host = host
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> RawSite:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = b""
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
                path = request.split(b" ", 2)[1].decode("latin-1")
                self.requested.append(path)
                answer = self.routes.get(path, reply(404, b"not found", "text/plain"))
                if callable(answer):
                    answer(conn)
                else:
                    conn.sendall(answer)
            except OSError:
                pass  # the client gave up (a size cap, a timeout): that is what some tests want
