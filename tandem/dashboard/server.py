"""The dashboard's web server (aiohttp): one page, its static files, the run's state as JSON and
the Stop/Restart actions, which go to the supervisor through the control channel.

Every `/api/` request needs the dashboard's token in an `Authorization: Bearer` header: never in
a URL, so that no access log, proxy or Referer header ever carries it. The page learns it from
the fragment of the link it was opened with (`#token=…`, which browsers do not send).

A page from another site must not reach the dashboard by pointing its own name at 127.0.0.1
(DNS rebinding): a request whose `Host` is not this machine's loopback name with the
dashboard's own port is refused with 421. A client that sends a request slowly, or half of one,
is cut off (REQUEST_READ_TIMEOUT_S for the head and for the body, REQUEST_TIMEOUT_S for the
whole), so a few idle sockets cannot hold the server.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from tandem.contracts.control_channel import ACTIONS, ControlError, send_request
from tandem.contracts.run_record import supervisor_alive
from tandem.dashboard.snapshot import RunReader

STATIC_TYPES = {".html": "text/html", ".js": "application/javascript", ".css": "text/css",
                ".LICENSE": "text/plain"}
STATE_MAX_AGE_S = 0.5  # several tabs polling share one read of the files
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# aiohttp closes a connection that has not sent a whole request head this long after it opened
# or after its last answer (its keep-alive timer, armed at the start of every connection).
REQUEST_READ_TIMEOUT_S = 10.0
# The most one request may take, its body included: a control request waits up to
# control_channel.REPLY_TIMEOUT_S for the supervisor's answer.
REQUEST_TIMEOUT_S = 30.0


def static_files() -> dict[str, tuple[bytes, str]]:
    """The page and its scripts, from the installed package (no CDN: the machine may be offline)."""
    folder = resources.files("tandem.dashboard") / "static"
    files = {}
    for item in folder.iterdir():
        suffix = next((s for s in STATIC_TYPES if item.name.endswith(s)), None)
        if suffix is not None:
            files[item.name] = (item.read_bytes(), STATIC_TYPES[suffix])
    return files


class Dashboard:
    def __init__(self, reader: RunReader, token: str, clock: Callable[[], float] = time.monotonic,
                 check_host: bool = True) -> None:
        self.reader = reader
        self.token = token
        self.check_host = check_host  # False when served to other machines (--allow-remote)
        self._clock = clock
        self._static = static_files()
        self._state: bytes = b""
        self._state_at = float("-inf")

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._host, self._deadline, self._auth],
                              client_max_size=16 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static_file)
        app.router.add_get("/api/state", self._api_state)
        app.router.add_post("/api/control", self._api_control)
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(SECURITY_HEADERS)
            raise
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @web.middleware
    async def _host(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.check_host and not is_own_host(request.headers.get("Host", ""), _local_port(request)):
            return web.json_response({"error": "this dashboard answers to 127.0.0.1, localhost or [::1] "
                                               "with its own port only"}, status=421)
        return await handler(request)

    @web.middleware
    async def _deadline(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await asyncio.wait_for(handler(request), REQUEST_TIMEOUT_S)
        except asyncio.TimeoutError:
            return web.json_response({"error": f"the request took more than {REQUEST_TIMEOUT_S:g}s"}, status=408,
                                     headers={"Connection": "close"})

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return web.json_response({"error": "this needs the dashboard's token"}, status=401)
        return await handler(request)

    async def _index(self, request: web.Request) -> web.Response:
        return self._file("index.html")

    async def _static_file(self, request: web.Request) -> web.Response:
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> web.Response:
        if name not in self._static:
            raise web.HTTPNotFound()
        body, content_type = self._static[name]
        return web.Response(body=body, content_type=content_type, charset="utf-8")

    async def _api_state(self, request: web.Request) -> web.Response:
        now = self._clock()
        if now - self._state_at >= STATE_MAX_AGE_S:
            self._state = json.dumps(self.reader.state(), ensure_ascii=False, default=str).encode()
            self._state_at = now
        return web.Response(body=self._state, content_type="application/json")

    async def _api_control(self, request: web.Request) -> web.Response:
        try:
            body = await asyncio.wait_for(request.json(), REQUEST_READ_TIMEOUT_S)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        except asyncio.TimeoutError:
            return web.json_response({"error": f"the request's body took more than {REQUEST_READ_TIMEOUT_S:g}s"},
                                     status=408, headers={"Connection": "close"})
        action = body.get("action") if isinstance(body, dict) else None
        name = body.get("process") if isinstance(body, dict) else None
        if action not in ACTIONS or (name is not None and not isinstance(name, str)) or \
                (action == "restart" and name is None):
            return web.json_response({"error": "expected {action: stop|restart, process: NAME or null}"},
                                     status=400)
        record = self.reader.record()
        if record is None or record.finished or not supervisor_alive(record):
            return web.json_response({"error": "nothing is running"}, status=409)
        if name is not None and name not in record.processes:
            return web.json_response({"error": f"no process {name!r} in run {record.run_id}"}, status=400)
        run_dir = Path(record.run_dir or self.reader.runs_dir / record.run_id)

        def ask() -> dict[str, Any]:
            reply = send_request(run_dir, action, name, "the dashboard", still_running=lambda: supervisor_alive(record))
            return {"accepted": reply.accepted, "message": reply.message}

        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, ask)
        except ControlError as exc:
            return web.json_response({"error": str(exc)}, status=503)
        self._state_at = float("-inf")  # the next poll shows what the request did
        return web.json_response(answer, status=200 if answer["accepted"] else 409)


def is_own_host(host: str, port: int | None) -> bool:
    """`Host` names this machine's loopback address and the dashboard's own port (the port may
    be left out only when it is 80, as browsers do)."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 address: `[::1]:8765`
        inside, _, rest = host.partition("]")
        name, given = inside + "]", rest[1:] if rest.startswith(":") else ("" if rest else "80")
    else:
        name, colon, given = host.rpartition(":")
        if not colon:
            name, given = host, "80"
    return name in LOOPBACK_NAMES and port is not None and given == str(port)


def _local_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None
