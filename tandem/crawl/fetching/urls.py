"""URL canonicalisation and scope checks, applied to every link before the seen-check.

Two spellings of one page (a fragment, `:80`, reordered query, `utm_*` tracking) must map to one
frontier entry, or the crawl fetches it twice and the dedup has to clean up afterwards. The scope
check refuses what the crawl must never fetch: other schemes, hosts outside `allowed_domains`,
and private/loopback/link-local addresses (unless the config allows private networks).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that identify a campaign or a click, never the page's content.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
     "_ga", "_gl", "igshid", "ref_src", "spm"}
)
TRACKING_PREFIXES = ("utm_",)
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
# Longer URLs are almost always session ids, calendars or other generated traps.
MAX_URL_LENGTH = 2048


class InvalidURL(ValueError):
    """A link that cannot be a crawl target (unparsable, no host, bad port)."""


def canonicalize(url: str) -> str:
    """The one spelling of `url` used as the frontier key.

    Lower-case scheme and host (IDNA), no default port, no fragment, no userinfo, path
    percent-encoding normalised, `/` for an empty path, tracking parameters dropped and the
    remaining query sorted (stable, so repeated keys keep their order).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(str(exc)) from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not host:
        raise InvalidURL(f"no host in {url!r}")
    host = _normalize_host(host)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    query = _clean_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalize_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidURL(f"bad host {host!r}") from exc


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
    kept.sort(key=lambda pair: pair[0])
    return urlencode(kept, quote_via=quote)


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def host_of(url: str) -> str:
    """The host part of a canonical URL (with its port when not the default), the politeness key."""
    return urlsplit(url).netloc


def is_private_address(host: str) -> bool:
    """True for an IP literal (or `localhost`) that is private, loopback, link-local or reserved."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


class Scope:
    """Which canonical URLs the crawl may fetch; `refusal(url)` names why not, or is None."""

    def __init__(self, allowed_domains: Iterable[str], allow_private_networks: bool) -> None:
        self.allowed_domains = tuple(_normalize_host(d.strip().lstrip(".")) for d in allowed_domains if d)
        self.allow_private_networks = allow_private_networks

    def refusal(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            return "scheme"
        if len(url) > MAX_URL_LENGTH:
            return "url_too_long"
        host = parts.hostname or ""
        if not self._domain_allowed(host):
            return "off_domain"
        if not self.allow_private_networks and is_private_address(host):
            return "private_address"
        return None

    def _domain_allowed(self, host: str) -> bool:
        if not self.allowed_domains:
            return True
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


def seed_hosts(seeds: Iterable[str]) -> list[str]:
    """The default `allowed_domains`: the seeds' hosts (without ports), in order, once each."""
    hosts: list[str] = []
    for seed in seeds:
        host = urlsplit(canonicalize(seed)).hostname
        if host and host not in hosts:
            hosts.append(host)
    return hosts
