"""Which network addresses the crawl may connect to, and the numeric host spellings behind them.

One `AddressPolicy` answers for every check the crawl makes: the scope check of a URL whose host
is an IP literal, the resolver (a name is checked after it resolves), and the socket factory
(the address each connection is really made to). Public addresses are allowed; private,
loopback, link-local and reserved ones only with `allow_private_networks` or when listed in
`private_address_allowlist`. An IPv6 address that embeds an IPv4 one (IPv4-mapped, 6to4, NAT64,
Teredo, IPv4-compatible) is judged by the embedded address, so `[::ffff:127.0.0.1]` is loopback.

Browsers (and `getaddrinfo`) read `http://2130706433/`, `http://0x7f.1/`, `http://017700000001/`
and `http://127.1/` as 127.0.0.1: the URL Standard's IPv4 parser. `ipv4_from_numeric_host` reads
them the same way, so canonical URLs carry the dotted address and every check sees it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class NotAnIPv4Address(ValueError):
    """A host that ends in a number (so it must be an IPv4 address) but is not a valid one."""


def ipv4_from_numeric_host(host: str) -> str | None:
    """The dotted IPv4 address a host spelled with numbers means (URL Standard, "IPv4 parser"),
    None for a domain name; raises NotAnIPv4Address for a host like `1.2.3.999` or `0x1g`."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    if not _is_number_like(labels[-1]):
        return None
    if len(labels) > 4:
        raise NotAnIPv4Address(f"{host!r} has more than four numeric parts")
    numbers = [_ipv4_number(label, host) for label in labels]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise NotAnIPv4Address(f"{host!r} is out of the IPv4 range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return str(ipaddress.IPv4Address(value))


def _is_number_like(label: str) -> bool:
    if label.isascii() and label.isdigit():
        return True
    return label[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in label[2:])


def _ipv4_number(label: str, host: str) -> int:
    try:
        if label[:2].lower() == "0x":
            return int(label[2:] or "0", 16)
        if len(label) > 1 and label.startswith("0"):
            return int(label[1:], 8)
        return int(label, 10)
    except ValueError:
        raise NotAnIPv4Address(f"{host!r} has a part that is not a number: {label!r}") from None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, Teredo, IPv4-compatible)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses connections may go to. The default allows public addresses only."""

    allow_private: bool = False
    allowlist: tuple[IPNetwork, ...] = ()  # private networks allowed although allow_private is off

    @classmethod
    def from_config(cls, allow_private: bool, allowlist: Iterable[str]) -> AddressPolicy:
        return cls(allow_private, tuple(ipaddress.ip_network(n, strict=False) for n in allowlist))

    def allows(self, address: IPAddress | str) -> bool:
        if self.allow_private:
            return True
        if isinstance(address, str):
            address = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        inner = embedded_ipv4(address)
        if self._listed(address) or (inner is not None and self._listed(inner)):
            return True
        # An address carrying an IPv4 one reaches that address: judge it by the IPv4 address.
        return inner.is_global if inner is not None else address.is_global

    def _listed(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.allowlist)

    def allows_host(self, host: str) -> bool:
        """For a canonical URL's host: False for a refused IP literal or a `localhost` name;
        True for other names (they are checked after resolution, and at connection time)."""
        host = host.strip("[]")
        if host == "localhost" or host.endswith(".localhost"):
            return self.allows("127.0.0.1")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return True
        return self.allows(address)
