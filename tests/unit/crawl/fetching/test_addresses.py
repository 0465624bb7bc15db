"""Which addresses the crawl may connect to, and numeric host spellings (URL Standard IPv4)."""

import ipaddress

import pytest

from tandem.crawl.fetching.addresses import AddressPolicy, NotAnIPv4Address, ipv4_from_numeric_host


@pytest.mark.parametrize(
    ("host", "address"),
    [("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"),
     ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"),
     ("0x", "0.0.0.0"), ("8.8.8.8.", "8.8.8.8"), ("example.com", None), ("0x7f.example", None),
     ("xn--r8jz45g.jp", None)],
)
def test_numeric_hosts_are_read_as_browsers_read_them(host: str, address: str | None) -> None:
    assert ipv4_from_numeric_host(host) == address


@pytest.mark.parametrize("host", ["1.2.3.256", "4294967296", "1.2.3.4.5", "0x1g.1", "09.1", "1..2"])
def test_a_host_ending_in_a_number_that_is_no_ipv4_address_is_refused(host: str) -> None:
    with pytest.raises(NotAnIPv4Address):
        ipv4_from_numeric_host(host)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False), ("10.0.0.5", False),
     ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False), ("fe80::1%eth0", False),
     ("::ffff:127.0.0.1", False), ("::ffff:8.8.8.8", True), ("2002:7f00:1::", False), ("64:ff9b::a00:5", False),
     ("::127.0.0.1", False)],
)
def test_only_public_addresses_by_default(address: str, allowed: bool) -> None:
    assert AddressPolicy().allows(address) is allowed
    assert AddressPolicy(allow_private=True).allows(address) is True


def test_the_allowlist_opens_only_what_it_names() -> None:
    policy = AddressPolicy.from_config(False, ["127.0.0.1", "10.1.0.0/16"])
    assert policy.allows("127.0.0.1") and policy.allows("10.1.2.3") and policy.allows("::ffff:127.0.0.1")
    assert not policy.allows("127.0.0.2") and not policy.allows("10.2.0.1") and not policy.allows("::1")
    assert policy.allows(ipaddress.ip_address("8.8.8.8"))


def test_hosts_of_urls() -> None:
    policy = AddressPolicy.from_config(False, ["127.0.0.1"])
    assert policy.allows_host("example.com")  # a name is checked once it resolves
    assert policy.allows_host("127.0.0.1") and policy.allows_host("localhost")
    assert not policy.allows_host("127.0.0.2") and not policy.allows_host("[::1]")
    assert not AddressPolicy().allows_host("db.localhost")
