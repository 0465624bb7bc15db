"""robots.txt per host (protego), fetched once and shared by every worker.

Rules as in RFC 9309: a 4xx robots.txt means "no rules"; a 5xx or an unreachable one means
"assume everything is disallowed" for that host. `Crawl-delay` becomes the host's minimum delay
(capped by the caller).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

# (status, body text) of GET robots.txt; raises OSError/asyncio.TimeoutError when unreachable.
RobotsFetcher = Callable[[str], Awaitable[tuple[int, str]]]


@dataclass(frozen=True)
class HostRules:
    parser: Protego | None  # None: no rules (4xx)
    disallow_all: bool = False
    # Why a URL is refused: "robots", or "robots_unreachable" when robots.txt could not be read
    # (5xx, network), so a crawl without network access says so instead of blaming the rules.
    refusal: str = "robots"

    def allows(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


class RobotsCache:
    def __init__(self, fetch: RobotsFetcher, user_agent: str) -> None:
        self._fetch = fetch
        self.user_agent = user_agent
        # One task per host: workers asking at once share it, and a cancelled worker does not
        # cancel the fetch the others wait on.
        self._rules: dict[str, asyncio.Task[HostRules]] = {}

    async def rules_for(self, url: str) -> HostRules:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        task = self._rules.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key + "/robots.txt"))
            self._rules[key] = task
        return await asyncio.shield(task)

    async def allowed(self, url: str) -> bool:
        return (await self.rules_for(url)).allows(url, self.user_agent)

    async def _load(self, robots_url: str) -> HostRules:
        try:
            status, text = await self._fetch(robots_url)
        except (OSError, asyncio.TimeoutError):
            return HostRules(None, disallow_all=True, refusal="robots_unreachable")
        if status >= 500:
            return HostRules(None, disallow_all=True, refusal="robots_unreachable")
        if status >= 400:
            return HostRules(None)
        return HostRules(Protego.parse(text))
