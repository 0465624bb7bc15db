"""HTTP fetching on aiohttp with every limit a polite, safe crawler needs.

Redirects are followed here, one hop at a time, for every kind of request (pages, robots.txt,
sitemaps), so each hop passes the caller's checks (`hop_check`: scope, robots, address) and a
loop or a long chain ends with a reason. Bodies are streamed and abandoned past their size cap,
or cut there (`BodyRules.truncate`, for robots.txt); other content types are refused before the
body is read; 429/503 report their Retry-After so the engine can back off the whole host. The
connections themselves are guarded by the session (`connections.py`). Whatever a server does
(drop the connection, lie about the length, send garbage gzip or no HTTP at all), `fetch`
returns a result with a reason and never raises: a failure of one URL is that URL's failure.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError

from tandem.common.script_main import timestamped
from tandem.crawl.crawl_config import FetchSettings
from tandem.crawl.fetching.connections import is_address_refusal
from tandem.crawl.fetching.urls import InvalidURL, canonicalize

# Checks a redirect target before it is fetched: a refusal reason, or None to follow it.
HopCheck = Callable[[str], Awaitable[str | None]]
# Takes the body chunk by chunk instead of the result keeping it; raises BodyRefused to stop.
BodySink = Callable[[bytes], None]
_CHUNK = 64 * 1024
# Google reads the first 500 KiB of a robots.txt and ignores the rest; so does this crawler.
ROBOTS_MAX_BYTES = 500 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class BodyRefused(Exception):
    """Raised by a BodySink that will not take more; `reason` becomes the result's error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BodyRules:
    content_types: tuple[str, ...] | None  # MIME types accepted; None: any
    max_bytes: int
    truncate: bool = False  # past max_bytes keep the first max_bytes, instead of "too_large"


ROBOTS_BODY = BodyRules(None, ROBOTS_MAX_BYTES, truncate=True)


@dataclass
class FetchResult:
    url: str  # the final canonical URL (after redirects)
    status: int = 0
    content_type: str | None = None
    body: bytes | None = None  # set only for a fetched body the caller should process
    error: str | None = None  # why there is no body: http_404, timeout, too_large, truncated, …
    retry_after_s: float | None = None  # for 429/503: how long the host asked us to wait
    redirects: list[str] = field(default_factory=list)
    bytes_read: int = 0
    truncated: bool = False  # the body is the first max_bytes of a longer one (BodyRules.truncate)


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


class Fetcher:
    def __init__(self, session: aiohttp.ClientSession, settings: FetchSettings) -> None:
        self.session = session
        self.settings = settings
        self.page_body = BodyRules(tuple(t.lower() for t in settings.content_types), settings.max_bytes)

    async def fetch(self, url: str, hop_check: HopCheck, rules: BodyRules | None = None,
                    sink: BodySink | None = None) -> FetchResult:
        """GET `url` (a page unless `rules` says otherwise), following checked redirects."""
        result = FetchResult(url=url)
        rules = rules or self.page_body
        seen = {url}
        try:
            while True:
                location = await self._get_once(result, rules, sink)
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
        except BodyRefused as exc:
            result.error = exc.reason
        except asyncio.TimeoutError:
            result.error = "timeout"
        except aiohttp.ClientConnectorError as exc:
            result.error = "private_address" if is_address_refusal(exc.os_error) else "network"
        except aiohttp.ClientPayloadError as exc:  # a short body, a dropped connection, bad gzip
            result.error = "bad_encoding" if isinstance(exc.__cause__, ContentEncodingError) else "truncated"
        except aiohttp.InvalidURL:
            result.error = "bad_url"
        except aiohttp.ClientResponseError:  # no HTTP, a bad status line or header
            result.error = "bad_response"
        except (aiohttp.ClientError, OSError):
            result.error = "network"
        except (UnicodeError, ValueError):
            result.error = "bad_response"
        except Exception as exc:  # a failure of one URL must never end a crawl of thousands
            print(timestamped(f"fetch failed for {result.url}: {type(exc).__name__}: {exc}", "ERROR"), file=sys.stderr)
            result.error = "fetch_error"
        return result

    async def _get_once(self, result: FetchResult, rules: BodyRules, sink: BodySink | None) -> str | None:
        """One request; fills `result` and returns a redirect Location to follow, or None."""
        async with self.session.get(result.url, allow_redirects=False) as response:
            result.status = response.status
            result.content_type = response.headers.get("Content-Type")
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if location:
                    return location
                result.error = f"http_{response.status}"
                return None
            if response.status != 200:
                result.error = f"http_{response.status}"
                if response.status in (429, 503):
                    result.retry_after_s = parse_retry_after(response.headers.get("Retry-After"))
                return None
            mime = (result.content_type or "").split(";", 1)[0].strip().lower()
            if rules.content_types is not None and mime and mime not in rules.content_types:
                result.error = "content_type"
                return None
            if not rules.truncate and (response.content_length or 0) > rules.max_bytes:
                result.error = "too_large"
                return None
            await _read_body(response, rules, sink, result)
            return None


async def _read_body(response: aiohttp.ClientResponse, rules: BodyRules, sink: BodySink | None,
                     result: FetchResult) -> None:
    """Stream the body into `result.body` (or `sink`), stopping at `rules.max_bytes`: the rest is
    never read. Past the cap the body is refused ("too_large") or, with `truncate`, cut."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        room = rules.max_bytes - size
        if len(chunk) > room:
            if not rules.truncate:
                result.error = "too_large"
                result.bytes_read = rules.max_bytes
                return
            chunk = chunk[:room]
            result.truncated = True
        size += len(chunk)
        if sink is not None:
            sink(chunk)
        else:
            chunks.append(chunk)
        if result.truncated:
            break
    result.body = b"".join(chunks)
    result.bytes_read = size
