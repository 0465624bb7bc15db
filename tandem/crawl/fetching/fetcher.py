"""HTTP fetching on aiohttp with every limit a polite, safe crawler needs.

Redirects are followed here, one hop at a time, so each hop passes the same scope and robots
checks as a link would (`hop_check`) and a loop or a long chain ends with a reason. Bodies are
streamed and abandoned past `max_bytes`; non-HTML content types are refused before the body is
read; 429/503 report their Retry-After so the engine can back off the whole host. Hostnames
that resolve to private addresses are refused by the resolver itself (`GuardedResolver`), which
also covers DNS names pointing into the local network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from tandem.crawl.crawl_config import FetchSettings
from tandem.crawl.fetching.urls import InvalidURL, canonicalize

# Checks a redirect target before it is fetched: a refusal reason, or None to follow it.
HopCheck = Callable[[str], Awaitable[str | None]]
_CHUNK = 64 * 1024
_ROBOTS_MAX_BYTES = 512 * 1024


class PrivateAddressRefused(OSError):
    """A hostname resolved only to private/loopback/link-local addresses."""


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver minus the addresses the crawl may not connect to."""

    def __init__(self, allow_private_networks: bool) -> None:
        self._inner = aiohttp.ThreadedResolver()
        self._allow_private = allow_private_networks

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._allow_private:
            return results
        public = [r for r in results if ipaddress.ip_address(r["host"]).is_global]
        if not public:
            raise PrivateAddressRefused(f"{host} resolves only to non-public addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()


@dataclass
class FetchResult:
    url: str  # the final canonical URL (after redirects)
    status: int = 0
    content_type: str | None = None
    body: bytes | None = None  # set only for a fetched page the engine should process
    error: str | None = None  # why there is no page: http_404, timeout, too_large, …
    retry_after_s: float | None = None  # for 429/503: how long the host asked us to wait
    redirects: list[str] = field(default_factory=list)
    bytes_read: int = 0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def make_session(settings: FetchSettings, workers: int, per_host: int, allow_private: bool) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=workers, limit_per_host=per_host, ttl_dns_cache=300,
        resolver=GuardedResolver(allow_private),
    )
    timeout = aiohttp.ClientTimeout(
        total=settings.total_timeout_s, sock_connect=settings.connect_timeout_s, sock_read=settings.read_timeout_s
    )
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Language": "ja,en;q=0.5",
    }
    # No cookie jar: a crawler has no session to keep, and parsing Set-Cookie costs time.
    return aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers, cookie_jar=aiohttp.DummyCookieJar()
    )


class Fetcher:
    def __init__(self, session: aiohttp.ClientSession, settings: FetchSettings) -> None:
        self.session = session
        self.settings = settings
        self._types = tuple(t.lower() for t in settings.content_types)

    async def fetch(self, url: str, hop_check: HopCheck) -> FetchResult:
        result = FetchResult(url=url)
        seen = {url}
        try:
            while True:
                location = await self._get_once(result)
                if location is None:
                    return result
                if len(result.redirects) >= self.settings.max_redirects:
                    result.error = "too_many_redirects"
                    return result
                try:
                    target = canonicalize(urljoin(result.url, location))
                except InvalidURL:
                    result.error = "bad_redirect"
                    return result
                if target in seen:
                    result.error = "redirect_loop"
                    return result
                refusal = await hop_check(target)
                if refusal is not None:
                    result.error = f"redirect_{refusal}"
                    return result
                seen.add(target)
                result.redirects.append(result.url)
                result.url = target
        except asyncio.TimeoutError:
            result.error = "timeout"
        except aiohttp.ClientConnectorError as exc:
            result.error = "private_address" if isinstance(exc.os_error, PrivateAddressRefused) else "network"
        except (aiohttp.ClientError, OSError, UnicodeError, ValueError):
            result.error = "network"
        return result

    async def _get_once(self, result: FetchResult) -> str | None:
        """One request; fills `result` and returns a redirect Location to follow, or None."""
        async with self.session.get(result.url, allow_redirects=False) as response:
            result.status = response.status
            result.content_type = response.headers.get("Content-Type")
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if location:
                    return location
                result.error = f"http_{response.status}"
                return None
            if response.status in (429, 503):
                result.error = f"http_{response.status}"
                result.retry_after_s = parse_retry_after(response.headers.get("Retry-After"))
                return None
            if response.status != 200:
                result.error = f"http_{response.status}"
                return None
            mime = (result.content_type or "").split(";", 1)[0].strip().lower()
            if mime and mime not in self._types:
                result.error = "content_type"
                return None
            if (response.content_length or 0) > self.settings.max_bytes:
                result.error = "too_large"
                return None
            body = await _read_capped(response, self.settings.max_bytes)
            if body is None:
                result.error = "too_large"
                result.bytes_read = self.settings.max_bytes
                return None
            result.body = body
            result.bytes_read = len(body)
            return None

    async def fetch_robots(self, url: str) -> tuple[int, str]:
        async with self.session.get(url, allow_redirects=True, max_redirects=self.settings.max_redirects) as response:
            if response.status != 200:
                return response.status, ""
            body = await _read_capped(response, _ROBOTS_MAX_BYTES) or b""
            return 200, body.decode("utf-8", errors="replace")


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes | None:
    """The whole body, or None as soon as it grows past `max_bytes` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
