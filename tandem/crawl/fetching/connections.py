"""The crawl's HTTP session: every connection it opens goes to an address the policy allows.

Two gates, both from one `AddressPolicy`. The resolver drops refused addresses from what a
hostname resolves to (a name resolving only to private addresses fails with `AddressRefused`),
so a name with one public and one private address is reached on the public one. The socket
factory checks the address each connection is really made to, whatever produced it: aiohttp
skips the resolver for IP literals, so this is the gate that holds for them, and for anything a
future change lets past the scope check. Nothing here follows redirects: the fetcher does, one
checked hop at a time.
"""

from __future__ import annotations

import socket

import aiohttp
from aiohappyeyeballs import AddrInfoType, SocketFactoryType
from aiohttp.abc import AbstractResolver, ResolveResult

from tandem.crawl.crawl_config import FetchSettings
from tandem.crawl.fetching.addresses import AddressPolicy

REFUSED_MARK = "refused by the crawl's address policy"


class AddressRefused(OSError):
    """A connection (or every address of a name) would go where the policy forbids."""


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver minus the addresses the crawl may not connect to."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.ThreadedResolver()
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self._policy.allows(r["host"])]
        if not allowed:
            raise AddressRefused(f"{host} resolves only to addresses {REFUSED_MARK}")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(policy: AddressPolicy) -> SocketFactoryType:
    """A socket factory for aiohttp that refuses to open a socket towards a refused address."""

    def make_socket(addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, sockaddr = addr_info
        if not policy.allows(str(sockaddr[0])):
            raise AddressRefused(f"connection to {sockaddr[0]} {REFUSED_MARK}")
        return socket.socket(family, kind, proto)

    return make_socket


def is_address_refusal(error: BaseException | None) -> bool:
    """True for an OSError raised by either gate (aiohappyeyeballs may merge several into one)."""
    return isinstance(error, AddressRefused) or (isinstance(error, OSError) and REFUSED_MARK in str(error))


def make_session(
    settings: FetchSettings, workers: int, per_host: int, policy: AddressPolicy,
    resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """`resolver`: the name lookup behind the guard (tests pass one that knows made-up names)."""
    connector = aiohttp.TCPConnector(
        limit=workers, limit_per_host=per_host, ttl_dns_cache=300,
        resolver=GuardedResolver(policy, resolver), socket_factory=guarded_socket_factory(policy),
    )
    timeout = aiohttp.ClientTimeout(
        total=settings.total_timeout_s, sock_connect=settings.connect_timeout_s, sock_read=settings.read_timeout_s
    )
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Language": "ja,en;q=0.5",
    }
    # No cookie jar: a crawler has no session to keep, and parsing Set-Cookie costs time. No
    # proxy from the environment (trust_env is off): connections go where the policy checked.
    return aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers, cookie_jar=aiohttp.DummyCookieJar()
    )
