"""robots.txt per host (protego), fetched once and shared by every worker.

Rules as in RFC 9309: a 4xx robots.txt means "no rules"; a 5xx (and a 429, as Google reads it),
an unreachable one, or one whose transfer failed (a dropped connection, a short body, garbage
gzip, a redirect the crawl refuses) means "assume everything is disallowed" for that host, with
the refusal `robots_unreachable` (retried by a resumed crawl). Whatever the server does, the
failure is that host's, said once in the log, never the crawl's. Only the first 500 KiB are
read and obeyed, as Google does; a line cut at that limit is dropped rather than half-read.
`Crawl-delay` becomes the host's minimum delay (capped by the caller); `Sitemap:` lines are
kept for the sitemap reader.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from tandem.common.script_main import timestamped
from tandem.crawl.fetching.fetcher import FetchResult

# GET robots.txt (redirect hops checked, body capped and cut at 500 KiB); never raises.
RobotsFetcher = Callable[[str], Awaitable[FetchResult]]
UNREACHABLE = "robots_unreachable"


@dataclass(frozen=True)
class HostRules:
    parser: Protego | None  # None: no rules (4xx)
    disallow_all: bool = False
    # Why a URL is refused: "robots", or "robots_unreachable" when robots.txt could not be read
    # (5xx, network), so a crawl without network access says so instead of blaming the rules.
    refusal: str = "robots"
    sitemaps: tuple[str, ...] = field(default=())  # `Sitemap:` URLs, as written

    def allows(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def parse_robots(body: bytes, truncated: bool) -> HostRules:
    """Rules from the bytes read; a body cut at the size limit loses its unfinished last line."""
    if truncated:
        body = body[: body.rfind(b"\n") + 1]
    parser = Protego.parse(body.decode("utf-8-sig", errors="replace"))
    return HostRules(parser, sitemaps=tuple(parser.sitemaps))


def rules_from_answer(result: FetchResult) -> HostRules:
    error = result.error
    if error is None:
        return parse_robots(result.body or b"", result.truncated)
    if error.startswith("http_4") and error != "http_429":
        return HostRules(None)
    return HostRules(None, disallow_all=True, refusal=UNREACHABLE)


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
            result = await self._fetch(robots_url)
            rules = rules_from_answer(result)
        except Exception as exc:  # a bug or a parser failure: still this host's failure alone
            result = FetchResult(robots_url, error=f"{type(exc).__name__}: {exc}")
            rules = HostRules(None, disallow_all=True, refusal=UNREACHABLE)
        if rules.disallow_all:
            print(timestamped(f"{robots_url}: {result.error}; every URL of this host is refused as {UNREACHABLE} "
                              "for now (RFC 9309), and retried when the crawl is resumed", "WARNING"), file=sys.stderr)
        return rules
