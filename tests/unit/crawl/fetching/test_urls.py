import pytest

from tandem.crawl.fetching.addresses import AddressPolicy
from tandem.crawl.fetching.urls import InvalidURL, Scope, canonicalize, host_of, seed_hosts


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://Example.COM:80/a#frag", "http://example.com/a"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com/p?b=2&a=1&utm_source=x&fbclid=y", "http://example.com/p?a=1&b=2"),
        ("http://example.com/p?utm_medium=only", "http://example.com/p"),
        ("http://user:pw@example.com/", "http://example.com/"),
        ("http://example.com/%7Efoo/日本", "http://example.com/~foo/%E6%97%A5%E6%9C%AC"),
        ("http://例え.jp/", "http://xn--r8jz45g.jp/"),
        ("http://example.com./a", "http://example.com/a"),
    ],
)
def test_canonicalize_maps_spellings_of_one_page_to_one_url(raw: str, canonical: str) -> None:
    assert canonicalize(raw) == canonical


def test_canonicalize_keeps_order_of_repeated_keys_and_blank_values() -> None:
    assert canonicalize("http://e.com/?b=&a=2&a=1") == "http://e.com/?a=2&a=1&b="


@pytest.mark.parametrize("raw", ["http://", "mailto:someone", "http://e.com:99999/"])
def test_canonicalize_rejects_unusable_urls(raw: str) -> None:
    with pytest.raises(InvalidURL):
        canonicalize(raw)


def test_host_of_keeps_non_default_port() -> None:
    assert host_of("http://127.0.0.1:8080/a") == "127.0.0.1:8080"


@pytest.mark.parametrize(
    ("host", "private"),
    [("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True), ("169.254.1.1", True),
     ("::1", True), ("[fe80::1]", True), ("localhost", True), ("8.8.8.8", False), ("example.com", False)],
)
def test_private_addresses(host: str, private: bool) -> None:
    assert AddressPolicy().allows_host(host) is not private


def test_scope_refuses_other_schemes_domains_and_private_addresses() -> None:
    scope = Scope(["example.com"], AddressPolicy())
    assert scope.refusal("http://example.com/a") is None
    assert scope.refusal("https://news.example.com/a") is None
    assert scope.refusal("ftp://example.com/a") == "scheme"
    assert scope.refusal("http://evil-example.com/") == "off_domain"
    assert scope.refusal("http://other.org/") == "off_domain"
    assert scope.refusal("http://example.com/" + "a" * 3000) == "url_too_long"
    open_scope = Scope([], AddressPolicy())
    assert open_scope.refusal("http://127.0.0.1:8080/") == "private_address"
    assert open_scope.refusal("http://other.org/") is None
    assert Scope([], AddressPolicy(allow_private=True)).refusal("http://127.0.0.1:8080/") is None


def test_seed_hosts_default_allowed_domains() -> None:
    assert seed_hosts(["http://A.com/x", "http://a.com:81/y", "https://b.org/"]) == ["a.com", "b.org"]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("http://e.jp/%82%a0.html", "http://e.jp/%82%A0.html"),  # Shift_JIS あ: kept as its bytes
        ("http://e.jp/cgi/search?q=%82%A0&page=2", "http://e.jp/cgi/search?page=2&q=%82%A0"),
        ("http://e.jp/docs/a%2fb", "http://e.jp/docs/a%2Fb"),  # one segment, not two
        ("http://e.jp/a%3Fb", "http://e.jp/a%3Fb"),
        ("http://e.jp/100%25/x", "http://e.jp/100%25/x"),
        ("http://e.jp/%41%42c", "http://e.jp/ABc"),  # unreserved characters are decoded
        ("http://e.jp/a/./b/../c", "http://e.jp/a/c"),  # what aiohttp requests
        ("http://e.jp/?q=a+b&x=/y", "http://e.jp/?q=a%20b&x=%2Fy"),
    ],
)
def test_canonicalize_keeps_escaped_bytes_as_they_are(raw: str, canonical: str) -> None:
    assert canonicalize(raw) == canonical


def test_different_shift_jis_pages_keep_different_keys() -> None:
    assert len({canonicalize(f"http://e.jp/{name}.html") for name in ("%82%A0", "%82%A2", "%82%A4")}) == 3


OLD_KEYS = [  # frontier keys written by the previous canonicalize(): a resumed crawl must find them
    "http://example.com/", "https://example.com:8443/x", "http://example.com/p?a=1&b=2",
    "http://example.com/~foo/%E6%97%A5%E6%9C%AC", "http://xn--r8jz45g.jp/", "http://e.com/?a=2&a=1&b=",
    "http://e.com/a:b@c/(x)*,;=!$&'+", "http://e.com/search?q=%E6%97%A5%20%2F&sort=new", "http://e.com/a%20b%22",
    "http://127.0.0.1:8080/trap/loop-a", "http://e.com/index.php?action=%3D&title=%E3%83%A1",
]


@pytest.mark.parametrize("key", OLD_KEYS)
def test_keys_that_were_canonical_stay_as_they_are(key: str) -> None:
    assert canonicalize(key) == key


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001", "[::ffff:127.0.0.1]"])
def test_numeric_spellings_of_loopback_are_refused_as_private(host: str) -> None:
    url = canonicalize(f"http://{host}:8080/admin")
    assert Scope([], AddressPolicy()).refusal(url) == "private_address"


def test_a_bad_numeric_host_is_an_invalid_url() -> None:
    with pytest.raises(InvalidURL, match="IPv4"):
        canonicalize("http://1.2.3.256/")


def test_the_allowlist_opens_the_test_site_and_nothing_else() -> None:
    scope = Scope(["127.0.0.1", "127.0.0.2"], AddressPolicy.from_config(False, ["127.0.0.1"]))
    assert scope.refusal("http://127.0.0.1:8080/") is None
    assert scope.refusal("http://127.0.0.2:8080/") == "private_address"
    assert scope.address_refusal("http://other.example/robots.txt") is None  # robots.txt may move host
    assert scope.refusal("http://other.example/robots.txt") == "off_domain"
