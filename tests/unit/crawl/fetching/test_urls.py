import pytest

from tandem.crawl.fetching.urls import InvalidURL, Scope, canonicalize, host_of, is_private_address, seed_hosts


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
    assert is_private_address(host) is private


def test_scope_refuses_other_schemes_domains_and_private_addresses() -> None:
    scope = Scope(["example.com"], allow_private_networks=False)
    assert scope.refusal("http://example.com/a") is None
    assert scope.refusal("https://news.example.com/a") is None
    assert scope.refusal("ftp://example.com/a") == "scheme"
    assert scope.refusal("http://evil-example.com/") == "off_domain"
    assert scope.refusal("http://other.org/") == "off_domain"
    assert scope.refusal("http://example.com/" + "a" * 3000) == "url_too_long"
    open_scope = Scope([], allow_private_networks=False)
    assert open_scope.refusal("http://127.0.0.1:8080/") == "private_address"
    assert open_scope.refusal("http://other.org/") is None
    assert Scope([], allow_private_networks=True).refusal("http://127.0.0.1:8080/") is None


def test_seed_hosts_default_allowed_domains() -> None:
    assert seed_hosts(["http://A.com/x", "http://a.com:81/y", "https://b.org/"]) == ["a.com", "b.org"]
