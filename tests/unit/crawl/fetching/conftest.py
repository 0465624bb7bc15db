"""Fixtures for the crawl engine's unit tests: a tiny aiohttp site on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

SiteRunner = Callable[[web.Application, Callable[[str], Awaitable[Any]]], Any]


@pytest.fixture
def run_with_site() -> SiteRunner:
    """run_with_site(app, body) serves `app` on a free loopback port and runs `body(base_url)`."""

    def run(app: web.Application, body: Callable[[str], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            try:
                return await body(f"http://127.0.0.1:{port}")
            finally:
                await runner.cleanup()

        return asyncio.run(main())

    return run
