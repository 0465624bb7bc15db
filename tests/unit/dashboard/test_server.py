"""The dashboard's HTTP surface: the page is public, the run's state and its buttons need the
token, which travels in a header and never in a URL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from tandem.dashboard.server import Dashboard
from tandem.dashboard.snapshot import RunReader

TOKEN = "s3cret-token-for-tests"


def with_client(tmp_path, check: Callable[[TestClient], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        client = TestClient(TestServer(Dashboard(RunReader(tmp_path / "logs"), TOKEN).app()))
        await client.start_server()
        try:
            return await check(client)
        finally:
            await client.close()

    return asyncio.run(go())


def test_requests_without_the_token_are_refused(tmp_path):
    async def check(client):
        codes = []
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            codes.append((await client.get("/api/state", headers=headers)).status)
            codes.append((await client.post("/api/control", json={"action": "stop", "process": None},
                                            headers=headers)).status)
        codes.append((await client.get(f"/api/state?token={TOKEN}")).status)  # never from a URL
        return codes

    assert with_client(tmp_path, check) == [401] * 7


def test_with_the_token_the_state_is_served_and_actions_say_why_not(tmp_path):
    async def check(client):
        auth = {"Authorization": f"Bearer {TOKEN}"}
        state = await client.get("/api/state", headers=auth)
        nothing = await client.post("/api/control", json={"action": "stop", "process": None}, headers=auth)
        bad = await client.post("/api/control", json={"action": "explode"}, headers=auth)
        return state.status, await state.json(), state.headers["Cache-Control"], nothing.status, \
            (await nothing.json())["error"], bad.status

    status, body, cache, nothing, error, bad = with_client(tmp_path, check)
    assert status == 200 and body["run"] is None and cache == "no-store"
    assert (nothing, error, bad) == (409, "nothing is running", 400)


def test_the_page_and_its_scripts_come_from_the_package_under_a_strict_policy(tmp_path):
    async def check(client):
        page = await client.get("/")
        files = [await client.get(f"/static/{name}") for name in
                 ("dashboard.js", "dashboard.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE")]
        missing = await client.get("/static/../server.py")
        return page, await page.text(), [f.status for f in files], missing.status

    page, html, statuses, missing = with_client(tmp_path, check)
    assert page.status == 200 and "/static/dashboard.js" in html and "http" not in html.split("<body>")[1]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert statuses == [200] * 5 and missing == 404
    assert TOKEN not in html


def test_only_its_own_loopback_names_and_port_are_its_host():
    from tandem.dashboard.server import is_own_host

    own = ["127.0.0.1:8765", "localhost:8765", "LocalHost:8765", "[::1]:8765"]
    foreign = ["evil.example:8765", "127.0.0.1:8766", "127.0.0.1", "localhost", "[::1]", "[::1]x:8765",
               "localhost.evil.example:8765", "127.0.0.1.evil:8765", "", ":8765"]
    assert [is_own_host(h, 8765) for h in own] == [True] * len(own)
    assert [is_own_host(h, 8765) for h in foreign] == [False] * len(foreign)
    assert is_own_host("localhost", 80) and is_own_host("[::1]", 80) and not is_own_host("[::1]x", 80)
