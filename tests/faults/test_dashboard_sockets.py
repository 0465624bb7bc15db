"""The dashboard process against hostile local clients, over real sockets: a page that rebinds
its own name to 127.0.0.1 (a foreign `Host`), and clients that send half a request and wait."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tandem.dashboard.discovery import read_dashboard_info

# Far above the dashboard's own timeouts (10 s for a request's head, 30 s for a whole request),
# far below what the old server held a half-open request (an hour).
CUT_OFF_WITHIN_S = 90


@pytest.fixture
def dashboard(tmp_path) -> Iterator[tuple[int, str]]:
    """A dashboard process on a free loopback port: (port, token)."""
    (tmp_path / "logs").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "tandem.dashboard", "--logs-dir", str(tmp_path / "logs"),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, f"no link in {line!r} ({proc.stderr.read() if proc.poll() is not None else ''})"
        info = read_dashboard_info(tmp_path / "logs")
        assert info is not None
        yield int(found.group(1)), info.token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ask(port: int, head: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head.encode("latin-1"))
        answer = b""
        while b"\r\n" not in answer:
            data = conn.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


@pytest.mark.parametrize("host", ["evil.example:{port}", "attacker.test", "127.0.0.1:1",
                                  "localhost.evil.example:{port}"])
def test_a_foreign_host_header_is_refused(dashboard, host):
    port, token = dashboard
    for path, extra in (("/", ""), ("/api/state", f"Authorization: Bearer {token}\r\n")):
        head = f"GET {path} HTTP/1.1\r\nHost: {host.format(port=port)}\r\n{extra}Connection: close\r\n\r\n"
        status = _ask(port, head)
        assert status.startswith("HTTP/1.1 421"), (path, status)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_its_own_loopback_names_are_served(dashboard, host):
    port, token = dashboard
    status = _ask(port, f"GET /api/state HTTP/1.1\r\nHost: {host.format(port=port)}\r\n"
                        f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n")
    assert status.startswith("HTTP/1.1 200"), status


def _held_for(port: int, sent: bytes) -> float:
    """Send `sent`, then nothing; seconds until the server closes the connection (fails the
    test when it is still open after CUT_OFF_WITHIN_S)."""
    with socket.create_connection(("127.0.0.1", port), timeout=CUT_OFF_WITHIN_S) as conn:
        started = time.monotonic()
        conn.sendall(sent)
        try:
            while conn.recv(4096):
                pass
        except TimeoutError:
            pytest.fail(f"the dashboard still holds the connection after {CUT_OFF_WITHIN_S}s")
        except ConnectionResetError:
            pass
        return time.monotonic() - started


def test_half_a_request_head_is_cut_off(dashboard):
    port, _token = dashboard
    _held_for(port, f"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode())


def test_a_connection_that_sends_nothing_is_cut_off(dashboard):
    port, _token = dashboard
    _held_for(port, b"")


def test_a_body_that_never_comes_is_cut_off(dashboard):
    port, token = dashboard
    _held_for(port, (f"POST /api/control HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"action\": ").encode())
