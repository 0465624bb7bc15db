"""URL canonicalisation and scope checks, applied to every link before the seen-check.

Two spellings of one page (a fragment, `:80`, reordered query, `utm_*` tracking, `%7e` for `~`)
must map to one frontier entry, or the crawl fetches it twice and the dedup has to clean up
afterwards. Canonicalisation never decodes text: percent-escapes are kept as the bytes they
stand for, so a Shift_JIS path (`/%82%A0.html`, common on older Japanese sites) is fetched as
written, and `a%2Fb` stays one path segment (the rules of w3lib's `canonicalize_url`, which
Scrapy's request fingerprints use). The scope check refuses what the crawl must never fetch:
other schemes, hosts outside `allowed_domains`, and addresses the `AddressPolicy` refuses.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from tandem.crawl.fetching.addresses import AddressPolicy, NotAnIPv4Address, ipv4_from_numeric_host

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that identify a campaign or a click, never the page's content.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
     "_ga", "_gl", "igshid", "ref_src", "spm"}
)
TRACKING_PREFIXES = ("utm_",)
# Characters a canonical path keeps unescaped (RFC 3986 pchar and `/`; `%` starts an escape).
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=\-._~]*")
# Escapes kept as escapes in a path: decoding them would change which resource is meant.
_PROTECTED_ESCAPE = re.compile(r"%(2[Ff]|3[Ff]|3[Bb]|25)")
# Longer URLs are almost always session ids, calendars or other generated traps.
MAX_URL_LENGTH = 2048


class InvalidURL(ValueError):
    """A link that cannot be a crawl target (unparsable, no host, bad port, bad IPv4 number)."""


def canonicalize(url: str) -> str:
    """The one spelling of `url` used as the frontier key, and the URL fetched.

    Lower-case scheme and host (IDNA; numeric IPv4 spellings as dotted quads), no default port,
    no fragment, no userinfo; in the path, escapes upper-cased, escapes of unreserved characters
    decoded, other bytes escaped, dot segments removed, `/` when empty; tracking parameters
    dropped, the query fully escaped (`+` as `%20`) and sorted by key (stably, so repeated keys
    keep their order). Escaped bytes are never decoded as text, whatever their charset.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        scheme = parts.scheme.lower()
        host = parts.hostname
        if not host:
            raise InvalidURL(f"no host in {url!r}")
        host = _normalize_host(host)
        path = _normalize_path(parts.path)
        query = _clean_query(parts.query)
    except (ValueError, UnicodeError) as exc:  # a bad port, bad IPv4 number, unencodable text
        raise InvalidURL(str(exc)) from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, path, query, ""))


@functools.lru_cache(maxsize=8192)  # a crawl meets few hosts and many links to each
def _normalize_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if ":" in host:
        return str(ipaddress.IPv6Address(host))  # raises ValueError for a bad literal
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidURL(f"bad host {host!r}") from exc
    try:
        return ipv4_from_numeric_host(host) or host
    except NotAnIPv4Address as exc:
        raise InvalidURL(str(exc)) from None


def _normalize_path(path: str) -> str:
    if not path:
        return "/"
    if "%" in path or not _PLAIN_PATH.fullmatch(path):
        # Bytes, not text: protect the escapes that must stay, decode the rest to the bytes
        # they stand for, and escape again what a canonical path does not show raw.
        protected = _PROTECTED_ESCAPE.sub(lambda m: "%25" + m.group(1).upper(), path)
        path = quote(unquote_to_bytes(protected), safe=_SAFE_PATH)
    return _remove_dot_segments(path) if "/." in path else path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: what aiohttp (yarl) requests anyway."""
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    result = "/" + "/".join(kept)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs: list[tuple[bytes, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        raw_key = unquote_to_bytes(key.replace("+", " "))
        if _is_tracking(raw_key):
            continue
        raw_value = unquote_to_bytes(value.replace("+", " "))
        pairs.append((raw_key, f"{quote(raw_key, safe='')}={quote(raw_value, safe='')}"))
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(text for _, text in pairs)


def _is_tracking(raw_key: bytes) -> bool:
    lowered = raw_key.decode("utf-8", errors="replace").lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def host_of(url: str) -> str:
    """The host part of a canonical URL (with its port when not the default), the politeness key."""
    return urlsplit(url).netloc


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a canonical URL: where its robots.txt and sitemaps live."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Scope:
    """Which canonical URLs the crawl may fetch; `refusal(url)` names why not, or is None."""

    def __init__(self, allowed_domains: Iterable[str], addresses: AddressPolicy) -> None:
        self.allowed_domains = tuple(_normalize_host(d.strip().lstrip(".")) for d in allowed_domains if d)
        self.addresses = addresses
        self._host_allowed: dict[str, bool] = {}  # host -> addresses.allows_host(host)

    def refusal(self, url: str) -> str | None:
        return self._refusal(url, check_domain=True)

    def address_refusal(self, url: str) -> str | None:
        """The checks every request passes, robots.txt included: scheme, length, address. (RFC
        9309 lets a robots.txt redirect to another host; the domain scope is not asked there.)"""
        return self._refusal(url, check_domain=False)

    def _refusal(self, url: str, check_domain: bool) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            return "scheme"
        if len(url) > MAX_URL_LENGTH:
            return "url_too_long"
        host = parts.hostname or ""
        if check_domain and not self._domain_allowed(host):
            return "off_domain"
        allowed = self._host_allowed.get(host)
        if allowed is None:
            if len(self._host_allowed) >= 8192:
                self._host_allowed.clear()
            allowed = self._host_allowed[host] = self.addresses.allows_host(host)
        if not allowed:
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
